package io.cairn.edge.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.JsonFields;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.topics.ErrorCode;
import io.cairn.tenantdb.sql.StatementPolicy;
import io.cairn.tenantdb.sqlite.SqlSyntax;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The statements of one migration version as registered: read from a request ({@code sql}, {@code
 * statements}, or the typed {@code operations} compiled to SQL), checked with the write policy (a
 * statement a write may not run, a migration may not either), and checksummed.
 */
public final class MigrationSql {
    /** Most statements one version may hold. */
    public static final int MAX_STATEMENTS = 1_000;
    private static final Pattern TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_ ]{0,40}(\\(\\s*\\d{1,9}\\s*(,\\s*\\d{1,9}\\s*)?\\))?");

    /** What a column of a typed operation takes; {@code "default": null} is a column whose default is NULL. */
    private static final Set<String> COLUMN_FIELDS = Set.of("name", "type", "primary_key", "not_null", "unique", "default");

    private MigrationSql() {}

    /** The statements a request body names: exactly one of {@code sql}, {@code statements}, {@code operations}. */
    public static List<String> fromRequest(JsonNode body) {
        JsonFields.only(body, "", Set.of("sql", "statements", "operations", "description", "replace"));
        int given = (body.has("sql") ? 1 : 0) + (body.has("statements") ? 1 : 0) + (body.has("operations") ? 1 : 0);
        if (given != 1) {
            throw ApiError.invalidRequest("give exactly one of \"sql\" (one statement), \"statements\" (an array of statements)"
                    + " or \"operations\" (typed operations: create_table, add_column, rename_table, drop_table)");
        }
        List<String> statements = new ArrayList<>();
        if (body.has("sql")) {
            if (body.get("sql").isArray()) {
                throw ApiError.invalidRequest("\"sql\" is one statement, as a string; send several as \"statements\": [\"...\", ...]");
            }
            statements.add(text(body.get("sql"), "sql"));
        } else if (body.has("statements")) {
            JsonNode arr = body.get("statements");
            if (!arr.isArray() || arr.isEmpty()) throw ApiError.invalidRequest("\"statements\" must be a non-empty array of strings");
            for (int i = 0; i < arr.size(); i++) statements.add(text(arr.get(i), "statements[" + i + "]"));
        } else {
            JsonNode ops = body.get("operations");
            if (!ops.isArray() || ops.isEmpty()) throw ApiError.invalidRequest("\"operations\" must be a non-empty array of objects");
            for (int i = 0; i < ops.size(); i++) statements.add(compile(ops.get(i), "operations[" + i + "]"));
        }
        if (statements.size() > MAX_STATEMENTS) throw ApiError.invalidRequest("a version holds at most " + MAX_STATEMENTS + " statements");
        return statements;
    }

    /**
     * Checks every statement with the write policy, then that SQLite can parse it (a registered version never
     * changes: a typo found when the tenants fail it would block the set for good); the refusal names the statement
     * (0-based index).
     */
    public static void check(List<String> statements) {
        for (int i = 0; i < statements.size(); i++) {
            try {
                StatementPolicy.checkLength(statements.get(i), io.cairn.tenantdb.sqlite.SqliteLimits.WRITE_DEFAULTS.maxSqlLength());
                StatementPolicy.checkWrite(statements.get(i));
            } catch (SqlRefusal r) {
                throw new ApiError(r.code(), "statement " + (i + 1) + " (index " + i + "): " + r.getMessage(), i, Map.of());
            }
        }
        SqlSyntax.Problem problem;
        try {
            problem = SqlSyntax.firstProblem(statements);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot open an empty database in memory to parse the statements", e);
        }
        if (problem != null) {
            throw new ApiError(ErrorCode.SQL_ERROR, "statement " + (problem.index() + 1) + " (index " + problem.index() + "): "
                    + problem.message() + "; nothing was registered", problem.index(), Map.of());
        }
    }

    /** Lower-case hex SHA-256 of the statements, each followed by a NUL byte. */
    public static String checksum(List<String> statements) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String s : statements) {
                sha.update(s.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One typed operation as SQL. */
    static String compile(JsonNode op, String where) {
        if (!op.isObject()) throw ApiError.invalidRequest(where + " must be an object with an \"op\"");
        String kind = op.path("op").asText("");
        Set<String> fields = switch (kind) {
            case "create_table" -> Set.of("op", "table", "columns");
            case "add_column" -> Set.of("op", "table", "column");
            case "rename_table" -> Set.of("op", "from", "to");
            case "drop_table" -> Set.of("op", "table");
            default -> Set.of("op");
        };
        if (fields.size() > 1) JsonFields.only(op, where + ".", fields);
        return switch (kind) {
            case "create_table" -> {
                JsonNode columns = op.path("columns");
                if (!columns.isArray() || columns.isEmpty()) throw ApiError.invalidRequest(where + ": create_table needs \"columns\"");
                List<String> defs = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++) defs.add(column(columns.get(i), where + ".columns[" + i + "]"));
                yield "CREATE TABLE " + newName(op.path("table"), where + ".table") + " (" + String.join(", ", defs) + ")";
            }
            case "add_column" -> {
                refuseWhatSqliteCannotAdd(op.path("column"), where + ".column");
                yield "ALTER TABLE " + ident(op.path("table"), where + ".table") + " ADD COLUMN " + column(op.path("column"), where + ".column");
            }
            case "rename_table" -> "ALTER TABLE " + ident(op.path("from"), where + ".from") + " RENAME TO " + newName(op.path("to"), where + ".to");
            case "drop_table" -> "DROP TABLE " + ident(op.path("table"), where + ".table");
            default -> throw ApiError.invalidRequest(where + ": \"op\" must be create_table, add_column, rename_table or drop_table");
        };
    }

    /** {@code {"name": ..., "type": ..., "primary_key": bool, "not_null": bool, "unique": bool, "default": scalar}}. */
    private static String column(JsonNode c, String where) {
        if (!c.isObject()) throw ApiError.invalidRequest(where + " must be an object with \"name\" and \"type\"");
        JsonFields.only(c, where + ".", COLUMN_FIELDS, Set.of("default"));
        StringBuilder sb = new StringBuilder(ident(c.path("name"), where + ".name"));
        if (c.has("type")) {
            String type = c.path("type").asText("");
            if (!TYPE.matcher(type).matches()) throw ApiError.invalidRequest(where + ".type must be a type name such as INTEGER, TEXT or VARCHAR(40)");
            sb.append(' ').append(type);
        }
        if (io.cairn.edge.json.JsonFlags.flag(c.get("primary_key"), where + ".primary_key")) sb.append(" PRIMARY KEY");
        if (io.cairn.edge.json.JsonFlags.flag(c.get("not_null"), where + ".not_null")) sb.append(" NOT NULL");
        if (io.cairn.edge.json.JsonFlags.flag(c.get("unique"), where + ".unique")) sb.append(" UNIQUE");
        if (c.has("default")) sb.append(" DEFAULT ").append(literal(c.get("default"), where + ".default"));
        return sb.toString();
    }

    /**
     * SQLite's ALTER TABLE ADD COLUMN cannot add a PRIMARY KEY or UNIQUE column, nor a NOT NULL one without a
     * default other than NULL: such an operation would fail on every tenant, so it is refused when registered.
     */
    private static void refuseWhatSqliteCannotAdd(JsonNode c, String where) {
        if (!c.isObject()) return; // column() says what is wrong
        if (io.cairn.edge.json.JsonFlags.flag(c.get("primary_key"), where + ".primary_key")) {
            throw ApiError.invalidRequest(where + ": SQLite cannot add a PRIMARY KEY column to a table; create a new table and copy the rows");
        }
        if (io.cairn.edge.json.JsonFlags.flag(c.get("unique"), where + ".unique")) {
            throw ApiError.invalidRequest(where + ": SQLite cannot add a UNIQUE column to a table; add the column, then a unique index (CREATE UNIQUE INDEX)");
        }
        if (io.cairn.edge.json.JsonFlags.flag(c.get("not_null"), where + ".not_null") && (c.path("default").isMissingNode() || c.path("default").isNull())) {
            throw ApiError.invalidRequest(where + ": SQLite can add a NOT NULL column only with a \"default\" other than null (the value existing rows get)");
        }
    }

    /** A name a table is created or renamed to: SQLite reserves names starting with sqlite_ (any case). */
    private static String newName(JsonNode n, String where) {
        String quoted = ident(n, where);
        if (n.asText().regionMatches(true, 0, "sqlite_", 0, 7)) {
            throw ApiError.invalidRequest(where + ": names starting with sqlite_ are reserved by SQLite");
        }
        return quoted;
    }

    private static String ident(JsonNode n, String where) {
        if (!n.isTextual() || n.asText().isEmpty() || n.asText().length() > 128) {
            throw ApiError.invalidRequest(where + " must be a name (1 to 128 characters)");
        }
        return "\"" + n.asText().replace("\"", "\"\"") + "\"";
    }

    private static String literal(JsonNode v, String where) {
        if (v.isNull()) return "NULL";
        if (v.isBoolean()) return v.asBoolean() ? "1" : "0";
        if (v.isIntegralNumber()) return v.bigIntegerValue().toString();
        if (v.isNumber()) {
            double d = v.asDouble();
            // 1e400 reads as Infinity, which SQLite would take as a name and store as the text 'Infinity'
            if (!Double.isFinite(d)) throw ApiError.invalidRequest(where + " must be a number SQLite can store (a 64-bit float: at most about 1.8e308)");
            return Double.toString(d);
        }
        if (v.isTextual()) return "'" + v.asText().replace("'", "''") + "'";
        throw ApiError.invalidRequest(where + " must be a string, number, boolean or null");
    }

    private static String text(JsonNode n, String where) {
        if (n == null || !n.isTextual()) throw ApiError.invalidRequest("\"" + where + "\" must be a string of SQL");
        return trimmed(n.asText());
    }

    /**
     * A statement without the white space and semicolons around it, as {@code cairn migrate} reads one from a file: the
     * same SQL sent again with a trailing space or {@code ;} was a {@code version_conflict}.
     */
    static String trimmed(String sql) {
        int end = sql.length();
        while (end > 0 && (Character.isWhitespace(sql.charAt(end - 1)) || sql.charAt(end - 1) == ';')) end--;
        return sql.substring(0, end).strip();
    }

    /**
     * Whether {@code statements} (trimmed) are {@code registered}'s: its own checksum, or the same statements once both
     * are trimmed (a version registered, before they were, with a trailing space or semicolon) and their line endings
     * and byte order marks set aside, as Flyway's checksum does: the same file checked out on Windows (CRLF) or saved
     * with a BOM is the same version, not a {@code version_conflict}.
     */
    public static boolean same(MigrationCatalog.Version registered, List<String> statements) {
        return registered.checksum().equals(checksum(statements))
                || checksum(registered.statements().stream().map(MigrationSql::plain).toList())
                        .equals(checksum(statements.stream().map(MigrationSql::plain).toList()));
    }

    /**
     * Whether {@code checksum} (of trimmed statements, as a file's migration history records it) names {@code registered}'s
     * statements: its own checksum, or that of its statements trimmed (registered, before they were, untrimmed).
     */
    public static boolean same(MigrationCatalog.Version registered, String checksum) {
        return registered.checksum().equals(checksum)
                || checksum(registered.statements().stream().map(MigrationSql::trimmed).toList()).equals(checksum);
    }

    /** A statement trimmed, its line endings LF, without a byte order mark: what {@link #same} compares. */
    private static String plain(String sql) {
        String text = sql.replace("\r\n", "\n").replace('\r', '\n').replace("\uFEFF", "");
        return trimmed(text);
    }
}
