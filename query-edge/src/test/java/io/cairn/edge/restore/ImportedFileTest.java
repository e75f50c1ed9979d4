package io.cairn.edge.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts as users bring them: the sqlite3 shell's {@code .dump}, virtual tables and all. */
class ImportedFileTest {
    @TempDir Path dir;

    /** What {@code sqlite3 x.db .dump} (3.40) prints for an FTS5 table and an AUTOINCREMENT table with statistics. */
    private static final String FTS5_DUMP = """
            PRAGMA foreign_keys=OFF;
            BEGIN TRANSACTION;
            CREATE TABLE a(id integer primary key autoincrement, v text);
            INSERT INTO a VALUES(1,'x');
            INSERT INTO a VALUES(2,'y');
            PRAGMA writable_schema=ON;
            INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','f','f',0,'CREATE VIRTUAL TABLE f using fts5(body, note)');
            CREATE TABLE IF NOT EXISTS 'f_data'(id INTEGER PRIMARY KEY, block BLOB);
            INSERT INTO f_data VALUES(1,X'020402');
            INSERT INTO f_data VALUES(10,X'000000000101010001010101');
            INSERT INTO f_data VALUES(137438953473,X'0000003c063068656c6c6f01020201026974010601010201056f7468657202020201017301060101030104746578740202030105776f726c64010203040a090a0809');
            CREATE TABLE IF NOT EXISTS 'f_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
            INSERT INTO f_idx VALUES(1,X'',2);
            CREATE TABLE IF NOT EXISTS 'f_content'(id INTEGER PRIMARY KEY, c0, c1);
            INSERT INTO f_content VALUES(1,'hello world','it''s');
            INSERT INTO f_content VALUES(2,'other text',NULL);
            CREATE TABLE IF NOT EXISTS 'f_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
            INSERT INTO f_docsize VALUES(1,X'0202');
            INSERT INTO f_docsize VALUES(2,X'0200');
            CREATE TABLE IF NOT EXISTS 'f_config'(k PRIMARY KEY, v) WITHOUT ROWID;
            INSERT INTO f_config VALUES('version',4);
            ANALYZE sqlite_schema;
            INSERT INTO sqlite_stat1 VALUES('a',NULL,'2');
            DELETE FROM sqlite_sequence;
            INSERT INTO sqlite_sequence VALUES('a',3);
            PRAGMA writable_schema=OFF;
            COMMIT;
            """;

    private ImportedFile.Checked importSql(String script) throws Exception {
        return ImportedFile.read(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), true, 1 << 30, dir);
    }

    /** Foreign keys are off while a script runs (a dump orders parents and children anyhow), and checked once it is whole. */
    @Test
    void foreignKeysAreCheckedOnceTheContentIsWholeAndTheUserVersionIsKept() throws Exception {
        String parentsLast = """
                PRAGMA foreign_keys=ON;
                PRAGMA user_version = 7;
                CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id));
                INSERT INTO c VALUES (1, 1);
                CREATE TABLE p (id INTEGER PRIMARY KEY);
                INSERT INTO p VALUES (1);
                """;
        ImportedFile.Checked checked = importSql(parentsLast);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + checked.file()); Statement s = c.createStatement()) {
            assertThat(s.executeQuery("PRAGMA user_version").getLong(1)).isEqualTo(7);
        }
        java.nio.file.Path other = java.nio.file.Files.createDirectory(dir.resolve("orphans"));
        byte[] orphans = parentsLast.replace("INSERT INTO p VALUES (1);", "").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ImportedFile.read(new ByteArrayInputStream(orphans), true, 1 << 30, other))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code().wire()).as(e.getMessage()).isEqualTo("invalid_import"))
                .hasMessageContaining("a row of c (rowid 1) names no row of p");
        java.nio.file.Path third = java.nio.file.Files.createDirectory(dir.resolve("mismatch"));
        byte[] mismatch = "CREATE TABLE p (v); CREATE TABLE c (p REFERENCES p(v)); INSERT INTO c VALUES (1);".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ImportedFile.read(new ByteArrayInputStream(mismatch), true, 1 << 30, third))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code().wire()).as(e.getMessage()).isEqualTo("invalid_import"))
                .hasMessageContaining("foreign key mismatch");
    }

    @Test
    void aScriptThatIsNotUtf8IsRefusedSayingSo() {
        byte[] latin1 = "CREATE TABLE l (a TEXT); INSERT INTO l VALUES ('caf\u00e9');".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> ImportedFile.read(new ByteArrayInputStream(latin1), true, 1 << 30, dir))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code().wire()).isEqualTo("invalid_import"))
                .hasMessageContaining("not UTF-8");
    }

    @Test
    void aSqlite3DumpWithAnFts5TableLoadsAndItsIndexAnswers() throws Exception {
        ImportedFile.Checked checked = importSql(FTS5_DUMP);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + checked.file()); Statement s = c.createStatement()) {
            ResultSet hit = s.executeQuery("SELECT rowid, note FROM f WHERE f MATCH 'world'");
            assertThat(hit.next()).isTrue();
            assertThat(hit.getLong(1)).isEqualTo(1);
            assertThat(hit.getString(2)).isEqualTo("it's");
            assertThat(s.executeQuery("SELECT count(*) FROM f WHERE f MATCH 'text'").getLong(1)).isEqualTo(1);
            s.execute("INSERT INTO f(f) VALUES ('integrity-check')"); // throws if the index and the content disagree
            assertThat(s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'a'").getLong(1)).isEqualTo(3);
            s.execute("INSERT INTO a (v) VALUES ('z')");
            assertThat(s.executeQuery("SELECT max(id) FROM a").getLong(1)).isEqualTo(4);
        }
    }

    @Test
    void aSqlite3DumpWithAnRtreeLoadsAndAnswersRangeQueries() throws Exception {
        StringBuilder dump = new StringBuilder("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nPRAGMA writable_schema=ON;\n"
                + "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','r','r',0,'CREATE VIRTUAL TABLE r using rtree(id, x0, x1)');\n"
                + "CREATE TABLE IF NOT EXISTS \"r_rowid\"(rowid INTEGER PRIMARY KEY,nodeno);\n");
        try (Connection src = DriverManager.getConnection("jdbc:sqlite::memory:"); Statement s = src.createStatement()) {
            s.execute("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)");
            s.execute("INSERT INTO r VALUES (1, 0, 5), (2, 10, 20)");
            ResultSet rs = s.executeQuery("SELECT rowid, nodeno FROM r_rowid");
            while (rs.next()) dump.append("INSERT INTO r_rowid VALUES(").append(rs.getLong(1)).append(',').append(rs.getLong(2)).append(");\n");
            dump.append("CREATE TABLE IF NOT EXISTS \"r_node\"(nodeno INTEGER PRIMARY KEY,data);\n");
            rs = s.executeQuery("SELECT nodeno, hex(data) FROM r_node");
            while (rs.next()) dump.append("INSERT INTO r_node VALUES(").append(rs.getLong(1)).append(",X'").append(rs.getString(2)).append("');\n");
        }
        dump.append("CREATE TABLE IF NOT EXISTS \"r_parent\"(nodeno INTEGER PRIMARY KEY,parentnode);\nPRAGMA writable_schema=OFF;\nCOMMIT;\n");
        ImportedFile.Checked checked = importSql(dump.toString());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + checked.file()); Statement s = c.createStatement()) {
            assertThat(s.executeQuery("SELECT id FROM r WHERE x0 <= 12 AND x1 >= 12").getLong(1)).isEqualTo(2);
            assertThat(s.executeQuery("SELECT rtreecheck('r')").getString(1)).isEqualTo("ok");
        }
    }

    /** A file with SQLite's header and nothing readable behind it: refused in SQLite's own words, without the driver's decoration. */
    @Test
    void aFileWithAHeaderButNoDatabaseIsRefusedInSqlitesWords() {
        byte[] body = new byte[4096];
        System.arraycopy("SQLite format 3\0".getBytes(StandardCharsets.US_ASCII), 0, body, 0, 16);
        assertThatThrownBy(() -> ImportedFile.read(new ByteArrayInputStream(body), false, 1 << 20, dir))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("invalid_import");
                    assertThat(e.getMessage()).isEqualTo("the file cannot be read as a SQLite database: file is not a database");
                });
    }

    @Test
    void aSchemaRowThatIsNotAVirtualTableIsStillRefused() {
        assertThatThrownBy(() -> importSql("PRAGMA writable_schema=ON;\n"
                + "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','t','t',0,'CREATE TABLE t(x)');\n"))
                .isInstanceOf(ApiError.class).hasMessageContaining("statement 2");
        assertThatThrownBy(() -> importSql("PRAGMA writable_schema=ON;\n"
                + "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','v','v',0,'CREATE VIRTUAL TABLE v USING fts5vocab(''_cairn_keys'', ''row'')');\n"))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code().wire()).isEqualTo("reserved_name"));
    }

    /** The answer's "tables" counts the tables the user made: an FTS5 table is one, not six with its internal ones. */
    @Test
    void theTablesCountedAreTheUsersNotAVirtualTablesInternalOnes() throws Exception {
        ImportedFile.Checked checked = ImportedFile.read(new ByteArrayInputStream(("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"
                + "CREATE VIRTUAL TABLE search USING fts5(body);\nINSERT INTO search VALUES ('hello');\n").getBytes(StandardCharsets.UTF_8)),
                true, 1 << 30, dir);
        assertThat(checked.tables()).isEqualTo(2);
    }
}
