package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sqlite.SqliteErrors;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.sqlite.Function;
import org.sqlite.core.Codes;

/**
 * Makes SQL on one connection see the record's seed and time instead of the machine's, so that replicas
 * and recovery, which re-execute the same records, compute the same values (DESIGN.md, Determinism).
 *
 * <p>{@link #install} overrides, on that connection only:
 * <ul>
 *   <li>{@code random()} and {@code randomblob(N)}: drawn from a {@link SplittableRandom} re-seeded with
 *       the record's seed by {@link Context#set}, so the same (seed, sequence of calls) gives the same values.
 *       Same ranges as SQLite ({@code random()} never returns Long.MIN_VALUE; N &lt; 1 means 1).
 *       {@code randomblob} refuses more than {@link #MAX_RANDOMBLOB_BYTES}: the bytes are built on the
 *       Java heap. That ceiling is part of the replay contract: raising it later changes the outcome of
 *       old records that hit it.</li>
 *   <li>{@code date}, {@code time}, {@code datetime}, {@code julianday}, {@code unixepoch},
 *       {@code strftime}, {@code timediff}, and {@code current_date/current_time/current_timestamp} (the
 *       functions SQLite compiles the CURRENT_* keywords into; {@link StatementPolicy} also rewrites the
 *       keywords): a time-value of 'now' (any case), or 'subsec'/'subsecond' (which SQLite also reads as
 *       now), or no time-value at all, means {@link Context#nowMillis()}. Everything else is answered by
 *       the real built-in ({@link BuiltinDelegate}), so formats, modifiers and results are SQLite's.</li>
 *   <li>The modifiers 'localtime' and 'utc' depend on the machine's time zone: the statement fails with
 *       an SQLException whose SQLite message ({@link SqliteErrors#message}) starts with {@value #NONDETERMINISTIC} and names the modifier.
 *       The applier maps it to code {@code nondeterministic} ({@link #isNondeterministic}).</li>
 * </ul>
 *
 * <p>The overrides are registered innocuous (so they work in DEFAULTs, triggers and views under
 * {@code trusted_schema=OFF}); the date functions are also registered deterministic, so that
 * {@code date(ts)} keeps working in index expressions and generated columns. A consequence: SQLite no
 * longer refuses 'now' in those places itself, where it would be computed again at another record's time
 * (an index entry looked for under another key, a generated column no read connection can compute): the
 * write policy refuses the clock written there instead ({@link SchemaClock}). {@code random()} is not
 * deterministic-flagged, so it is still evaluated per row and still refused in indexes.
 *
 * <p>Cost: each date call crosses JNI twice (into Java, then into the private connection); see
 * connectors/DESIGN.md for the measured figure. Like its connection, one thread at a time.
 */
public final class DeterministicFunctions {
    /** Prefix of the SQLite message of a call refused because it depends on the machine. */
    public static final String NONDETERMINISTIC = "nondeterministic:";
    /** Largest {@code randomblob} accepted. */
    public static final int MAX_RANDOMBLOB_BYTES = 1 << 20;
    /** SQLITE_INNOCUOUS (sqlite3.h): safe in schema code under trusted_schema=OFF. sqlite-jdbc has no constant. */
    private static final int INNOCUOUS = 0x200000;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private DeterministicFunctions() {}

    /** The clock and seed SQL on one connection sees; set before each record executes. Not thread-safe. */
    public static final class Context {
        private long seed;
        private long nowMillis;
        /** Made from the seed and the time when SQL first asks for them: most records ask for neither. */
        private SplittableRandom random;
        private String nowText;
        private boolean consulted;

        /** Starts a record: a fresh random sequence from {@code seed}, and 'now' is {@code nowMillis} (Unix ms, UTC). */
        public void set(long seed, long nowMillis) {
            this.consulted = false;
            this.seed = seed;
            this.nowMillis = nowMillis;
            this.random = null;
            this.nowText = null;
        }

        public long seed() { return seed; }
        public long nowMillis() { return nowMillis; }
        /**
         * Whether SQL read 'now' or a random value since the last {@link #set}: when it did not, what the
         * statements did depends on neither the record's time nor its seed.
         */
        public boolean consulted() { return consulted; }

        SplittableRandom random() {
            consulted = true;
            if (random == null) random = new SplittableRandom(seed);
            return random;
        }

        /** 'now' as a time-value SQLite parses to the same millisecond: 'YYYY-MM-DD HH:MM:SS.SSS'. */
        String nowText() {
            consulted = true;
            if (nowText == null) nowText = ISO.format(Instant.ofEpochMilli(nowMillis));
            return nowText;
        }
    }

    /**
     * Overrides random(), randomblob() and the date/time functions on {@code conn} (a sqlite-jdbc
     * connection); returns the context they read. Call once per connection, before any record runs.
     */
    public static Context install(Connection conn) throws SQLException {
        Context ctx = new Context();
        Function.create(conn, "random", new RandomFunction(ctx), 0, INNOCUOUS);
        Function.create(conn, "randomblob", new RandomBlobFunction(ctx), 1, INNOCUOUS);
        int flags = INNOCUOUS | Function.FLAG_DETERMINISTIC;
        for (String name : new String[] {"date", "time", "datetime", "julianday", "unixepoch"}) {
            Function.create(conn, name, new DateFunction(name, 0, ctx), -1, flags);
        }
        Function.create(conn, "strftime", new DateFunction("strftime", 1, ctx), -1, flags);
        Function.create(conn, "timediff", new DateFunction("timediff", 0, ctx), 2, flags);
        Function.create(conn, "current_timestamp", new DateFunction("datetime", 0, ctx), 0, flags);
        Function.create(conn, "current_date", new DateFunction("date", 0, ctx), 0, flags);
        Function.create(conn, "current_time", new DateFunction("time", 0, ctx), 0, flags);
        return ctx;
    }

    /** Whether {@code e} is a call refused by these overrides because it depends on the machine (code {@code nondeterministic}). */
    public static boolean isNondeterministic(SQLException e) {
        return SqliteErrors.message(e).startsWith(NONDETERMINISTIC);
    }

    private static final class RandomFunction extends Function {
        private final Context ctx;

        RandomFunction(Context ctx) { this.ctx = ctx; }

        @Override
        protected void xFunc() throws SQLException {
            long r = ctx.random().nextLong();
            // SQLite's random(): negative values are folded so that Long.MIN_VALUE never comes out.
            result(r < 0 ? -(r & Long.MAX_VALUE) : r);
        }
    }

    private static final class RandomBlobFunction extends Function {
        private final Context ctx;

        RandomBlobFunction(Context ctx) { this.ctx = ctx; }

        @Override
        protected void xFunc() throws SQLException {
            long n = Math.max(1, value_long(0));
            if (n > MAX_RANDOMBLOB_BYTES) {
                error(SqliteErrors.TOO_BIG + "randomblob() is limited to " + MAX_RANDOMBLOB_BYTES + " bytes");
                return;
            }
            byte[] b = new byte[(int) n];
            ctx.random().nextBytes(b);
            result(b);
        }
    }

    /** A date/time built-in whose time-value(s) start at argument {@code timeArg}; for timediff both arguments are time-values. */
    private static final class DateFunction extends Function {
        private final String builtin;
        private final int timeArg;
        private final Context ctx;

        DateFunction(String builtin, int timeArg, Context ctx) {
            this.builtin = builtin;
            this.timeArg = timeArg;
            this.ctx = ctx;
        }

        @Override
        protected void xFunc() throws SQLException {
            int n = args();
            boolean impliedNow = n == timeArg && (timeArg == 0 || builtin.equals("strftime"));
            Object[] in = new Object[impliedNow ? n + 1 : n];
            boolean subsec = false;
            for (int i = 0; i < n; i++) in[i] = value(i);
            if (impliedNow) in[n] = ctx.nowText();
            int lastTimeArg = builtin.equals("timediff") ? n - 1 : timeArg;
            for (int i = timeArg; i <= lastTimeArg && i < n; i++) {
                String word = asWord(in[i]);
                if (word == null) continue;
                if (word.equals("now")) in[i] = ctx.nowText();
                if (word.equals("subsec") || word.equals("subsecond")) {
                    in[i] = ctx.nowText();
                    subsec = true;
                }
            }
            for (int i = lastTimeArg + 1; i < n; i++) {
                String word = asWord(in[i]);
                if ("localtime".equals(word) || "utc".equals(word)) {
                    // error(), not throw: sqlite-jdbc would prefix a thrown exception's class name to SQLite's message.
                    error(NONDETERMINISTIC + " the '" + word + "' modifier of " + builtin
                            + "() depends on the server's time zone; store and compute times in UTC");
                    return;
                }
            }
            if (subsec) {
                // SQLite reads a time-value of 'subsec' as now plus the 'subsec' flag; the modifier sets the same flag.
                Object[] more = java.util.Arrays.copyOf(in, in.length + 1);
                more[in.length] = "subsec";
                in = more;
            }
            switch (BuiltinDelegate.current().call(builtin, in)) {
                case null -> result();
                case Long v -> result(v);
                case Double v -> result(v);
                case String v -> result(v);
                case byte[] v -> result(v);
                default -> throw new SQLException("unexpected result type from " + builtin + "()");
            }
        }

        private Object value(int i) throws SQLException {
            return switch (value_type(i)) {
                case Codes.SQLITE_INTEGER -> value_long(i);
                case Codes.SQLITE_FLOAT -> value_double(i);
                case Codes.SQLITE_BLOB -> value_blob(i);
                case Codes.SQLITE_NULL -> null;
                default -> value_text(i);
            };
        }

        /**
         * A text or blob argument as SQLite's C code reads it for keyword comparison: up to the first NUL,
         * ASCII lower-cased. Null for numbers and NULL, which are never keywords.
         */
        private static String asWord(Object v) {
            String s = v instanceof String str ? str : v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : null;
            if (s == null) return null;
            int nul = s.indexOf('\0');
            return Token.asciiLower(nul < 0 ? s : s.substring(0, nul));
        }
    }
}
