package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The positions a copy publishes: offsets only move forward, and a pending tenant is never reported as held. */
class CopyPositionsTest {
    @TempDir Path dir;

    @Test
    void aCopyWithoutTheFileHoldsNothing() throws Exception {
        try (CopyPositions.Reader reader = CopyPositions.reader(new TenantFiles(dir))) {
            assertThat(reader.nextOffsets()).isEmpty();
            assertThat(reader.holds(0, "acme", 1)).isFalse();
            assertThat(reader.holds(0, "acme", 0)).as("an empty partition is held by anyone").isTrue();
        }
    }

    @Test
    void pendingTenantsAreExcludedUntilTheyLeave() throws Exception {
        TenantFiles files = new TenantFiles(dir);
        try (CopyPositions writer = CopyPositions.open(files); CopyPositions.Reader reader = CopyPositions.reader(files)) {
            writer.publish(3, 10, List.of("heavy"), List.of(), true, 1);
            assertThat(reader.nextOffsets()).isEqualTo(Map.of(3, 10L));
            assertThat(reader.holds(3, "light", 10)).isTrue();
            assertThat(reader.holds(3, "light", 11)).as("past the offset").isFalse();
            assertThat(reader.holds(3, "heavy", 5)).as("pending").isFalse();
            assertThat(reader.holds(2, "light", 1)).as("another partition").isFalse();

            writer.publish(3, 12, List.of(), Set.of("heavy"), false, 2);
            assertThat(reader.holds(3, "heavy", 12)).isTrue();
        }
    }

    @Test
    void offsetsNeverGoBackAndReplacingClearsThePendingList() throws Exception {
        TenantFiles files = new TenantFiles(dir);
        try (CopyPositions writer = CopyPositions.open(files); CopyPositions.Reader reader = CopyPositions.reader(files)) {
            writer.publish(0, 50, List.of("a", "b"), List.of(), true, 1);
            writer.publish(0, 40, List.of("c"), List.of(), true, 2); // a new owner starting behind
            assertThat(reader.nextOffsets()).containsEntry(0, 50L);
            assertThat(reader.holds(0, "a", 50)).isTrue();
            assertThat(reader.holds(0, "c", 1)).isFalse();
        }
    }

    /**
     * The file is advisory, so a damaged one is made again rather than kept: before, a damaged file was never healed and
     * every strong read of the copy waited out its timeout, across restarts. Readers open the new one.
     */
    @Test
    void aDamagedFileIsMadeAgainAndReadersFollow() throws Exception {
        TenantFiles files = new TenantFiles(dir);
        try (CopyPositions writer = CopyPositions.open(files)) {
            writer.publish(3, 10, List.of(), List.of(), true, 1);
        }
        java.nio.file.Files.write(files.positionsFile(), new byte[512], java.nio.file.StandardOpenOption.WRITE); // the header gone
        for (String suffix : List.of("-wal", "-shm")) java.nio.file.Files.deleteIfExists(Path.of(files.positionsFile() + suffix));
        try (CopyPositions.Reader reader = CopyPositions.reader(files)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(reader::nextOffsets).isInstanceOf(java.sql.SQLException.class);
            try (CopyPositions writer = CopyPositions.open(files)) {
                assertThat(reader.nextOffsets()).as("made again, empty: the copy looks behind, never ahead").isEmpty();
                writer.publish(3, 12, List.of("heavy"), List.of(), true, 2);
                assertThat(reader.holds(3, "light", 12)).isTrue();
                assertThat(reader.holds(3, "heavy", 12)).isFalse();
                assertThat(writer.generation()).isZero();
            }
        }
    }
}
