package io.cairn.edge.restore;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the sqlite3 shell's {@code .dump} writes a virtual table (FTS5, R*Tree): {@code PRAGMA writable_schema=ON},
 * then {@code INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','f','f',0,'CREATE VIRTUAL
 * TABLE f USING fts5(body)')}, which registers the table without creating anything, then its internal tables as
 * {@code CREATE TABLE IF NOT EXISTS 'f_data'(...)} with their rows, and {@code PRAGMA writable_schema=OFF} at the
 * end. An import writes no schema by hand: it runs the {@code CREATE VIRTUAL TABLE} itself (through the write
 * policy), which makes the internal tables, and empties them, so the dump's own rows land in them as sqlite3 would
 * load them.
 */
final class DumpedVirtualTable {
    private static final String TEXT = "'((?:[^']|'')*)'";
    private static final Pattern SCHEMA_ROW = Pattern.compile("(?is)\\s*INSERT\\s+INTO\\s+(?:main\\.)?(?:sqlite_schema|sqlite_master)\\s*"
            + "\\(\\s*type\\s*,\\s*name\\s*,\\s*tbl_name\\s*,\\s*rootpage\\s*,\\s*sql\\s*\\)\\s*VALUES\\s*\\(\\s*'table'\\s*,\\s*" + TEXT
            + "\\s*,\\s*" + TEXT + "\\s*,\\s*0\\s*,\\s*" + TEXT + "\\s*\\)\\s*;?\\s*");
    private static final Pattern CREATE_VIRTUAL = Pattern.compile("(?is)\\s*CREATE\\s+VIRTUAL\\s+TABLE\\b.*");

    private DumpedVirtualTable() {}

    /** The {@code CREATE VIRTUAL TABLE} a dump's schema row holds, or empty for any other statement. */
    static Optional<String> createStatement(String statement) {
        Matcher m = SCHEMA_ROW.matcher(statement);
        if (!m.matches()) return Optional.empty();
        String sql = m.group(3).replace("''", "'");
        return CREATE_VIRTUAL.matcher(sql).matches() ? Optional.of(sql) : Optional.empty();
    }

    /** Runs {@code create} and deletes the rows it put in the internal tables it made. */
    static void create(Connection c, Statement s, String create) throws SQLException {
        Set<String> before = tables(c);
        s.execute(create);
        for (String made : tables(c)) {
            if (!before.contains(made)) s.execute("DELETE FROM \"" + made.replace("\"", "\"\"") + "\"");
        }
    }

    private static Set<String> tables(Connection c) throws SQLException {
        Set<String> names = new HashSet<>();
        try (Statement q = c.createStatement();
             ResultSet rs = q.executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }
}
