package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sql.Token.Kind;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether one statement may run, before it reaches the log (write path) or a read connection.
 * It reads SQLite's own tokens ({@link SqlLexer}), so words inside string literals, quoted identifiers
 * and comments never count as keywords. Refusals carry a stable code ({@link SqlRefusal#code()}):
 *
 * <ul>
 *   <li>{@code empty_statement}: nothing but whitespace, comments or ';'.</li>
 *   <li>{@code multiple_statements}: more than one statement (a trailing ';' is fine; semicolons inside
 *       a CREATE TRIGGER body belong to the trigger).</li>
 *   <li>{@code forbidden_statement}: ATTACH, DETACH, VACUUM (a tenant has exactly one database file,
 *       whose upkeep is Cairn's), PRAGMA (on reads only read-only introspection pragmas, without '='),
 *       functions that reach files or native code ({@code load_extension}, {@code readfile},
 *       {@code writefile}, {@code edit}, {@code fts3_tokenizer}); table-valued {@code pragma_*}
 *       functions (in reads only the introspection ones, never {@code pragma_database_list} and the
 *       like, which describe the host) and {@code pragma_*} names; in reads the physical-page tables
 *       ({@code dbstat}) and {@code sqlite_compileoption_*()}; in writes TEMP objects, the {@code temp}
 *       schema and its catalog (they live only as long as one connection, so a replay would not see
 *       them), and ANALYZE of the whole database.</li>
 *   <li>{@code transaction_control}: BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE as a statement:
 *       Cairn wraps each batch in its own transaction.</li>
 *   <li>{@code reserved_name}: an identifier, bare or quoted, or a string literal, starting with
 *       {@code _cairn_} in any case, or {@code _cairn} itself (a virtual table named so would keep its content in
 *       {@code _cairn_data}, {@code _cairn_content}, ...). String literals count because SQLite accepts a string where a
 *       name is expected ({@code SELECT * FROM '_cairn_keys'}, {@code pragma_table_info('_cairn_keys')}).</li>
 *   <li>{@code nondeterministic} (writes only): functions whose result depends on the executing
 *       binary or connection rather than on the log ({@code sqlite_version()}, {@code total_changes()},
 *       ...) and the {@code dbstat} table, which reports the physical page layout; the clock in an index,
 *       a generated column or a CHECK constraint ({@link SchemaClock}).</li>
 *   <li>{@code sql_error}: text SQLite's tokenizer would reject, and parameter numbers out of range.</li>
 * </ul>
 *
 * <p>On the write path {@code CURRENT_TIMESTAMP}, {@code CURRENT_DATE} and {@code CURRENT_TIME} (bare
 * words, any case) are rewritten to {@code (datetime('now'))}, {@code (date('now'))}, {@code (time('now'))},
 * which {@link DeterministicFunctions} answers with the record's time; the parentheses keep
 * {@code DEFAULT CURRENT_TIMESTAMP} valid. A bare word after '.' or AS is a name and left alone; a
 * column literally named current_timestamp must otherwise be quoted.
 *
 * <p>Stateless and thread-safe.
 */
public final class StatementPolicy {
    private static final Set<String> TRANSACTION = Set.of("begin", "commit", "end", "rollback", "savepoint", "release");
    private static final Set<String> NO_SUCH_DATABASE_OPS = Set.of("attach", "detach", "vacuum");
    /** Functions that read or write files, or load or register native code. */
    private static final Set<String> FILE_FUNCTIONS = Set.of("load_extension", "readfile", "writefile", "edit", "fts3_tokenizer");
    /** Functions whose value depends on the SQLite build or the connection's history, not on the log. */
    private static final Set<String> NONDETERMINISTIC_FUNCTIONS = Set.of("sqlite_version", "sqlite_source_id",
            "sqlite_compileoption_get", "sqlite_compileoption_used", "fts5_source_id", "total_changes");
    /** SQLite's date and time functions, which Cairn answers with the record's time ({@link DeterministicFunctions}). */
    static final Set<String> DATE_FUNCTIONS = Set.of("date", "time", "datetime", "julianday", "unixepoch",
            "strftime", "timediff");
    /** Tables that expose the physical layout of the file, which differs between copies with equal content. */
    private static final Set<String> PHYSICAL_TABLES = Set.of("dbstat", "sqlite_dbpage");
    /** Functions that describe how this SQLite was built: a fact about the host, not about the tenant's data. */
    private static final Set<String> BUILD_FUNCTIONS = Set.of("sqlite_compileoption_get", "sqlite_compileoption_used");
    /** The temp schema's own catalog: what a connection created for itself, never part of a tenant. */
    private static final Set<String> TEMP_CATALOG = Set.of("sqlite_temp_master", "sqlite_temp_schema");
    /**
     * The planner's statistics: a connection reads them when it opens and after ANALYZE, so written by hand they
     * steer only the copies that open the file afterwards (a thawed primary, not its replica), and a write whose
     * result depends on the plan ({@code LIMIT} without {@code ORDER BY}) differed between copies. ANALYZE writes
     * them on every copy alike; an import may bring them ({@link #isStatisticsInsert}).
     */
    private static final Set<String> STATISTICS = Set.of("sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4");
    /** SQLite's table-valued pragma functions are named {@code pragma_<pragma>}; a user object of that name would shadow one. */
    static final String PRAGMA_FUNCTION_PREFIX = "pragma_";
    /**
     * Pragmas a read may run: each only describes the schema or checks it, and none takes '='; {@code user_version} and
     * {@code application_id} read the numbers an application keeps in the file's header (an import keeps them).
     */
    static final Set<String> READ_PRAGMAS = Set.of("table_info", "table_xinfo", "table_list", "index_list", "index_info",
            "index_xinfo", "foreign_key_list", "foreign_key_check", "collation_list", "user_version", "application_id");
    /** The clock keywords, and what a write runs instead (see the class comment); {@link SchemaClock} refuses them in schema expressions. */
    static final Map<String, String> CLOCK_KEYWORDS = Map.of(
            "current_timestamp", "(datetime('now'))", "current_date", "(date('now'))", "current_time", "(time('now'))");

    /** Accepted texts: up to 8 Mi characters in each (about 16 MiB of heap), however long the texts are. */
    private static final TextVerdicts<CheckedStatement> WRITES = new TextVerdicts<>(8L << 20, StatementPolicy::charsKept);
    private static final TextVerdicts<CheckedStatement> READS = new TextVerdicts<>(8L << 20, StatementPolicy::charsKept);

    private StatementPolicy() {}

    /**
     * Refuses ({@code statement_too_long}) SQL text longer than {@code maxBytes} bytes of UTF-8, SQLite's own
     * measure of a statement ({@code SQLITE_LIMIT_SQL_LENGTH}, {@code SqliteLimits.maxSqlLength}): checked before the
     * text goes anywhere, so a statement SQLite would refuse never reaches the log.
     */
    public static void checkLength(String sql, int maxBytes) throws SqlRefusal {
        if ((long) sql.length() * 3 <= maxBytes) return; // a char is at most 3 bytes (a surrogate pair 4 for 2 chars)
        long bytes = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        if (bytes > maxBytes) {
            throw new SqlRefusal(ErrorCode.STATEMENT_TOO_LONG, String.format(Locale.ROOT, "the SQL text is %,d bytes long (UTF-8),"
                    + " over the limit of %,d bytes per statement: pass long values as params", bytes, maxBytes));
        }
    }

    /** Checks one statement of a write batch; returns the SQL to log and run (clock keywords rewritten) and its parameter slots. */
    public static CheckedStatement checkWrite(String sql) throws SqlRefusal {
        return cached(WRITES, sql, true);
    }

    /**
     * Whether {@code sql} is {@code INSERT INTO sqlite_stat1|sqlite_stat4 VALUES(...)} of literals only, as sqlite3's
     * {@code .dump} writes the planner's statistics: an import, whose file every copy opens afresh, may run it.
     */
    public static boolean isStatisticsInsert(String sql) {
        List<Token> st = new ArrayList<>();
        try {
            for (Token t : SqlLexer.tokenize(sql)) if (!t.insignificant() && t.kind() != Kind.SEMICOLON) st.add(t);
        } catch (SqlRefusal notSql) {
            return false;
        }
        if (st.size() < 7 || !st.get(0).isWord("insert") || !st.get(1).isWord("into") || !STATISTICS.contains(String.valueOf(st.get(2).lowerIdentifier()))
                || !st.get(3).isWord("values") || !st.get(4).isOperator("(") || !st.getLast().isOperator(")")) {
            return false;
        }
        for (int i = 5; i < st.size() - 1; i++) {
            Token t = st.get(i);
            boolean literal = t.kind() == Kind.STRING || t.kind() == Kind.NUMBER || t.kind() == Kind.BLOB || t.isWord("null");
            boolean separator = t.isOperator(",") || t.isOperator("-");
            if (!literal && !separator) return false;
        }
        return true;
    }

    /** Checks one read statement; returns the SQL to run (unchanged) and its parameter slots. */
    public static CheckedStatement checkRead(String sql) throws SqlRefusal {
        return cached(READS, sql, false);
    }

    /**
     * The verdict depends on nothing but the text, and applications send the same statements again and
     * again (a batch of 100 inserts is often one text 100 times): accepted texts are remembered, so
     * they are tokenized once. Long texts and refusals are not kept.
     */
    private static CheckedStatement cached(TextVerdicts<CheckedStatement> cache, String sql, boolean write) throws SqlRefusal {
        CheckedStatement known = cache.get(sql);
        if (known != null) return known;
        CheckedStatement checked = check(sql, write);
        cache.put(sql, checked);
        return checked;
    }

    private static CheckedStatement check(String sql, boolean write) throws SqlRefusal {
        List<Token> all = SqlLexer.tokenize(sql);
        List<Token> sig = new ArrayList<>();
        for (Token t : all) if (!t.insignificant()) sig.add(t);
        int end = statementEnd(sig);
        checkStatementKind(sig.subList(0, end), write);
        checkTokens(sig.subList(0, end), write);
        if (write) {
            SchemaClock.check(sig.subList(skipExplain(sig), end));
            DeferredKeys.check(sig.subList(skipExplain(sig), end));
        }
        String toRun = write ? rewriteClockKeywords(all) : sql;
        return new CheckedStatement(toRun.equals(sql) ? sql : toRun, ParameterSlots.of(sig));
    }

    /** What a kept verdict holds beyond its text: the text to run (counted even when it is the text's own string, an overestimate) and its slots' names. */
    private static int charsKept(CheckedStatement checked) {
        int names = 0;
        for (String name : checked.parameterNames()) names += 8 + (name == null ? 0 : name.length());
        return checked.sql().length() + names;
    }

    /**
     * Where the one statement ends (exclusive index into the significant tokens, before its ';').
     * Inside CREATE TRIGGER ... BEGIN ... END the semicolons end trigger steps, not the statement; the
     * statement ends at an END that closes no CASE.
     */
    private static int statementEnd(List<Token> sig) throws SqlRefusal {
        int first = 0;
        while (first < sig.size() && sig.get(first).kind() == Kind.SEMICOLON) first++;
        if (first == sig.size()) throw new SqlRefusal(ErrorCode.EMPTY_STATEMENT, "no statement: the text holds only whitespace, comments or ';'");
        if (first > 0) throw new SqlRefusal(ErrorCode.MULTIPLE_STATEMENTS, "an empty statement (';') comes before the statement; send one statement per entry");
        boolean trigger = isCreateTrigger(sig);
        int caseDepth = 0;
        boolean afterTriggerEnd = false;
        int end = sig.size();
        for (int i = 0; i < sig.size(); i++) {
            Token t = sig.get(i);
            if (t.kind() == Kind.SEMICOLON) {
                if (!trigger || afterTriggerEnd) {
                    end = i;
                    break;
                }
            }
            if (t.isWord("case")) caseDepth++;
            boolean closesCase = t.isWord("end") && caseDepth > 0;
            if (closesCase) caseDepth--;
            afterTriggerEnd = t.isWord("end") && !closesCase;
        }
        for (int i = end; i < sig.size(); i++) {
            if (sig.get(i).kind() != Kind.SEMICOLON) {
                throw new SqlRefusal(ErrorCode.MULTIPLE_STATEMENTS, "more than one statement in one text (the second starts at offset "
                        + sig.get(i).start() + "); send one statement per entry");
            }
        }
        return end;
    }

    static boolean isCreateTrigger(List<Token> sig) {
        int i = skipExplain(sig);
        if (i >= sig.size() || !sig.get(i).isWord("create")) return false;
        i++;
        if (i < sig.size() && (sig.get(i).isWord("temp") || sig.get(i).isWord("temporary"))) i++;
        return i < sig.size() && sig.get(i).isWord("trigger");
    }

    /** Index of the statement's first keyword after EXPLAIN or EXPLAIN QUERY PLAN, which do not change what is checked. */
    private static int skipExplain(List<Token> sig) {
        if (sig.isEmpty() || !sig.get(0).isWord("explain")) return 0;
        return sig.size() > 2 && sig.get(1).isWord("query") && sig.get(2).isWord("plan") ? 3 : 1;
    }

    private static void checkStatementKind(List<Token> st, boolean write) throws SqlRefusal {
        int i = skipExplain(st);
        if (i >= st.size() || st.get(i).kind() != Kind.WORD) return;
        String word = Token.asciiLower(st.get(i).text());
        if (NO_SUCH_DATABASE_OPS.contains(word)) {
            throw forbidden(word.toUpperCase(Locale.ROOT) + " is not allowed: a tenant has exactly one database, which Cairn maintains");
        }
        if (TRANSACTION.contains(word)) {
            throw new SqlRefusal(ErrorCode.TRANSACTION_CONTROL, word.toUpperCase(Locale.ROOT)
                    + " is not allowed: Cairn runs each batch as one transaction of its own");
        }
        if (word.equals("pragma")) {
            if (pragmaName(st, i) instanceof String name && name.equals("foreign_keys")) {
                throw forbidden("PRAGMA foreign_keys is not allowed: foreign keys are always enforced, on every tenant and every copy");
            }
            if (write) {
                throw forbidden("PRAGMA is not allowed in writes: Cairn sets each connection's pragmas itself, the same on every copy of the"
                        + " tenant (foreign keys are always enforced)");
            }
            checkReadPragma(st, i);
        }
        if (write && word.equals("analyze") && (i + 1 >= st.size() || isSchemaOnly(st, i + 1))) {
            throw forbidden("ANALYZE needs a table or index name (ANALYZE t): analyzing the whole database would"
                    + " include Cairn's own tables");
        }
        if (write && word.equals("create") && i + 1 < st.size()
                && (st.get(i + 1).isWord("temp") || st.get(i + 1).isWord("temporary"))) {
            throw forbidden("CREATE TEMP is not allowed in writes: temporary objects would not survive a replay");
        }
    }

    /**
     * A {@code pragma_*} name. In writes none: they describe the connection or the host (the file's
     * path, the build, page counts), {@code pragma_optimize} writes statistics of Cairn's own tables,
     * and an object of that name would shadow SQLite's function. In reads the introspection ones of
     * {@link #READ_PRAGMAS} (e.g. {@code pragma_table_info('t')}).
     */
    private static void checkPragmaFunction(String name, boolean write) throws SqlRefusal {
        if (write) {
            throw forbidden(name + " is not allowed in writes: pragma_* names are SQLite's pragma functions, and not"
                    + " available as names for your objects");
        }
        String pragma = name.substring(PRAGMA_FUNCTION_PREFIX.length());
        if (!READ_PRAGMAS.contains(pragma)) {
            throw forbidden(name + " is not available; reads may use " + String.join(", ",
                    READ_PRAGMAS.stream().sorted().map(p -> PRAGMA_FUNCTION_PREFIX + p).toList()));
        }
    }

    /** Where the name of the pragma a {@code PRAGMA} at {@code at} runs is ({@code PRAGMA main.x}: x's); past the end when none follows. */
    private static int pragmaNameAt(List<Token> st, int at) {
        int i = at + 1;
        if (i + 1 < st.size() && st.get(i + 1).isOperator(".")) i += 2;
        return i;
    }

    /** The name of the pragma a {@code PRAGMA} at {@code at} runs, lower case; null when none follows. */
    private static String pragmaName(List<Token> st, int at) {
        int i = pragmaNameAt(st, at);
        return i < st.size() ? st.get(i).lowerIdentifier() : null;
    }

    /** PRAGMA [schema.]name [(argument)], where name is a read-only introspection pragma and no '=' is used. */
    private static void checkReadPragma(List<Token> st, int at) throws SqlRefusal {
        int i = pragmaNameAt(st, at);
        String name = pragmaName(st, at);
        if (name == null || !READ_PRAGMAS.contains(name)) {
            throw forbidden("PRAGMA " + (name == null ? "" : name + " ") + "is not allowed; reads may use only "
                    + String.join(", ", READ_PRAGMAS.stream().sorted().toList()));
        }
        for (int j = i + 1; j < st.size(); j++) {
            if (st.get(j).isOperator("=")) throw forbidden("PRAGMA " + name + " = ... is not allowed: reads may not set pragmas");
        }
    }

    /** True when the tokens from {@code at} name only a schema ({@code main} or {@code temp}), nothing in it. */
    private static boolean isSchemaOnly(List<Token> st, int at) {
        String name = st.get(at).lowerIdentifier();
        return at + 1 == st.size() && ("main".equals(name) || "temp".equals(name));
    }

    /** The reserved prefix without its last underscore: a virtual table of this name would have its own tables under the prefix. */
    private static final String RESERVED_STEM = TenantSchema.RESERVED_PREFIX.substring(0, TenantSchema.RESERVED_PREFIX.length() - 1);

    private static void checkTokens(List<Token> st, boolean write) throws SqlRefusal {
        for (int i = 0; i < st.size(); i++) {
            Token t = st.get(i);
            String name = t.kind() == Kind.STRING ? Token.asciiLower(t.stringValue()) : t.lowerIdentifier();
            if (name == null) continue;
            // "_cairn" itself too: a virtual table of that name keeps its content in _cairn_data, _cairn_content, ...
            if (name.startsWith(TenantSchema.RESERVED_PREFIX) || name.equals(RESERVED_STEM)) {
                throw new SqlRefusal(ErrorCode.RESERVED_NAME, "names starting with " + TenantSchema.RESERVED_PREFIX + ", and " + RESERVED_STEM
                        + " itself (a virtual table's own tables are named after it), are reserved for Cairn (found " + t.text()
                        + " at offset " + t.start() + ")");
            }
            if (t.kind() == Kind.STRING) continue;
            boolean call = i + 1 < st.size() && st.get(i + 1).isOperator("(");
            if (call && FILE_FUNCTIONS.contains(name)) throw forbidden("function " + name + "() is not allowed");
            if (name.startsWith(PRAGMA_FUNCTION_PREFIX)) checkPragmaFunction(name, write);
            if (PHYSICAL_TABLES.contains(name) && !write) {
                throw forbidden(name + " is not available: it reports the file's physical pages, not the tenant's data");
            }
            if (call && BUILD_FUNCTIONS.contains(name) && !write) {
                throw forbidden("function " + name + "() is not available: it describes the server's build, not the tenant's data");
            }
            if (!write) continue;
            if (TEMP_CATALOG.contains(name)) {
                throw forbidden(name + " is not allowed in writes: the temp schema belongs to Cairn's connection, not to the tenant");
            }
            if (STATISTICS.contains(name)) {
                throw forbidden(name + " is not allowed in writes: the planner's statistics are written by ANALYZE, which every copy"
                        + " runs alike (written by hand, only the copies opening the file afterwards would read them)");
            }
            if (call && NONDETERMINISTIC_FUNCTIONS.contains(name)) {
                throw new SqlRefusal(ErrorCode.NONDETERMINISTIC, "function " + name
                        + "() is not allowed in writes: its value depends on the server, so a replay could differ");
            }
            if (call && DATE_FUNCTIONS.contains(name)) checkDateModifiers(st, i + 1, name);
            if (PHYSICAL_TABLES.contains(name)) {
                throw new SqlRefusal(ErrorCode.NONDETERMINISTIC, name
                        + " is not allowed in writes: it reports the file's physical layout, which differs between copies");
            }
            if (name.equals("temp") && i + 1 < st.size() && st.get(i + 1).isOperator(".")) {
                throw forbidden("the temp schema is not allowed in writes: temporary objects would not survive a replay");
            }
        }
    }

    /**
     * Refuses a literal 'localtime' or 'utc' modifier among a date function's own arguments at ingress,
     * so even a write sent with {@code wait=false} is told at once, and a migration version when registered
     * (run, it would fail on every tenant). A double-quoted "localtime" counts: SQLite reads a double-quoted
     * name that names no column as a string. (A modifier bound as a parameter, or read from a column, is still
     * refused when the write is applied, by the function itself.)
     */
    private static void checkDateModifiers(List<Token> st, int open, String function) throws SqlRefusal {
        int depth = 0;
        for (int j = open; j < st.size(); j++) {
            Token t = st.get(j);
            if (t.isOperator("(")) depth++;
            else if (t.isOperator(")") && --depth == 0) return;
            else if (depth == 1 && (t.kind() == Kind.STRING || t.kind() == Kind.QUOTED_ID && t.text().charAt(0) == '"')) {
                String modifier = Token.asciiLower(t.kind() == Kind.STRING ? t.stringValue() : t.identifier()).strip();
                if (modifier.equals("localtime") || modifier.equals("utc")) {
                    throw new SqlRefusal(ErrorCode.NONDETERMINISTIC, "the '" + modifier + "' modifier of " + function
                            + "() depends on the server's time zone, so a replay could differ; store and compute times in UTC");
                }
            }
        }
    }

    private static String rewriteClockKeywords(List<Token> all) {
        StringBuilder out = new StringBuilder();
        Token previous = null;
        for (Token t : all) {
            String replacement = t.kind() == Kind.WORD ? CLOCK_KEYWORDS.get(Token.asciiLower(t.text())) : null;
            boolean isName = previous != null && (previous.isOperator(".") || previous.isWord("as"));
            out.append(replacement != null && !isName ? replacement : t.text());
            if (!t.insignificant()) previous = t;
        }
        return out.toString();
    }

    private static SqlRefusal forbidden(String message) {
        return new SqlRefusal(ErrorCode.FORBIDDEN_STATEMENT, message);
    }
}
