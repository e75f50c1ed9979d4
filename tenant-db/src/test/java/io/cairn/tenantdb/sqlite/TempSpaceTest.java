package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempSpaceTest {
    @TempDir Path dir;

    @Test
    void findsTheDirectoryWhereSqliteWritesTemporaryFilesInSqlitesOrder() throws Exception {
        Path sqliteTmp = Files.createDirectory(dir.resolve("sqlite"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        assertThat(TempSpace.directory(Map.of("SQLITE_TMPDIR", sqliteTmp.toString(), "TMPDIR", tmp.toString()))).isEqualTo(sqliteTmp);
        assertThat(TempSpace.directory(Map.of("TMPDIR", tmp.toString()))).isEqualTo(tmp);
        // A variable naming no directory is skipped, as SQLite skips it.
        assertThat(TempSpace.directory(Map.of("SQLITE_TMPDIR", dir.resolve("gone").toString(), "TMPDIR", tmp.toString()))).isEqualTo(tmp);
        assertThat(TempSpace.directory(Map.of())).isIn(Path.of("/var/tmp"), Path.of("/usr/tmp"), Path.of("/tmp"));
    }

    @Test
    void reportsTheFreeSpaceOfItsFileSystemAndNothingStopsWhenThereIsNone() {
        long free = new TempSpace(dir).free();
        assertThat(free).isPositive().isLessThanOrEqualTo(dir.toFile().getTotalSpace());
        assertThat(new TempSpace(null).free()).isEqualTo(Long.MAX_VALUE);
        assertThat(new TempSpace(dir.resolve("gone")).free()).isEqualTo(Long.MAX_VALUE);
    }
}
