package io.cairn.edge.restore;

import io.cairn.edge.error.ApiError;
import io.cairn.tenantdb.sql.ShadowTables;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.SqlScript;
import io.cairn.tenantdb.sql.StatementPolicy;
import io.cairn.tenantdb.sql.ViewExpansion;
import io.cairn.tenantdb.sqlite.MigrationHistory;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.topics.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tenant's content brought in from outside, checked before anything of it is stored: a SQLite file (or a
 * SQL script run into an empty one, statement by statement, each through the write policy) that passes
 * {@code PRAGMA integrity_check}, is UTF-8, stays within the tenant's size limit, and whose schema passes
 * the same write policy as a write (no {@code _cairn_} names, no forbidden or non-deterministic SQL in a
 * table default, view or trigger). The file is then normalised (rollback journal, Cairn's page size,
 * vacuumed) so that every copy made from it is alike. Refusals are {@link ApiError}s: {@code invalid_import}
 * or the policy's own codes, naming the statement.
 */
public final class ImportedFile {
    private static final byte[] HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * What the sqlite3 shell's {@code .dump} wraps a dump in: skipped, the import is one transaction anyway. Its
     * virtual tables, written as rows of {@code sqlite_schema} between the writable_schema pragmas, are created as
     * statements ({@link DumpedVirtualTable}), so the pragmas have nothing left to do.
     */
    private static final java.util.Set<String> WRAPPERS = java.util.Set.of("PRAGMA FOREIGN_KEYS=OFF", "PRAGMA FOREIGN_KEYS = OFF",
            "PRAGMA FOREIGN_KEYS=ON", "PRAGMA FOREIGN_KEYS = ON", // the content's foreign keys are checked once it is whole
            "BEGIN TRANSACTION", "BEGIN", "COMMIT", "PRAGMA WRITABLE_SCHEMA=ON", "PRAGMA WRITABLE_SCHEMA = ON",
            "PRAGMA WRITABLE_SCHEMA=OFF", "PRAGMA WRITABLE_SCHEMA = OFF");

    /** {@code PRAGMA user_version = N} (as normalised above): an application's schema number, which an import keeps. */
    private static final java.util.regex.Pattern USER_VERSION = java.util.regex.Pattern.compile("PRAGMA (MAIN\\.)?USER_VERSION ?= ?-?[0-9]{1,10};?");

    /** Longest one statement of an imported script may run: far past any INSERT of a dump, short of a runaway. */
    static final java.time.Duration SCRIPT_STATEMENT_TIMEOUT = java.time.Duration.ofSeconds(30);
    /** A script's statement is stopped when less than this is free for SQLite's temporary files. */
    static final long SCRIPT_MIN_FREE_TEMP_BYTES = 1L << 30;

    private ImportedFile() {}

    /** What a checked import holds. */
    public record Checked(Path file, long sizeBytes, int tables) {}

    /**
     * Reads {@code body} into {@code dir} (at most {@code maxBytes}: 413 {@code request_too_large} past it)
     * and checks it; {@code sql} says the body is a SQL script rather than a SQLite file.
     */
    public static Checked read(InputStream body, boolean sql, long maxBytes, Path dir) throws IOException {
        Path raw = dir.resolve("body");
        copyAtMost(body, raw, maxBytes);
        Path db = dir.resolve("import.db");
        if (sql) {
            String script;
            try {
                script = Files.readString(raw, StandardCharsets.UTF_8);
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new ApiError(ErrorCode.INVALID_IMPORT, "the SQL script is not UTF-8 (Cairn keeps UTF-8 databases): convert it first,"
                        + " e.g. with iconv -f latin1 -t utf-8");
            }
            runScript(script, db, maxBytes);
        } else {
            Files.move(raw, db);
            byte[] head = new byte[HEADER.length];
            try (InputStream in = Files.newInputStream(db)) {
                if (in.readNBytes(head, 0, head.length) != head.length || !Arrays.equals(head, HEADER)) {
                    throw new ApiError(ErrorCode.INVALID_IMPORT, "the body is not a SQLite database file (send ?format=sql for a SQL script)");
                }
            }
        }
        try {
            int tables = check(db);
            normalise(db);
            long size = Files.size(db);
            if (size > maxBytes) throw tooLarge(maxBytes);
            return new Checked(db, size, tables);
        } catch (SQLException e) {
            throw new ApiError(ErrorCode.INVALID_IMPORT, "the file cannot be read as a SQLite database: " + SqliteErrors.message(e));
        }
    }

    private static void copyAtMost(InputStream body, Path target, long maxBytes) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try (OutputStream out = Files.newOutputStream(target)) {
            for (int n; (n = body.read(buffer)) > 0; ) {
                total += n;
                if (total > maxBytes) throw tooLarge(maxBytes);
                out.write(buffer, 0, n);
            }
        }
    }

    private static ApiError tooLarge(long maxBytes) {
        return new ApiError(ErrorCode.REQUEST_TOO_LARGE, "an import may hold at most " + maxBytes + " bytes (the tenant's size limit)");
    }

    /**
     * Builds the file from a script, each statement checked by the write policy and run under limits, as a tenant's
     * SQL always is: the file may not outgrow {@code maxBytes} (413), one statement may run {@link #SCRIPT_STATEMENT_TIMEOUT}
     * (a runaway {@code WITH RECURSIVE} is stopped, not left to fill the edge's disk), and a statement is stopped when
     * the space for SQLite's temporary files runs low (503). Foreign keys are not enforced while it runs: a dump may
     * hold children before their parents, as sqlite3's do.
     */
    private static void runScript(String script, Path db, long maxBytes) {
        List<String> statements;
        try {
            statements = SqlScript.split(script);
        } catch (SqlRefusal r) {
            throw new ApiError(r.code(), r.getMessage());
        }
        if (statements.isEmpty()) {
            // An import replaces the whole content: a body sent empty by mistake (a script's wrong path) would empty the tenant.
            throw new ApiError(ErrorCode.INVALID_IMPORT, "the SQL script holds no statement, and an import replaces the tenant's whole"
                    + " content; to empty a tenant on purpose, import \"BEGIN; COMMIT;\"");
        }
        SqliteLimits limits = new SqliteLimits(Math.max(maxBytes, 1 << 20), SCRIPT_STATEMENT_TIMEOUT, 1_000_000_000, SCRIPT_MIN_FREE_TEMP_BYTES);
        try (TenantConnection c = SqliteConnections.openWritable("import", db, limits); Statement s = c.connection().createStatement()) {
            s.execute("PRAGMA journal_mode = DELETE"); // the file leaves as one file; opened WAL like a tenant's
            s.execute("PRAGMA foreign_keys = OFF");
            s.execute("BEGIN");
            for (int i = 0; i < statements.size(); i++) {
                String words = statements.get(i).strip().toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
                if (WRAPPERS.contains(words)) continue;
                if (USER_VERSION.matcher(words).matches()) { // the application's own schema number, kept in the file's header
                    s.execute(statements.get(i));
                    continue;
                }
                java.util.Optional<String> virtualTable = DumpedVirtualTable.createStatement(statements.get(i));
                try {
                    if (migrationHistory(c.connection(), s, statements.get(i))) continue;
                    if (StatementPolicy.isStatisticsInsert(statements.get(i))) { // sqlite3's dump of the planner's statistics
                        s.execute(statements.get(i));
                        continue;
                    }
                    String sql = virtualTable.orElse(statements.get(i));
                    StatementPolicy.checkWrite(sql);
                    c.startClock();
                    if (virtualTable.isPresent()) DumpedVirtualTable.create(c.connection(), s, sql);
                    else s.execute(sql);
                } catch (SqlRefusal r) {
                    throw new ApiError(r.code(), "statement " + (i + 1) + " (index " + i + "): " + r.getMessage(), i, java.util.Map.of());
                } catch (SQLException e) {
                    throw scriptFailure(c, e, i, maxBytes);
                } finally {
                    c.deadline().clear();
                }
            }
            s.execute("COMMIT");
        } catch (SQLException e) {
            throw new UncheckedIOException(new IOException("could not build the imported database", e));
        }
    }

    /**
     * Runs {@code statement} when it is the create statement of the migration versions' table or an INSERT of one row
     * of literals into it, as a Cairn export's dump writes them ({@link MigrationHistory}); true when it was one.
     * Any other statement naming the table is left to the write policy, which refuses Cairn's names.
     */
    private static boolean migrationHistory(Connection c, Statement s, String statement) throws SQLException {
        if (MigrationHistory.isCreate(statement)) {
            s.execute(MigrationHistory.CREATE);
            return true;
        }
        java.util.Optional<MigrationHistory.Row> row = MigrationHistory.parseInsert(statement);
        if (row.isEmpty() && MigrationHistory.isInsert(statement)) { // a row of it, but not as an export writes one: say so
            throw new ApiError(ErrorCode.INVALID_IMPORT, "a row of " + MigrationHistory.TABLE + " must be ('set', version, '<the version's"
                    + " 64 lower-case hex checksum>', 'run id', applied-at milliseconds), literals only, as a Cairn export writes it: "
                    + statement.strip().substring(0, Math.min(200, statement.strip().length())));
        }
        if (row.isEmpty()) return false;
        MigrationHistory.insert(c, row.get());
        return true;
    }

    /** A statement of an import script that failed: what of it is the script's, what the limits', what the machine's. */
    private static ApiError scriptFailure(TenantConnection c, SQLException e, int i, long maxBytes) {
        String at = "statement " + (i + 1) + " (index " + i + "): ";
        if (c.deadline().stoppedForTempSpace()) {
            return new ApiError(ErrorCode.STORAGE_FULL, at + "stopped: the edge is short of space for SQLite's temporary files; retry later",
                    i, java.util.Map.of());
        }
        return switch (SqliteErrors.code(e)) {
            case QUOTA_EXCEEDED -> new ApiError(ErrorCode.REQUEST_TOO_LARGE, at + "the imported database would outgrow the tenant's size limit ("
                    + maxBytes + " bytes)", i, java.util.Map.of());
            case STATEMENT_TIMEOUT -> new ApiError(ErrorCode.STATEMENT_TIMEOUT, at + "ran longer than " + SCRIPT_STATEMENT_TIMEOUT.toSeconds()
                    + " s, the most one statement of an import may: split it", i, java.util.Map.of());
            default -> new ApiError(ErrorCode.SQL_ERROR, at + SqliteErrors.message(e), i, java.util.Map.of());
        };
    }

    /** Integrity, encoding and the schema's policy; returns the number of tables. */
    private static int check(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db + "?mode=ro"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check(20)")) {
                List<String> problems = new ArrayList<>();
                while (rs.next()) if (!rs.getString(1).equals("ok")) problems.add(rs.getString(1));
                if (!problems.isEmpty()) throw new ApiError(ErrorCode.INVALID_IMPORT, "the file fails its integrity check: " + problems);
            }
            try (ResultSet rs = s.executeQuery("PRAGMA encoding")) {
                if (rs.next() && !rs.getString(1).equals("UTF-8")) {
                    throw new ApiError(ErrorCode.INVALID_IMPORT, "the file is " + rs.getString(1) + "; Cairn keeps UTF-8 databases");
                }
            }
            try {
                ViewExpansion.refuseOver(c); // first: what follows compiles the views
            } catch (SqlRefusal r) {
                throw new ApiError(r.code(), "the file's " + r.getMessage().substring("the tenant's ".length()));
            }
            int tables = 0;
            // The tables the user made: a virtual table's internal ones (FTS5's five) are not counted.
            java.util.Set<String> shadows = ShadowTables.names(c);
            try (ResultSet rs = s.executeQuery("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL"
                    + " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")) {
                while (rs.next()) {
                    if (rs.getString(1).equals("table") && rs.getString(2).equals(MigrationHistory.TABLE)) {
                        if (!MigrationHistory.isCreate(rs.getString(3))) {
                            throw new ApiError(ErrorCode.INVALID_IMPORT, "the file's table " + MigrationHistory.TABLE + " is not the one a Cairn"
                                    + " export holds (its create statement differs); drop it from the file to import by the schema alone");
                        }
                        continue; // the migration versions the content is at (MigrationHistory), checked against the sets
                    }
                    if (rs.getString(1).equals("table") && !shadows.contains(rs.getString(2).toLowerCase(java.util.Locale.ROOT))) tables++;
                    try {
                        StatementPolicy.checkWrite(rs.getString(3));
                    } catch (SqlRefusal r) {
                        throw new ApiError(r.code(), "the file's " + rs.getString(1) + " " + rs.getString(2) + " would be refused as a write: "
                                + r.getMessage());
                    }
                }
            }
            refuseLargestRowid(s);
            refuseForeignKeyViolations(s);
            try {
                ShadowTables.refuseTriggersNaming(c, shadows);
                io.cairn.tenantdb.sql.SchemaSize.refuseOver(c);
            } catch (SqlRefusal r) {
                throw new ApiError(r.code(), r.code() == ErrorCode.QUOTA_EXCEEDED ? r.getMessage() : "the file's " + r.getMessage());
            }
            return tables;
        }
    }

    /**
     * Rows whose foreign key names no parent: foreign keys are enforced on every tenant, and an import, which runs without
     * them (a dump writes children and parents in any order), would otherwise leave such rows behind unsaid (outside probe).
     */
    private static void refuseForeignKeyViolations(Statement s) throws SQLException {
        List<String> found = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("PRAGMA foreign_key_check")) {
            while (rs.next() && found.size() < 5) {
                found.add("a row of " + rs.getString(1) + " (rowid " + rs.getString(2) + ") names no row of " + rs.getString(3));
            }
        } catch (SQLException e) {
            // A foreign key whose parent columns have no unique index: every write of the child would fail on it too.
            throw new ApiError(ErrorCode.INVALID_IMPORT, "the imported content's foreign keys cannot be checked: " + SqliteErrors.message(e)
                    + " (a foreign key must name its parent's primary key or a UNIQUE column)");
        }
        if (!found.isEmpty()) {
            throw new ApiError(ErrorCode.INVALID_IMPORT, "the imported content breaks its foreign keys, which Cairn enforces: " + String.join("; ", found)
                    + (found.size() == 5 ? "; ..." : "") + " (PRAGMA foreign_key_check lists them all): add the missing rows or drop those");
        }
    }

    /**
     * A table holding rowid {@value Long#MAX_VALUE} gets random rowids for its next rows, which no replay repeats
     * ({@link io.cairn.tenantdb.sql.LargestRowidWatch} keeps writes from storing it): refused here too.
     */
    private static void refuseLargestRowid(Statement s) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow')"
                + " AND wr = 0 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        for (String name : names) {
            String quoted = "\"" + name.replace("\"", "\"\"") + "\"";
            java.util.Set<String> columns = new java.util.HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT lower(name) FROM pragma_table_xinfo(" + "'" + name.replace("'", "''") + "')")) {
                while (rs.next()) columns.add(rs.getString(1));
            }
            String alias = java.util.stream.Stream.of("rowid", "oid", "_rowid_").filter(a -> !columns.contains(a)).findFirst()
                    .orElseThrow(() -> new ApiError(ErrorCode.INVALID_IMPORT, "the file's table " + name
                            + " has columns named rowid, oid and _rowid_, which hide its rowid: rename one"));
            try (ResultSet rs = s.executeQuery("SELECT max(" + alias + ") FROM " + quoted)) {
                if (rs.next() && rs.getLong(1) == Long.MAX_VALUE && !rs.wasNull()) {
                    throw new ApiError(ErrorCode.NONDETERMINISTIC, "the file's table " + name + " holds rowid " + Long.MAX_VALUE
                            + ", the largest SQLite has: after it, SQLite gives new rows random rowids, which a replay could not repeat");
                }
            }
        }
    }

    /** A rollback journal, Cairn's page size, no free pages: every copy made from the file starts alike. */
    private static void normalise(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = DELETE");
            // Already in shape (an export is): Cairn's page size, and little free space.
            if (pragma(s, "page_size") == SqliteConnections.PAGE_SIZE && pragma(s, "freelist_count") * 10 <= pragma(s, "page_count")) return;
            s.execute("PRAGMA page_size = " + SqliteConnections.PAGE_SIZE);
            s.execute("VACUUM");
        }
    }

    private static long pragma(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
