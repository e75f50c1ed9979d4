package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A body trickling in below the minimum rate is cut off once the grace is over (Jetty's own handler let one
 * byte every 200 ms through for minutes); a body that came whole, however late, is not.
 */
class MinimumRateTest {
    /** One byte per read, each after a pause: 10 bytes a second. */
    private static final class Trickle extends InputStream {
        private int left;

        Trickle(int bytes) {
            this.left = bytes;
        }

        @Override
        public int read() {
            if (left == 0) return -1;
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the client's pace, not a synchronisation
            left--;
            return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int c = read();
            if (c < 0) return -1;
            b[off] = (byte) c;
            return 1;
        }
    }

    @Test
    void aTrickleIsCutOffAfterTheGrace() {
        InputStream in = MinimumRate.of(new Trickle(100_000), 1024, 100_000);
        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasCauseInstanceOf(TimeoutException.class)
                .satisfies(e -> assertThat(RequestBodies.tooSlow(e)).as("answered 408").isTrue());
    }

    @Test
    void aBodyThatCameWholeIsTakenHoweverLate() throws IOException {
        InputStream late = new InputStream() {
            private boolean sent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (sent) return -1;
                LockSupport.parkNanos(Duration.ofMillis(2_500).toNanos()); // a slow network: all of it, late
                sent = true;
                java.util.Arrays.fill(b, off, off + 30, (byte) 'x');
                return 30;
            }
        };
        assertThat(MinimumRate.of(late, 1024, 30).readAllBytes()).hasSize(30);
        assertThat(MinimumRate.of(new Trickle(15), 1024, 15).readAllBytes()).as("done within the grace").hasSize(15);
        assertThat(MinimumRate.of(new Trickle(30), 0, -1).readAllBytes()).as("no minimum").hasSize(30);
    }
}
