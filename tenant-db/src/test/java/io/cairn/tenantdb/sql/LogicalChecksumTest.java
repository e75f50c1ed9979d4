package io.cairn.tenantdb.sql;

import static io.cairn.tenantdb.sql.DeterministicFunctionsTest.RECORD_TIME;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantSchema;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;

class LogicalChecksumTest {
    @TempDir Path dir;
    private final List<TenantConnection> open = new ArrayList<>();
    private int count;

    @AfterEach
    void closeAll() throws SQLException {
        for (TenantConnection c : open) c.close();
    }

    private TenantConnection fresh() throws SQLException {
        String name = "t" + count++;
        TenantConnection tc = SqliteConnections.openWritable(name, dir.resolve(name + ".db"), SqliteLimits.WRITE_DEFAULTS);
        open.add(tc);
        return tc;
    }

    /** A database holding exactly {@code sql}'s result, run without the policy (tests may VACUUM). */
    private Connection db(String... sql) throws SQLException {
        SQLiteConnection c = fresh().connection();
        // VACUUM works through an internal ATTACH, which the hardened connection's limit of 0 forbids.
        if (List.of(sql).contains("VACUUM")) c.setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 1);
        try (Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        }
        return c;
    }

    private static String hash(Connection c) throws SQLException {
        return LogicalChecksum.sha256Hex(c);
    }

    /**
     * The same records (seed, time, SQL) applied to a fresh database, one transaction per record, as the
     * applier does: random(), randomblob(), every date function with 'now', CURRENT_* in DEFAULT and in a trigger.
     */
    private String applyRecords(long seed) throws Exception {
        TenantConnection tc = fresh();
        Connection c = tc.connection();
        DeterministicFunctions.Context ctx = DeterministicFunctions.install(c);
        String[][] records = {
            {"CREATE TABLE t(id INTEGER PRIMARY KEY, r INTEGER DEFAULT (random()), b BLOB DEFAULT (randomblob(8)),"
                    + " ts TEXT DEFAULT CURRENT_TIMESTAMP, d TEXT DEFAULT CURRENT_DATE, tm TEXT DEFAULT CURRENT_TIME, note TEXT)",
             "CREATE TABLE audit(at TEXT, d TEXT, r INTEGER, k BLOB)",
             "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (CURRENT_TIMESTAMP, date('now'), random(), randomblob(4)); END"},
            {"INSERT INTO t(note) VALUES ('first')",
             "INSERT INTO t(note, r) VALUES (datetime('now'), random())",
             "INSERT INTO t(note) SELECT date() || time() || julianday('now') || unixepoch() || strftime('%f', 'now')"
                    + " || timediff('now', '2000-01-01') || datetime('subsec')"},
            {"UPDATE t SET note = note || hex(randomblob(3)) WHERE id = 1", "DELETE FROM t WHERE id = 2",
             "INSERT INTO t(note) VALUES (CURRENT_TIME)"},
        };
        c.setAutoCommit(false);
        for (int i = 0; i < records.length; i++) {
            ctx.set(seed + i, RECORD_TIME + i * 61_000L);
            for (String sql : records[i]) DeterministicFunctionsTest.write(c, sql);
            c.commit();
        }
        c.setAutoCommit(true);
        return hash(c);
    }

    @Test
    void sameRecordsOnTwoDatabasesGiveTheSameChecksum() throws Exception {
        assertThat(applyRecords(7)).isEqualTo(applyRecords(7));
    }

    @Test
    void differentSeedGivesDifferentChecksum() throws Exception {
        assertThat(applyRecords(7)).isNotEqualTo(applyRecords(8));
    }

    @Test
    void sameContentWithDifferentPageLayoutGivesTheSameChecksum() throws SQLException {
        String schema = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)";
        String noPk = "CREATE TABLE n(a, b)";
        String wr = "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID";
        String fill = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000)";
        Connection churned = db(schema, noPk, wr,
                fill + " INSERT INTO t SELECT i, printf('%0500d', i) FROM c",
                fill + " INSERT INTO n SELECT i, zeroblob(300) FROM c",
                fill + " INSERT INTO w SELECT printf('k%05d', i), i FROM c",
                "DELETE FROM t WHERE id % 2 = 0", "DELETE FROM n WHERE a % 2 = 0", "DELETE FROM w WHERE v % 2 = 0");
        Connection vacuumed = db(schema, noPk, wr,
                fill + " INSERT INTO t SELECT i, printf('%0500d', i) FROM c",
                fill + " INSERT INTO n(rowid, a, b) SELECT i, i, zeroblob(300) FROM c",
                fill + " INSERT INTO w SELECT printf('k%05d', i), i FROM c",
                "DELETE FROM t WHERE id % 2 = 0", "DELETE FROM n WHERE a % 2 = 0", "DELETE FROM w WHERE v % 2 = 0", "VACUUM");
        // Odd rows only, inserted in reverse order, never deleted: yet another layout.
        Connection direct = db(schema, noPk, wr,
                fill + " INSERT INTO t SELECT 2001 - i, printf('%0500d', 2001 - i) FROM c WHERE i % 2 = 0",
                fill + " INSERT INTO n(rowid, a, b) SELECT 2001 - i, 2001 - i, zeroblob(300) FROM c WHERE i % 2 = 0",
                fill + " INSERT INTO w SELECT printf('k%05d', 2001 - i), 2001 - i FROM c WHERE i % 2 = 0");
        assertThat(hash(vacuumed)).isEqualTo(hash(churned)).isEqualTo(hash(direct));
    }

    /** A keyless table's rows are a multiset: their order does not count, their number does, and a value near the limit is hashed. */
    @Test
    void keylessRowsAreAMultisetWhateverTheirOrderAndSize() throws SQLException {
        String a = hash(db("CREATE TABLE n(a, b)", "INSERT INTO n VALUES (1, 'x'), (2, 'y'), (1, 'x')"));
        assertThat(hash(db("CREATE TABLE n(a, b)", "INSERT INTO n VALUES (2, 'y'), (1, 'x'), (1, 'x')"))).isEqualTo(a);
        assertThat(hash(db("CREATE TABLE n(a, b)", "INSERT INTO n VALUES (1, 'x'), (2, 'y')"))).as("a duplicate counts").isNotEqualTo(a);
        assertThat(hash(db("CREATE TABLE n(a, b)", "INSERT INTO n VALUES (1, 'x'), (2, 'y'), (2, 'y')"))).isNotEqualTo(a);
        // Sorting by every value made sort records of twice the row: SQLITE_TOOBIG past 64 MiB.
        String big = hash(db("CREATE TABLE r(v)", "INSERT INTO r VALUES (zeroblob(60000000))"));
        assertThat(big).isNotEqualTo(hash(db("CREATE TABLE r(v)", "INSERT INTO r VALUES (zeroblob(60000001))")));
    }

    /**
     * A table of SQLite's 2,000 columns is hashed (past 1,000 it failed: two result columns a column), keyed or not,
     * its rows in any order; a value in its last slice counts. An outside probe got 500 for a 1,001-column table.
     */
    @Test
    void aTableOfTwoThousandColumnsIsHashedWhateverItsRowOrder() throws SQLException {
        StringBuilder cols = new StringBuilder("c0");
        for (int i = 1; i < 1999; i++) cols.append(", c").append(i);
        for (String key : List.of("", "id INTEGER PRIMARY KEY, ")) {
            String create = "CREATE TABLE w (" + key + cols + ")";
            String one = "INSERT INTO w (c0, c1998) VALUES (1, 'x')";
            String two = "INSERT INTO w (c0, c1998) VALUES (2, 'y')";
            String a = hash(db(create, one, two));
            assertThat(a).isEqualTo(hash(db(create, key.isEmpty() ? two : "INSERT INTO w (id, c0, c1998) VALUES (1, 1, 'x')",
                    key.isEmpty() ? one : "INSERT INTO w (id, c0, c1998) VALUES (2, 2, 'y')")));
            assertThat(a).isNotEqualTo(hash(db(create, one, "INSERT INTO w (c0, c1998) VALUES (2, 'z')")));
        }
    }

    @Test
    void valueChangeChangesChecksum() throws SQLException {
        assertThat(hash(db("CREATE TABLE t(a)", "INSERT INTO t VALUES ('x')")))
                .isNotEqualTo(hash(db("CREATE TABLE t(a)", "INSERT INTO t VALUES ('y')")));
    }

    @Test
    void storageClassIsPartOfTheContent() throws SQLException {
        List<String> hashes = new ArrayList<>();
        for (String v : List.of("1", "'1'", "1.0", "x'31'", "NULL")) hashes.add(hash(db("CREATE TABLE t(a)", "INSERT INTO t VALUES (" + v + ")")));
        assertThat(hashes).doesNotHaveDuplicates();
    }

    @Test
    void valuesDoNotCollideByConcatenation() throws SQLException {
        assertThat(hash(db("CREATE TABLE t(a, b)", "INSERT INTO t VALUES ('ab', 'c')")))
                .isNotEqualTo(hash(db("CREATE TABLE t(a, b)", "INSERT INTO t VALUES ('a', 'bc')")));
        assertThat(hash(db("CREATE TABLE t(a)", "INSERT INTO t VALUES ('a'), ('b')")))
                .isNotEqualTo(hash(db("CREATE TABLE t(a)", "INSERT INTO t VALUES ('ab')")));
    }

    @Test
    void integerPrimaryKeyIsContentButImplicitRowidIsNot() throws SQLException {
        assertThat(hash(db("CREATE TABLE t(id INTEGER PRIMARY KEY, a)", "INSERT INTO t VALUES (1, 'x')")))
                .isNotEqualTo(hash(db("CREATE TABLE t(id INTEGER PRIMARY KEY, a)", "INSERT INTO t VALUES (2, 'x')")));
        // VACUUM may renumber an implicit rowid, so two copies may legitimately differ in it.
        assertThat(hash(db("CREATE TABLE t(a)", "INSERT INTO t(rowid, a) VALUES (1, 'x')")))
                .isEqualTo(hash(db("CREATE TABLE t(a)", "INSERT INTO t(rowid, a) VALUES (2, 'x')")));
    }

    @Test
    void rowsOfTableWithoutKeyAreHashedAsAMultiset() throws SQLException {
        String ddl = "CREATE TABLE t(a TEXT COLLATE NOCASE, b)";
        String one = hash(db(ddl, "INSERT INTO t VALUES ('a', 1), ('A', 1.0), ('a', 1), (NULL, x'00')"));
        assertThat(hash(db(ddl, "INSERT INTO t VALUES (NULL, x'00'), ('a', 1), ('A', 1.0), ('a', 1)"))).isEqualTo(one);
        assertThat(hash(db(ddl, "INSERT INTO t VALUES ('a', 1), ('A', 1.0), (NULL, x'00')"))).isNotEqualTo(one);
    }

    @Test
    void schemaObjectsArePartOfTheContent() throws SQLException {
        String base = hash(db("CREATE TABLE t(a)"));
        assertThat(hash(db("CREATE TABLE t(a)", "CREATE INDEX i ON t(a)"))).isNotEqualTo(base);
        assertThat(hash(db("CREATE TABLE t(a)", "CREATE VIEW v AS SELECT a FROM t"))).isNotEqualTo(base);
        assertThat(hash(db("CREATE TABLE t(a)", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"))).isNotEqualTo(base);
        assertThat(hash(db("CREATE TABLE t(a INTEGER)"))).isNotEqualTo(base);
    }

    @Test
    void autoincrementCounterIsPartOfTheContent() throws SQLException {
        String ddl = "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a)";
        assertThat(hash(db(ddl, "INSERT INTO t(a) VALUES (1)", "INSERT INTO t(a) VALUES (2)", "DELETE FROM t WHERE a = 2")))
                .as("a later insert gets id 3 here, 2 there").isNotEqualTo(hash(db(ddl, "INSERT INTO t(a) VALUES (1)")));
    }

    @Test
    void cairnTablesAreNotPartOfTheChecksum() throws SQLException {
        Connection plain = db("CREATE TABLE t(a)", "INSERT INTO t VALUES (1)");
        Connection withCairn = db("CREATE TABLE t(a)", "INSERT INTO t VALUES (1)");
        TenantSchema.create(withCairn);
        try (Statement s = withCairn.createStatement()) {
            s.execute("INSERT INTO _cairn_applied VALUES (0, 3, 42)");
        }
        assertThat(hash(withCairn)).isEqualTo(hash(plain));
    }

    @Test
    void tableWhoseColumnsShadowEveryRowidAliasIsHashed() throws SQLException {
        String ddl = "CREATE TABLE t(rowid, oid, _rowid_)";
        assertThat(hash(db(ddl, "INSERT INTO t VALUES (1, 2, 3), (4, 5, 6)")))
                .isEqualTo(hash(db(ddl, "INSERT INTO t VALUES (4, 5, 6), (1, 2, 3)")))
                .isNotEqualTo(hash(db(ddl, "INSERT INTO t VALUES (4, 5, 6)")));
    }

    @Test
    void virtualTableContentIsHashedThroughItsShadowTables() throws SQLException {
        String ddl = "CREATE VIRTUAL TABLE f USING fts5(body)";
        assertThat(hash(db(ddl, "INSERT INTO f VALUES ('hello world')")))
                .isEqualTo(hash(db(ddl, "INSERT INTO f VALUES ('hello world')")))
                .isNotEqualTo(hash(db(ddl, "INSERT INTO f VALUES ('hello there')")));
    }

    @Test
    void emptyDatabasesHashAlike() throws SQLException {
        assertThat(hash(db())).isEqualTo(hash(db())).hasSize(64).matches("[0-9a-f]+");
    }
}
