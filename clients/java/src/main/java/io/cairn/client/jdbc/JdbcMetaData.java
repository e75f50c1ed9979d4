package io.cairn.client.jdbc;

import io.cairn.client.QueryResult;
import io.cairn.client.Statement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What tools ask of a database: its tables and views, their columns and primary keys (read from the tenant's
 * {@code sqlite_schema} and {@code pragma_table_info}, Cairn's own {@code _cairn_} tables left out), and what
 * it supports. No catalogs or schemas. Anything else answers "no" or an empty result.
 */
final class JdbcMetaData implements JdbcObjects.Lenient {
    private static final String OWN = " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cairn\\_%' ESCAPE '\\'";

    private final JdbcConnection connection;

    JdbcMetaData(JdbcConnection connection) {
        this.connection = connection;
    }

    public ResultSet getTables(String catalog, String schema, String pattern, String[] types) throws SQLException {
        List<String> wanted = types == null ? List.of("TABLE", "VIEW") : Arrays.stream(types).map(t -> t.toUpperCase(Locale.ROOT)).toList();
        QueryResult r = connection.read(Statement.of("SELECT name, upper(type) FROM sqlite_schema WHERE type IN ('table', 'view')"
                + " AND name LIKE ? ESCAPE '\\'" + OWN + " ORDER BY type, name", pattern == null ? "%" : pattern));
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> t : r.rows()) {
            if (!wanted.contains((String) t.get(1))) continue;
            rows.add(Arrays.asList(null, null, t.get(0), t.get(1), null, null, null, null, null, null));
        }
        return JdbcResultSet.of(List.of("TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS", "TYPE_CAT", "TYPE_SCHEM",
                "TYPE_NAME", "SELF_REFERENCING_COL_NAME", "REF_GENERATION"), rows, null);
    }

    private static final String COLUMNS = "SELECT s.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.cid, c.pk";

    public ResultSet getColumns(String catalog, String schema, String tablePattern, String columnPattern) throws SQLException {
        String tables = tablePattern == null ? "%" : tablePattern;
        String columns = columnPattern == null ? "%" : columnPattern;
        List<List<Object>> found;
        try {
            found = connection.read(Statement.of(COLUMNS + " FROM sqlite_schema s JOIN pragma_table_info(s.name) c WHERE s.type IN ('table', 'view')"
                    + " AND s.name LIKE ? ESCAPE '\\' AND c.name LIKE ? ESCAPE '\\'" + OWN.replace("name", "s.name") + " ORDER BY s.name, c.cid",
                    tables, columns)).rows();
        } catch (SQLException e) {
            // A view whose table was dropped fails the whole join: list the others one by one, and leave it out.
            found = new ArrayList<>();
            for (List<Object> t : connection.read(Statement.of("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name LIKE ? ESCAPE '\\'"
                    + OWN + " ORDER BY name", tables)).rows()) {
                try {
                    found.addAll(connection.read(Statement.of(COLUMNS + " FROM (SELECT ? AS name) s JOIN pragma_table_info(s.name) c"
                            + " WHERE c.name LIKE ? ESCAPE '\\' ORDER BY c.cid", t.get(0), columns)).rows());
                } catch (SQLException broken) {
                    // its columns cannot be known
                }
            }
        }
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> c : found) {
            String declared = c.get(2) == null ? "" : (String) c.get(2);
            boolean notNull = ((Long) c.get(3)) != 0;
            rows.add(Arrays.asList(null, null, c.get(0), c.get(1), (long) type(declared), declared.isEmpty() ? "BLOB" : declared, 2_000_000_000L,
                    null, 10L, 10L, notNull ? (long) DatabaseMetaData.columnNoNulls : (long) DatabaseMetaData.columnNullable, null, c.get(4),
                    null, null, 2_000_000_000L, ((Long) c.get(5)) + 1, notNull ? "NO" : "YES", null, null, null, null,
                    declared.equalsIgnoreCase("INTEGER") && ((Long) c.get(6)) == 1 ? "YES" : "NO", "NO"));
        }
        return JdbcResultSet.of(List.of("TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE",
                "BUFFER_LENGTH", "DECIMAL_DIGITS", "NUM_PREC_RADIX", "NULLABLE", "REMARKS", "COLUMN_DEF", "SQL_DATA_TYPE", "SQL_DATETIME_SUB",
                "CHAR_OCTET_LENGTH", "ORDINAL_POSITION", "IS_NULLABLE", "SCOPE_CATALOG", "SCOPE_SCHEMA", "SCOPE_TABLE", "SOURCE_DATA_TYPE",
                "IS_AUTOINCREMENT", "IS_GENERATEDCOLUMN"), rows, null);
    }

    public ResultSet getPrimaryKeys(String catalog, String schema, String table) throws SQLException {
        QueryResult r = connection.read(Statement.of("SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", table));
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> c : r.rows()) rows.add(Arrays.asList(null, null, table, c.get(0), c.get(1), null));
        return JdbcResultSet.of(List.of("TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME"), rows, null);
    }

    public ResultSet getTableTypes() {
        return JdbcResultSet.of(List.of("TABLE_TYPE"), List.of(List.of("TABLE"), List.of("VIEW")), null);
    }

    public ResultSet getSchemas() {
        return JdbcResultSet.of(List.of("TABLE_SCHEM", "TABLE_CATALOG"), List.of(), null);
    }

    public ResultSet getCatalogs() {
        return JdbcResultSet.of(List.of("TABLE_CAT"), List.of(), null);
    }

    /** JDBC's type for a declared column type, by SQLite's affinity rules. */
    static int type(String declared) {
        String t = declared.toUpperCase(Locale.ROOT);
        if (t.contains("INT")) return Types.BIGINT;
        if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) return Types.VARCHAR;
        if (t.isEmpty() || t.contains("BLOB")) return Types.BLOB;
        if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) return Types.DOUBLE;
        return Types.NUMERIC;
    }

    public Connection getConnection() {
        return connection.proxy();
    }

    public String getURL() {
        return connection.url();
    }

    public String getUserName() {
        return connection.tenant();
    }

    public String getDatabaseProductName() {
        return "Cairn";
    }

    public String getDatabaseProductVersion() {
        return "1 (SQLite)";
    }

    public int getDatabaseMajorVersion() {
        return 1;
    }

    public int getDatabaseMinorVersion() {
        return 0;
    }

    public String getDriverName() {
        return "Cairn JDBC driver";
    }

    public String getDriverVersion() {
        return CairnDriver.VERSION;
    }

    public int getDriverMajorVersion() {
        return 0;
    }

    public int getDriverMinorVersion() {
        return 1;
    }

    public int getJDBCMajorVersion() {
        return 4;
    }

    public int getJDBCMinorVersion() {
        return 3;
    }

    public String getIdentifierQuoteString() {
        return "\"";
    }

    public String getSearchStringEscape() {
        return "\\";
    }

    public String getSQLKeywords() {
        return "";
    }

    public String getCatalogSeparator() {
        return ".";
    }

    public String getCatalogTerm() {
        return "catalog";
    }

    public String getSchemaTerm() {
        return "schema";
    }

    public String getProcedureTerm() {
        return "procedure";
    }

    public boolean supportsTransactions() {
        return true;
    }

    public int getDefaultTransactionIsolation() {
        return Connection.TRANSACTION_SERIALIZABLE;
    }

    public boolean supportsTransactionIsolationLevel(int level) {
        return level == Connection.TRANSACTION_SERIALIZABLE;
    }

    public boolean supportsBatchUpdates() {
        return true;
    }

    public boolean supportsResultSetType(int type) {
        return type == ResultSet.TYPE_FORWARD_ONLY;
    }

    public boolean supportsResultSetConcurrency(int type, int concurrency) {
        return type == ResultSet.TYPE_FORWARD_ONLY && concurrency == ResultSet.CONCUR_READ_ONLY;
    }

    public boolean supportsMixedCaseIdentifiers() {
        return false;
    }

    public boolean storesMixedCaseIdentifiers() {
        return true;
    }

    public boolean supportsMixedCaseQuotedIdentifiers() {
        return false;
    }

    public boolean storesMixedCaseQuotedIdentifiers() {
        return true;
    }

    public boolean supportsAlterTableWithAddColumn() {
        return true;
    }

    public boolean supportsGetGeneratedKeys() {
        return true;
    }

    public boolean isReadOnly() {
        return connection.isReadOnly();
    }

    public boolean nullsAreSortedLow() {
        return true;
    }

    public int getResultSetHoldability() {
        return ResultSet.CLOSE_CURSORS_AT_COMMIT;
    }

    public int getSQLStateType() {
        return DatabaseMetaData.sqlStateSQL;
    }

    public int getMaxStatements() {
        return 1_000;
    }
}
