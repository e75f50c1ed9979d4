package io.cairn.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    private static final int VALUE_BYTES = 48 << 20;

    @Test
    void aLargeRecordRoundTrips() {
        TenantCommand big = write("x".repeat(1 << 20));
        assertThat(Serdes.COMMAND.decode(Serdes.COMMAND.encode(big))).isEqualTo(big);
    }

    /**
     * The edge encodes a write on the request's virtual thread, which then waits up to 30 s for the outcome. Avro's
     * {@code encode(value)} kept a buffer of twice the record's size in a thread local for as long as the thread lived.
     */
    @Test
    void aThreadThatEncodedARecordKeepsNothingOfItWhileItLivesOn() throws Exception {
        CountDownLatch encoded = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        long before = liveHeap();
        Thread waiting = Thread.ofVirtual().start(() -> {
            byte[] bytes = Serdes.COMMAND.encode(write("x".repeat(VALUE_BYTES)));
            assertThat(bytes.length).isGreaterThan(VALUE_BYTES);
            bytes = null; // what the caller gave away (to the producer), as the edge does before it waits
            encoded.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        encoded.await();
        long kept = liveHeap() - before;
        done.countDown();
        waiting.join();
        // Before: twice the record (Avro's buffer grows by doubling), 96 MiB and more.
        assertThat(kept).as("bytes still reachable from the thread that encoded a %d MiB record", VALUE_BYTES >> 20)
                .isLessThan(VALUE_BYTES / 2);
    }

    private static TenantCommand write(String value) {
        Statement s = new Statement("INSERT INTO t VALUES (?)", List.of(value), Map.of());
        return TenantCommand.newBuilder().setCommandId("cmd-0001").setTenant("acme").setIngressTimeMs(1_700_000_000_000L)
                .setSeed(-42).setPayload(new ExecuteBatch(List.of(s), null)).build();
    }

    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
