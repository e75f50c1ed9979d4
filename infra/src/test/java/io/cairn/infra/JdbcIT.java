package io.cairn.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDBC driver over a real stack: types, batches, metadata, optimistic transactions, HikariCP and JDBI. */
class JdbcIT {
    @TempDir static Path data;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(data);
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    private static String url(String tenant) {
        return "jdbc:cairn://" + stack.url().substring("http://".length()) + "/" + tenant;
    }

    private static Connection connect(String tenant, String key) throws SQLException {
        Properties p = new Properties();
        p.setProperty("key", key);
        return DriverManager.getConnection(url(tenant), p);
    }

    @Test
    void statementsParametersAndResultsKeepEveryTypeSqliteStores() throws Exception {
        String key = stack.createTenant("jd-types");
        try (Connection c = connect("jd-types", key); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, ts TEXT, d NUMERIC, f INTEGER)"))
                    .isZero();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (i, r, s, b, ts, d, f) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, Long.MAX_VALUE);
                ps.setDouble(2, -2.5e-7);
                ps.setString(3, "naïve 'quote'");
                ps.setBytes(4, new byte[] {1, 2, 3});
                ps.setTimestamp(5, Timestamp.valueOf(LocalDateTime.of(2026, 11, 30, 10, 15, 0)));
                ps.setBigDecimal(6, new BigDecimal("12.5"));
                ps.setBoolean(7, true);
                assertThat(ps.executeUpdate()).isEqualTo(1);
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getLong(1)).isEqualTo(1);
                }
                ps.setNull(1, java.sql.Types.INTEGER);
                ps.setNull(2, java.sql.Types.DOUBLE);
                ps.setString(3, null);
                ps.setBytes(4, null);
                ps.setObject(5, null);
                ps.setObject(6, 7L);
                ps.setInt(7, 0);
                ps.executeUpdate();
            }
            try (ResultSet rs = st.executeQuery("SELECT i, r, s, b, ts, d, f FROM t ORDER BY id")) {
                assertThat(rs.getMetaData().getColumnCount()).isEqualTo(7);
                assertThat(rs.getMetaData().getColumnLabel(3)).isEqualTo("s");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong("i")).isEqualTo(Long.MAX_VALUE);
                assertThat(rs.getDouble(2)).isEqualTo(-2.5e-7);
                assertThat(rs.getString("s")).isEqualTo("naïve 'quote'");
                assertThat(rs.getBytes("b")).containsExactly(1, 2, 3);
                assertThat(rs.getTimestamp("ts").toLocalDateTime()).isEqualTo(LocalDateTime.of(2026, 11, 30, 10, 15, 0));
                assertThat(rs.getBigDecimal("d")).isEqualByComparingTo("12.5");
                assertThat(rs.getBoolean("f")).isTrue();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong("i")).isZero();
                assertThat(rs.wasNull()).isTrue();
                assertThat(rs.getObject("s")).isNull();
                assertThat(rs.getObject("d", Long.class)).isEqualTo(7L);
                assertThat(rs.next()).isFalse();
            }
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM nope")).isInstanceOf(java.sql.SQLSyntaxErrorException.class);
        }
    }

    @Test
    void aBatchIsOneTransactionAndMetadataListsTheTenantsTables() throws Exception {
        String key = stack.createTenant("jd-batch");
        try (Connection c = connect("jd-batch", key); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT DEFAULT 'x')");
            st.execute("CREATE VIEW names AS SELECT name FROM users");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (email) VALUES (?)")) {
                for (String e : List.of("a@x", "b@x", "c@x")) {
                    ps.setString(1, e);
                    ps.addBatch();
                }
                assertThat(ps.executeBatch()).containsExactly(1, 1, 1);
                ps.setString(1, "d@x");
                ps.addBatch();
                ps.setString(1, "a@x"); // a duplicate: the whole batch fails
                ps.addBatch();
                assertThatThrownBy(ps::executeBatch).as("as JDBC reports a failed batch").isInstanceOfSatisfying(java.sql.BatchUpdateException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("23000");
                    assertThat((Object) e.getNextException()).isInstanceOf(java.sql.SQLIntegrityConstraintViolationException.class);
                    assertThat(e.getUpdateCounts()).as("one transaction: none applied").containsExactly(Statement.EXECUTE_FAILED, Statement.EXECUTE_FAILED);
                });
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM users")) {
                rs.next();
                assertThat(rs.getInt(1)).as("nothing of the failed batch").isEqualTo(3);
            }
            DatabaseMetaData md = c.getMetaData();
            assertThat(md.getDatabaseProductName()).isEqualTo("Cairn");
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, null, "%", null)) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
            }
            assertThat(tables).containsExactly("users:TABLE", "names:VIEW");
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, null, "users", "%")) {
                while (rs.next()) columns.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " " + rs.getString("IS_NULLABLE"));
            }
            assertThat(columns).containsExactly("id INTEGER YES", "email TEXT NO", "name TEXT YES");
            try (ResultSet rs = md.getPrimaryKeys(null, null, "users")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("COLUMN_NAME")).isEqualTo("id");
            }
            try (ResultSet rs = md.getImportedKeys(null, null, "users")) {
                assertThat(rs.next()).as("what the driver does not know is an empty answer").isFalse();
            }
        }
    }

    @Test
    void preparedQueriesBindTheirParametersAndMisuseIsAnSqlExceptionThatNeverShowsTheKey() throws Exception {
        String key = stack.createTenant("jd-use");
        Properties withLineBreak = new Properties();
        withLineBreak.setProperty("password", key + "\n"); // as read from a file
        try (Connection c = DriverManager.getConnection(url("jd-use"), withLineBreak); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, at TEXT)");
            try (PreparedStatement q = c.prepareStatement("SELECT ? + 1 AS answer")) {
                q.setLong(1, 41);
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong("answer")).as("executeQuery() binds the parameters").isEqualTo(42);
                }
                assertThatThrownBy(() -> q.executeQuery("SELECT 2")).isInstanceOf(SQLException.class)
                        .hasMessageContaining("prepared with");
            }
            assertThat(st.executeUpdate("WITH x AS (SELECT 4294967296 AS k)\nINSERT\nINTO t (n) SELECT k FROM x"))
                    .as("a WITH … INSERT across lines is a write").isEqualTo(1);
            try (PreparedStatement ps = c.prepareStatement("UPDATE t SET at = ?")) {
                ps.setObject(1, new java.util.Date(0));
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            c.setReadOnly(true);
            try (ResultSet rs = st.executeQuery("WITH x AS (SELECT replace(n, '4', 'x') AS k, at FROM t) SELECT k, at FROM x")) {
                rs.next();
                assertThat(rs.getString(1)).as("replace() in a WITH is a read").isEqualTo("x29x967296");
                assertThat(rs.getTimestamp(2)).isEqualTo(new Timestamp(0));
            }
            try (ResultSet rs = st.executeQuery("SELECT n, 'x' FROM t")) {
                rs.next();
                assertThatThrownBy(() -> rs.getInt(1)).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22003"));
                assertThat(rs.getLong(1)).isEqualTo(4294967296L);
                assertThatThrownBy(() -> rs.getObject(2, java.util.UUID.class)).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("22018"));
            }
            assertThatThrownBy(() -> st.execute(" ")).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42000"));
        }
        Properties broken = new Properties();
        broken.setProperty("key", key.substring(0, 10) + " " + key.substring(10));
        assertThatThrownBy(() -> DriverManager.getConnection(url("jd-use"), broken)).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("28000");
            assertThat(e.getMessage()).doesNotContain(key.substring(10));
        });
        String wrongSecret = key.substring(0, key.length() - 4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
        String otherTenants = stack.createTenant("jd-other");
        for (String[] refused : new String[][] {{"jd-use", wrongSecret}, {"jd-use", otherTenants}, {"jd-nobody", key}}) {
            assertThatThrownBy(() -> connect(refused[0], refused[1])).as("refused at connect, as a wrong password is: %s", refused[0])
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        }
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:cairn://", broken)).isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getSQLState()).isEqualTo("08001"));
        assertThatThrownBy(() -> DriverManager.getConnection(url("jd-use/x"), broken)).isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getSQLState()).isEqualTo("08001"));
    }

    @Test
    void transactionsCommitTogetherAndAStaleOneFailsWith40001() throws Exception {
        String key = stack.createTenant("jd-tx");
        try (Connection a = connect("jd-tx", key); Connection b = connect("jd-tx", key)) {
            a.createStatement().execute("CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)");
            a.createStatement().execute("INSERT INTO c VALUES (1, 0)");
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            long seenA = n(a);
            long seenB = n(b);
            a.createStatement().executeUpdate("UPDATE c SET n = " + (seenA + 1));
            b.createStatement().executeUpdate("UPDATE c SET n = " + (seenB + 10));
            a.commit();
            assertThatThrownBy(b::commit).isInstanceOfSatisfying(SQLTransactionRollbackException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("40001"));
            assertThat(n(b)).as("b's write did not apply; a new transaction of b sees a's").isEqualTo(1);
            b.createStatement().executeUpdate("UPDATE c SET n = 5");
            b.rollback();
            assertThat(n(b)).isEqualTo(1);
            b.commit();
        }
    }

    /**
     * Tools browse tables with {@code setMaxRows}: past the server's 10,000 rows it reads only those asked for (an outside probe
     * got result_too_large). Generated keys of a write kept for commit are an error, not an empty result an ORM takes for none.
     */
    @Test
    void maxRowsReadsALargeTableAndKeysOfAWriteKeptForCommitAreAnError() throws Exception {
        String key = stack.createTenant("jd-large");
        try (Connection c = connect("jd-large", key); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE big (id INTEGER PRIMARY KEY)");
            st.execute("WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 10500) INSERT INTO big SELECT x FROM s");
            assertThatThrownBy(() -> st.executeQuery("SELECT id FROM big")).hasMessageContaining("result_too_large");
            st.setMaxRows(5);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT id FROM big ORDER BY id DESC;")) {
                while (rs.next()) ids.add(rs.getLong("id"));
            }
            assertThat(ids).containsExactly(10500L, 10499L, 10498L, 10497L, 10496L);
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO big VALUES (NULL)", Statement.RETURN_GENERATED_KEYS)) {
                ps.executeUpdate();
                assertThatThrownBy(ps::getGeneratedKeys).isInstanceOfSatisfying(java.sql.SQLFeatureNotSupportedException.class,
                        e -> assertThat(e.getMessage()).contains("inside a transaction"));
            }
            c.commit();
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO big VALUES (NULL)", Statement.RETURN_GENERATED_KEYS)) {
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getLong(1)).isEqualTo(10502L);
                }
            }
        }
    }

    /** A pooled connection's earlier reads are no transaction's: a transaction without reads is never stale (outside probe). */
    @Test
    void aTransactionWithoutReadsCommitsWhateverWasWrittenSinceTheConnectionLastRead() throws Exception {
        String key = stack.createTenant("jd-blind");
        try (Connection a = connect("jd-blind", key); Connection b = connect("jd-blind", key)) {
            a.createStatement().execute("CREATE TABLE c (id INTEGER PRIMARY KEY)");
            assertThat(b.createStatement().executeQuery("SELECT count(*) FROM c").next()).isTrue(); // b now holds a bookmark
            a.createStatement().execute("INSERT INTO c VALUES (1)");
            b.setAutoCommit(false);
            b.createStatement().executeUpdate("INSERT INTO c VALUES (2)");
            b.commit();
            ResultSet rs = b.createStatement().executeQuery("SELECT count(*) FROM c");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(2);
        }
    }

    @Test
    void hikariAndJdbiRunConcurrentTransactionsRetryingConflicts() throws Exception {
        String key = stack.createTenant("jd-pool");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url("jd-pool"));
        config.setPassword(key);
        config.setMaximumPoolSize(4);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            Jdbi jdbi = Jdbi.create(ds);
            jdbi.useHandle(h -> {
                h.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
                h.createUpdate("INSERT INTO counters (name, n) VALUES (:name, :n)").bind("name", "hits").bind("n", 0).execute();
            });
            int workers = 4;
            int each = 5;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < each; i++) {
                            while (true) {
                                try {
                                    jdbi.useTransaction(h -> {
                                        long n = h.createQuery("SELECT n FROM counters WHERE name = :name").bind("name", "hits").mapTo(Long.class).one();
                                        h.createUpdate("UPDATE counters SET n = :n WHERE name = :name").bind("n", n + 1).bind("name", "hits").execute();
                                    });
                                    break;
                                } catch (org.jdbi.v3.core.transaction.TransactionException | org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
                                    if (!isConflict(e)) throw e;
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get();
            }
            List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery("SELECT name, n FROM counters").mapToMap().list());
            assertThat(rows).hasSize(1);
            assertThat(rows.getFirst().get("n")).isEqualTo((long) workers * each);
        }
    }

    /** What tools and frameworks rely on: closed means closed, values are exact or refused, errors are SQLExceptions. */
    @Test
    void closedObjectsRefuseWorkAndValuesAreExactOrRefused() throws Exception {
        String key = stack.createTenant("jd-edges");
        try (Connection c = connect("jd-edges", key)) {
            Statement st = c.createStatement();
            st.execute("CREATE TABLE loans (id INTEGER PRIMARY KEY, big INTEGER, returning_at TEXT)");
            ResultSet first = st.executeQuery("SELECT 1");
            ResultSet second = st.executeQuery("SELECT 2");
            assertThat(first.isClosed()).as("run again, the statement closed its last result").isTrue();
            st.close();
            assertThat(second.isClosed()).as("and so does its close").isTrue();
            assertThatThrownBy(second::next).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> st.addBatch("INSERT INTO loans (id) VALUES (50)")).isInstanceOf(SQLException.class);
            assertThatThrownBy(st::executeBatch).isInstanceOf(SQLException.class);

            try (PreparedStatement ps = c.prepareStatement("INSERT INTO loans (id, big) VALUES (?, ?)")) {
                ps.setLong(1, 1);
                ps.setBigDecimal(2, new BigDecimal(Long.MAX_VALUE));
                ps.executeUpdate();
                for (long id : new long[] {7, 8}) {
                    ps.setLong(1, id);
                    ps.setBigDecimal(2, BigDecimal.ONE);
                    ps.addBatch();
                }
                ps.executeBatch();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    assertThat(keys.getLong(1)).as("the batch's last row").isEqualTo(8);
                }
            }
            try (Statement q = c.createStatement(); ResultSet rs = q.executeQuery("SELECT big, typeof(big), 1e20, 'abc', 0.5,"
                    + " '2026-11-30 10:15:00.000', 'noon' FROM loans WHERE id = 1")) {
                rs.next();
                assertThat(rs.getLong(1)).as("a BigDecimal that fits a long is stored exact").isEqualTo(Long.MAX_VALUE);
                assertThat(rs.getString(2)).isEqualTo("integer");
                assertThat(sqlState(() -> rs.getLong(3))).isEqualTo("22003");
                assertThat(sqlState(() -> rs.getBoolean(4))).isEqualTo("22018");
                assertThat(rs.getBoolean(5)).as("as SQLite reads truth").isTrue();
                assertThat(rs.getTime(6)).hasToString("10:15:00");
                assertThat(sqlState(() -> rs.getTime(7))).isEqualTo("22007");
            }

            java.time.Instant at = java.time.Instant.parse("2026-11-30T10:15:00.123Z");
            try (PreparedStatement ps = c.prepareStatement("UPDATE loans SET returning_at = ? WHERE id = 1")) {
                ps.setObject(1, at);
                ps.executeUpdate();
            }
            try (Statement q = c.createStatement(); ResultSet rs = q.executeQuery("SELECT returning_at FROM loans WHERE id = 1")) {
                rs.next();
                assertThat(rs.getObject(1, java.time.Instant.class)).as("an Instant comes back as it was bound").isEqualTo(at);
            }
            c.setAutoCommit(false);
            try (Statement t = c.createStatement()) {
                t.executeUpdate("UPDATE loans SET returning_at = 'returning' WHERE id = 1"); // a column and a string, no RETURNING clause
                c.commit();
            }
            c.setAutoCommit(true);
            try (Statement t = c.createStatement()) {
                t.execute("CREATE TABLE gone (n)");
                t.execute("CREATE VIEW broken AS SELECT n FROM gone");
                t.execute("DROP TABLE gone");
            }
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getColumns(null, null, "%", "%")) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME"));
            }
            assertThat(tables).as("a broken view is left out, the rest listed").contains("loans.id", "loans.returning_at").noneMatch(t -> t.startsWith("broken"));
            assertThat(sqlState(() -> c.setSavepoint())).isEqualTo("0A000");
        }
        Connection closed = connect("jd-edges", key);
        Statement orphan = closed.createStatement();
        closed.close();
        assertThat(orphan.isClosed()).as("closed with its connection").isTrue();
        assertThat(sqlState(() -> closed.createStatement())).isEqualTo("08003");
    }

    /** The SQLState of the SQLException {@code call} throws (it must throw one). */
    private static String sqlState(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(thrown).isInstanceOf(SQLException.class);
        return ((SQLException) thrown).getSQLState();
    }

    private static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof SQLException s && "40001".equals(s.getSQLState())) return true;
        return false;
    }

    private static long n(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT n FROM c WHERE id = 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
