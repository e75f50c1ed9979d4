package io.cairn.edge.http;

import java.time.Duration;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;

/**
 * Jetty's limit on open connections, with a short idle timeout while the limit is reached: then the connector stops
 * accepting, and a connection idle for {@code idleAtLimit} is closed instead of after the connector's idle timeout
 * (150 s). Jetty shortens only the connections it already knows when the limit is reached; connections accepted in the
 * same burst, whose endpoints open just after, kept 150 s: 4,096 idle sockets from eight addresses (each within its
 * share) held every connection, and every tenant's requests hung for minutes. Registered on the connectors as a
 * {@link Connection.Listener} too, so each connection opened while limited gets the short timeout as it opens.
 */
final class IdleAtLimit extends NetworkConnectionLimit implements Connection.Listener {
    private volatile boolean limiting;

    IdleAtLimit(int maxConnections, Duration idleAtLimit, Connector... connectors) {
        super(maxConnections, connectors);
        setEndPointIdleTimeout(idleAtLimit.toMillis());
    }

    @Override
    protected void limit() {
        limiting = true;
        super.limit();
    }

    @Override
    protected void unlimit() {
        limiting = false;
        super.unlimit();
    }

    @Override
    public void onOpened(Connection connection) {
        if (limiting) connection.getEndPoint().setIdleTimeout(getEndPointIdleTimeout());
    }

    @Override
    public void onClosed(Connection connection) {}
}
