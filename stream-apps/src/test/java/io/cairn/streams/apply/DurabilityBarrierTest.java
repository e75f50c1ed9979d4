package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurabilityBarrierTest {
    @TempDir Path dir;

    @Test
    void barrierReturnsOnceEveryNotedFileIsSyncedAndThenHasNothingPending() throws Exception {
        Path a = Files.writeString(dir.resolve("a.db"), "x");
        Files.writeString(dir.resolve("a.db-wal"), "frames");
        Path b = Files.writeString(dir.resolve("b.db"), "x");
        try (DurabilityBarrier barrier = new DurabilityBarrier()) {
            for (int i = 0; i < 1_000; i++) barrier.committed(i % 2 == 0 ? a : b, i == 0);
            assertThat(barrier.pending()).isEqualTo(3); // two files and one new directory
            barrier.sync();
            assertThat(barrier.pending()).isZero();
            barrier.sync(); // nothing noted since: returns at once
        }
    }

    @Test
    void aFileDeletedBeforeItsSyncIsNotAnError() throws Exception {
        Path gone = Files.writeString(dir.resolve("gone.db"), "x");
        try (DurabilityBarrier barrier = new DurabilityBarrier()) {
            Files.delete(gone);
            barrier.committed(gone, false);
            barrier.sync();
            assertThat(barrier.pending()).isZero();
        }
    }
}
