package io.cairn.tenantdb.sqlite;

import io.cairn.topics.Bookmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteOpenMode;

/**
 * A consistent copy of a tenant's database file while the applier goes on writing it: {@code VACUUM
 * INTO} reads the file in one read transaction (WAL: the last commit before it began, whatever commits
 * after), and the copy is compacted and self-contained (no WAL). The copy says itself which position it
 * holds ({@code _cairn_applied}), so no caller has to guess which commit it caught.
 *
 * <p>Uses a connection of its own, read-only, that runs no tenant SQL (so it may attach the one
 * target {@code VACUUM INTO} needs, which tenant connections may not).
 */
public final class ConsistentCopy {
    private ConsistentCopy() {}

    /** What a copy holds: the position applied in it, and its size. */
    public record Copy(Path file, Bookmark position, long sizeBytes) {}

    /**
     * Copies {@code database} to {@code target} (which must not exist; its directory is created).
     * Throws if the database is missing (SQLITE_CANTOPEN, {@link SqliteErrors#isFileGone}) or not a Cairn tenant
     * file; on failure no partial target is left.
     */
    public static Copy take(Path database, Path target) throws SQLException, IOException {
        try (Connection c = openSource(database, target);
             PreparedStatement vacuum = c.prepareStatement("VACUUM INTO ?")) {
            vacuum.setString(1, target.toString());
            vacuum.execute();
        } catch (SQLException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return described(database, target);
    }

    /**
     * A copy for a snapshot: page for page the file as of its last commit (SQLite's backup API, in one step under one
     * read transaction), free pages included, in WAL mode, the journal mode the applier opens every tenant file in
     * (placed as a tenant's file by a thaw or a heal, it opens as it is). Not compacted: {@code VACUUM INTO} made
     * snapshots whose pages were laid out unlike the file's, and a write's verdict depends on the pages (a write may
     * grow the file by at most 64 MiB, and a tenant up to its size limit: free pages are room), so a primary thawed from
     * a compacted snapshot refused a write its replica applied, and a rebuild from one lost an acknowledged write.
     * Every copy of a tenant starts from the same pages and makes the same pages from there.
     */
    public static Copy takeInWalMode(Path database, Path target) throws SQLException, IOException {
        try (Connection c = openSource(database, target)) {
            // pagesPerStep -1: every page in one step, so a commit by the applier meanwhile cannot restart it
            int rc = c.unwrap(SQLiteConnection.class).getDatabase().backup("main", target.toString(), null, 100, 3, -1);
            if (rc != SQLiteErrorCode.SQLITE_OK.code) throw new SQLException("backup of " + database + " failed (SQLite code " + rc + ")", null, rc);
            try (Connection t = new SQLiteConfig().createConnection("jdbc:sqlite:" + target); Statement s = t.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL"); // the header already says WAL (page 1 is the file's): nothing to convert
            }
        } catch (SQLException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return described(database, target);
    }

    /**
     * The position a tenant file (a copy, a downloaded snapshot) holds; {@link Bookmark#NONE} if it is not a
     * Cairn tenant file. A file nothing else has open and without a {@code -wal} beside it is read as
     * immutable: no locks and no {@code -wal}/{@code -shm} files made and removed again (a third of the
     * cost of opening it otherwise).
     */
    public static Bookmark positionOf(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        String path = file.toAbsolutePath().toString();
        boolean alone = !Files.exists(Path.of(path + "-wal")) && path.chars().noneMatch(ch -> ch == '?' || ch == '#' || ch == '%');
        String url = alone ? "jdbc:sqlite:file:" + path + "?immutable=1" : "jdbc:sqlite:" + file;
        try (Connection c = FileSwaps.open(file, () -> firstRead(config.createConnection(url)))) {
            return TenantSchema.appliedPosition(c);
        }
    }

    /** The copy {@code target} of {@code database}, with the position it holds; removed when it is no tenant file. */
    private static Copy described(Path database, Path target) throws SQLException, IOException {
        Bookmark position = positionOf(target);
        if (position.equals(Bookmark.NONE)) {
            Files.deleteIfExists(target);
            throw new SQLException("not a Cairn tenant file (no applied position): " + database);
        }
        return new Copy(target, position, Files.size(target));
    }

    /** A read-only connection to {@code database} for a copy to {@code target}, whose folder is made. */
    private static Connection openSource(Path database, Path target) throws SQLException, IOException {
        if (!Files.exists(database)) {
            // SQLITE_CANTOPEN, as opening it would say: callers that race a freeze or a delete know it (SqliteErrors.isFileGone)
            throw new SQLException("no database file " + database, null, SQLiteErrorCode.SQLITE_CANTOPEN.code);
        }
        Files.createDirectories(target.getParent());
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setBusyTimeout(5_000);
        return FileSwaps.open(database, () -> firstRead(config.createConnection("jdbc:sqlite:" + database)));
    }

    /** Reads once from the new connection, so that it holds the file's WAL and index from now on ({@link FileSwaps}). */
    private static Connection firstRead(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("PRAGMA schema_version").close();
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
