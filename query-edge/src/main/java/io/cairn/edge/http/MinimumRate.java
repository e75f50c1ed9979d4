package io.cairn.edge.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeoutException;

/**
 * A request body that must keep coming at {@code bytesPerSecond}: after a grace of {@link #GRACE_NANOS}, each
 * read that leaves the body short of what that rate has brought by then fails with an {@link IOException}
 * caused by a {@link TimeoutException} (answered 408 {@code request_timeout}). A body already whole (its
 * declared length read) is never refused. Jetty's own minimum-rate handler let a body of one byte every 200 ms
 * hold its connection far past any rate; a body that stops entirely meets the idle timeout. One request's.
 */
final class MinimumRate extends FilterInputStream {
    /** Time a body has before the rate counts: a slow start, a retransmission. */
    static final long GRACE_NANOS = 2_000_000_000L;

    private final long bytesPerSecond;
    private final long declared;
    private final long start = System.nanoTime();
    private long read;

    private MinimumRate(InputStream in, long bytesPerSecond, long declared) {
        super(in);
        this.bytesPerSecond = bytesPerSecond;
        this.declared = declared;
    }

    /** {@code in}, held to {@code bytesPerSecond} (0: not at all); {@code declared} its Content-Length, or -1. */
    static InputStream of(InputStream in, long bytesPerSecond, long declared) {
        return bytesPerSecond <= 0 ? in : new MinimumRate(in, bytesPerSecond, declared);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) counted(1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) counted(n);
        return n;
    }

    private void counted(int n) throws IOException {
        read += n;
        if (declared >= 0 && read >= declared) return;
        long elapsed = System.nanoTime() - start - GRACE_NANOS;
        if (elapsed <= 0) return;
        long due = (long) (bytesPerSecond * (elapsed / 1e9));
        if (read < due) {
            throw new IOException("the request body came in slower than " + bytesPerSecond + " bytes a second",
                    new TimeoutException("below the minimum rate"));
        }
    }
}
