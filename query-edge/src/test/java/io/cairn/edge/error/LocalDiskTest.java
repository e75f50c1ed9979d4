package io.cairn.edge.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge's copies on local disk (exports, imports, as-of reads' past copies) must leave the disk its spare
 * room, else 503 storage_full before anything is copied; a full disk met during a copy is told apart from
 * other failures.
 */
class LocalDiskTest {
    @TempDir Path dir;

    @Test
    void aCopyThatWouldLeaveTooLittleFreeIsRefusedWithStorageFull() {
        assertThatThrownBy(() -> LocalDisk.requireRoom(dir, 1 << 20, Long.MAX_VALUE / 2, "this export's copy"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code().wire()).isEqualTo("storage_full");
                    assertThat(e.getMessage()).contains("export").doesNotContain(dir.toString());
                });
        assertThatThrownBy(() -> LocalDisk.requireRoom(dir, dir.toFile().getTotalSpace() + 1, 0, "a copy")).isInstanceOf(ApiError.class);
    }

    @Test
    void aCopyThatFitsGoesAhead() throws IOException {
        assertThatCode(() -> LocalDisk.requireRoom(dir, 1 << 20, 0, "a copy")).doesNotThrowAnyException();
        assertThat(LocalDisk.hasRoom(dir, 1 << 20, 0)).isTrue();
        assertThat(LocalDisk.hasRoom(dir, 1 << 20, Long.MAX_VALUE / 2)).isFalse();
    }

    @Test
    void aFullDiskIsRecognisedThroughTheCausesThatWrapIt() {
        IOException enospc = new IOException("/tmp/x: No space left on device");
        assertThat(LocalDisk.isFull(enospc)).isTrue();
        assertThat(LocalDisk.isFull(new UncheckedIOException(enospc))).isTrue();
        assertThat(LocalDisk.isFull(new IllegalStateException("copy failed", new RuntimeException(enospc)))).isTrue();
        assertThat(LocalDisk.isFull(new IOException("Disk quota exceeded"))).isTrue();
    }

    @Test
    void sqlitesOwnFullIsAFullDiskAndItsOtherFailuresAreNot() throws SQLException {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("capped.db")); var s = c.createStatement()) {
            s.execute("CREATE TABLE t (v BLOB)");
            s.execute("PRAGMA max_page_count = " + s.executeQuery("PRAGMA page_count").getLong(1));
            SQLException full = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO t VALUES (randomblob(100000))"));
            assertThat(LocalDisk.isFull(full)).isTrue();
            SQLException syntax = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> s.execute("SELEC 1"));
            assertThat(LocalDisk.isFull(syntax)).isFalse();
        }
        assertThat(LocalDisk.isFull(new IOException("Permission denied"))).isFalse();
        assertThat(LocalDisk.isFull(new RuntimeException((String) null))).isFalse();
    }

    @Test
    void theAnswerToAFullDiskIsStorageFullAndNamesNoPath() {
        ApiError e = LocalDisk.full("this export's copy");
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.code().wire()).isEqualTo("storage_full");
        assertThat(e.getMessage()).contains("export").contains("retry");
    }
}
