package io.cairn.tenantdb.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Background threads lower their own scheduling priority; the threads around them keep theirs. */
class LowPriorityTest {
    @Test
    void aThreadLowersItsOwnPriorityAndNoOtherThreads() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Integer mine = LowPriority.currentNice();
        AtomicReference<Integer> lowered = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            if (LowPriority.lowerCurrentThread()) lowered.set(LowPriority.currentNice());
        });
        t.join();

        assertThat(lowered.get()).isEqualTo(LowPriority.lowered(mine));
        assertThat(LowPriority.currentNice()).as("the calling thread keeps its priority").isEqualTo(mine);
    }

    @Test
    void anExecutorsThreadsRunLowered() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Integer mine = LowPriority.currentNice();
        ExecutorService pool = Executors.newFixedThreadPool(2, LowPriority.threads("cairn-test-low-"));
        try {
            assertThat(pool.submit(LowPriority::currentNice).get()).isEqualTo(LowPriority.lowered(mine));
            assertThat(pool.submit(() -> Thread.currentThread().getName()).get()).startsWith("cairn-test-low-");
        } finally {
            pool.shutdownNow();
        }
        assertThat(LowPriority.currentNice()).isEqualTo(mine);
    }
}
