package io.cairn.edge.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose request line and headers are still coming in {@code limit} after their first byte
 * (Slowloris). Jetty has no such deadline, and its idle timeout starts again with every byte: a client sending a
 * header byte every few seconds held its connection for good, and enough of them, from enough addresses, held every
 * connection of the edge. A request's headers are a few hundred bytes; a client on any link sends them within the
 * limit. Once the headers are in, the body is held to the minimum rate ({@link MinimumRate}) and an idle
 * connection to the idle timeout. Registered on the connectors as a {@link Connection.Listener}, and on the server
 * as a bean: it looks at the open connections once a second while the server runs.
 */
final class HeaderDeadline extends AbstractLifeCycle implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(HeaderDeadline.class);
    /** Longest a request's line and headers may take to come in. */
    static final Duration LIMIT = Duration.ofSeconds(10);

    private final long limitNanos;
    /** Each open HTTP/1 connection, and since when (and at which request) its headers have been coming in; null when they are not. */
    private final Map<HttpConnection, Started> open = new ConcurrentHashMap<>();
    private final AtomicLong closed = new AtomicLong();
    private ScheduledExecutorService sweeper;

    private record Started(long request, long atNanos) {}

    private static final Started NONE = new Started(-1, 0);

    HeaderDeadline(Duration limit) {
        this.limitNanos = limit.toNanos();
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) open.put(http, NONE);
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof HttpConnection http) open.remove(http);
    }

    /** Connections closed so far for headers that took too long. */
    long closed() {
        return closed.get();
    }

    @Override
    protected void doStart() {
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cairn-header-deadline").factory());
        sweeper.scheduleWithFixedDelay(() -> sweep(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() {
        sweeper.shutdownNow();
    }

    /** Closes the connections whose headers began coming in more than the limit before {@code now}. */
    void sweep(long now) {
        for (Map.Entry<HttpConnection, Started> e : open.entrySet()) {
            HttpConnection c = e.getKey();
            var parser = c.getParser();
            if (!parser.inHeaderState() || parser.isStart()) { // no request begun, or its headers are in
                e.setValue(NONE);
                continue;
            }
            long request = c.getMessagesIn();
            Started since = e.getValue();
            if (since.request() != request) {
                e.setValue(new Started(request, now));
            } else if (now - since.atNanos() > limitNanos) {
                closed.incrementAndGet();
                log.info("closing a connection from {}: its request's headers took more than {} s to come in",
                        c.getEndPoint().getRemoteSocketAddress(), Duration.ofNanos(limitNanos).toSeconds());
                open.remove(c);
                c.getEndPoint().close();
            }
        }
    }
}
