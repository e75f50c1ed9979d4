package io.cairn.tenantdb.sqlite;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import org.sqlite.Function;
import org.sqlite.core.Codes;

/**
 * The built-ins whose one call can cost the product of its arguments' lengths, overridden on a tenant's
 * connection with the same answers and their work metered ({@link StatementDeadline#addWork}): {@code LIKE}
 * and {@code GLOB} ({@link PatternMatcher}), {@code instr}, {@code replace}, and {@code trim}, {@code ltrim},
 * {@code rtrim} with a set of characters. SQLite runs each call inside one virtual-machine step, which no
 * progress handler and no {@code sqlite3_interrupt} can stop: {@code LIKE '%' || printf('%.*c', 49000, 'a') ||
 * 'b'} against a megabyte of {@code a} held the applier's thread for minutes, every tenant's writes behind
 * it, and a read's carrier past its 5 s. Here the work counts against the write's budget (the same verdict
 * on every machine: {@code statement_timeout}) and a read's clock.
 *
 * <p>Same answers: the same bytes are compared (text as its UTF-8, numbers as their text, up to the first NUL
 * where SQLite's C reads a C string), the same errors for a pattern over SQLite's 50,000-byte limit and a bad
 * ESCAPE, the same type of result. Registered deterministic and innocuous, as SQLite's are (indexes, CHECKs,
 * generated columns and triggers keep working). Not kept: SQLite's LIKE and GLOB index optimisation, which
 * only its own functions get; a {@code GLOB 'abc*'} scans instead of seeking. One thread at a time, like the
 * connection.
 */
public final class MeteredFunctions {
    /** SQLITE_INNOCUOUS (sqlite3.h): safe in schema code under trusted_schema=OFF. */
    private static final int INNOCUOUS = 0x200000;
    private static final int FLAGS = INNOCUOUS | Function.FLAG_DETERMINISTIC;
    /** SQLite's default SQLITE_LIMIT_LIKE_PATTERN_LENGTH, which Cairn does not change. */
    static final int MAX_PATTERN_BYTES = 50_000;
    /** Units metered between two looks at the budget. */
    private static final int CHUNK = 4_096;

    private MeteredFunctions() {}

    /** Overrides the functions on {@code conn}, charging {@code deadline}. */
    static void install(Connection conn, StatementDeadline deadline, int maxValueBytes) throws SQLException {
        Function.create(conn, "like", new Like(deadline, false), 2, FLAGS);
        Function.create(conn, "like", new Like(deadline, false), 3, FLAGS);
        Function.create(conn, "glob", new Like(deadline, true), 2, FLAGS);
        Function.create(conn, "instr", new Instr(deadline), 2, FLAGS);
        Function.create(conn, "replace", new Replace(deadline, maxValueBytes), 3, FLAGS);
        Function.create(conn, "trim", new Trim(deadline, true, true), 2, FLAGS);
        Function.create(conn, "ltrim", new Trim(deadline, true, false), 2, FLAGS);
        Function.create(conn, "rtrim", new Trim(deadline, false, true), 2, FLAGS);
    }

    /** Thrown inside a call when the statement is past its limit; the call then fails it. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** A function that meters its work and answers SQLite's way; one call at a time. */
    private abstract static class Metered extends Function implements PatternMatcher.Meter {
        private final StatementDeadline deadline;
        private int units;

        Metered(StatementDeadline deadline) {
            this.deadline = deadline;
        }

        @Override
        public final void tick() {
            if (++units == CHUNK) {
                units = 0;
                if (deadline.addWork(CHUNK)) throw new Stopped();
            }
        }

        /** Charges {@code n} units at once. */
        final void work(long n) {
            if (n >= CHUNK) {
                if (deadline.addWork(n)) throw new Stopped();
            } else {
                for (long i = 0; i < n; i++) tick();
            }
        }

        @Override
        protected final void xFunc() throws SQLException {
            units = 0;
            try {
                call();
                if (units > 0 && deadline.addWork(units)) stopped();
            } catch (Stopped e) {
                stopped();
            }
        }

        private void stopped() throws SQLException {
            // error(), not throw: sqlite-jdbc would prefix a thrown exception's class name to the message.
            error(SqliteErrors.STOPPED + "a LIKE, GLOB, instr, replace or trim did more work than the statement may");
        }

        abstract void call() throws SQLException;

        /**
         * The argument's bytes as SQLite's text functions read them (a number as its text, which is what SQLite's
         * blob of a number is); null for NULL. One crossing into SQLite for most values (each costs about what a
         * native LIKE does): the type is asked only when there are no bytes, NULL or empty.
         */
        final byte[] bytes(int i) throws SQLException {
            byte[] b = value_blob(i);
            if (b != null) return b;
            return value_type(i) == Codes.SQLITE_NULL ? null : new byte[0];
        }

        /** A text result of exactly these bytes. */
        final void text(byte[] utf8) throws SQLException {
            String s = RawText.decoded(utf8);
            // Well-formed UTF-8 goes through the driver's own path, which encodes it back to the same bytes.
            if (s != null || !RawText.available()) result(s != null ? s : new String(utf8, StandardCharsets.UTF_8));
            else RawText.result(this, utf8);
        }
    }

    /** like(pattern, string [, escape]) and glob(pattern, string). */
    private static final class Like extends Metered {
        private final boolean glob;

        Like(StatementDeadline deadline, boolean glob) {
            super(deadline);
            this.glob = glob;
        }

        @Override
        void call() throws SQLException {
            byte[] pattern = bytes(0);
            if (pattern != null && pattern.length > MAX_PATTERN_BYTES) {
                error("LIKE or GLOB pattern too complex");
                return;
            }
            long escape = 0;
            if (args() == 3) {
                byte[] e = bytes(2);
                if (e == null) {
                    result();
                    return;
                }
                int n = PatternMatcher.untilNul(e);
                if (characters(e, n) != 1) {
                    error("ESCAPE expression must be a single character");
                    return;
                }
                int c = e[0] & 0xff;
                escape = c < 0xc0 ? c : utf8(e, n);
            }
            byte[] string = bytes(1);
            if (pattern == null || string == null) {
                result();
                return;
            }
            boolean hit = glob ? PatternMatcher.glob(pattern, string, this) : PatternMatcher.like(pattern, string, escape, this);
            result(hit ? 1 : 0);
        }

        private static int characters(byte[] b, int n) {
            int count = 0;
            for (int i = 0; i < n; count++) {
                if ((b[i++] & 0xff) >= 0xc0) {
                    while (i < n && (b[i] & 0xc0) == 0x80) i++;
                }
            }
            return count;
        }

        private static long utf8(byte[] b, int n) {
            long r = PatternMatcher.lead(b[0] & 0xff);
            for (int i = 1; i < n && (b[i] & 0xc0) == 0x80; i++) r = ((r << 6) + (b[i] & 0x3f)) & 0xffffffffL;
            return PatternMatcher.checked(r);
        }
    }

    /** instr(haystack, needle): 1 + characters (bytes, for two blobs) before the needle's first place; 0 if none. */
    private static final class Instr extends Metered {
        Instr(StatementDeadline deadline) {
            super(deadline);
        }

        @Override
        void call() throws SQLException {
            int th = value_type(0);
            int tn = value_type(1);
            if (th == Codes.SQLITE_NULL || tn == Codes.SQLITE_NULL) {
                result();
                return;
            }
            byte[] h = bytes(0);
            byte[] n = bytes(1);
            boolean isText = !(th == Codes.SQLITE_BLOB && tn == Codes.SQLITE_BLOB);
            int found = 1;
            if (n.length > 0) {
                int at = 0;
                while (true) {
                    if (n.length > h.length - at) {
                        found = 0;
                        break;
                    }
                    tick();
                    if (h[at] == n[0]) {
                        int mismatch = Arrays.mismatch(h, at, at + n.length, n, 0, n.length);
                        work(mismatch < 0 ? n.length : mismatch);
                        if (mismatch < 0) break;
                    }
                    found++;
                    do {
                        at++;
                    } while (isText && at < h.length && (h[at] & 0xc0) == 0x80);
                }
            }
            result(found);
        }
    }

    /** replace(string, pattern, replacement): every place of pattern in string replaced; the string as text for an empty pattern. */
    private static final class Replace extends Metered {
        private final int maxValueBytes;

        Replace(StatementDeadline deadline, int maxValueBytes) {
            super(deadline);
            this.maxValueBytes = maxValueBytes;
        }

        @Override
        void call() throws SQLException {
            byte[] str = bytes(0);
            if (str == null) {
                result();
                return;
            }
            byte[] pat = bytes(1);
            if (pat == null) {
                result();
                return;
            }
            if (pat.length == 0 || pat[0] == 0) {
                text(str); // the string as text, whatever its type (SQLite 3.54)
                return;
            }
            byte[] rep = bytes(2);
            if (rep == null) {
                result();
                return;
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(str.length);
            long size = str.length;
            int i = 0;
            for (; i <= str.length - pat.length; i++) {
                tick();
                boolean here = str[i] == pat[0];
                if (here) {
                    int mismatch = Arrays.mismatch(str, i, i + pat.length, pat, 0, pat.length);
                    work(mismatch < 0 ? pat.length : mismatch);
                    here = mismatch < 0;
                }
                if (!here) {
                    out.write(str[i]);
                    continue;
                }
                size += rep.length - pat.length;
                if (size > maxValueBytes) {
                    error(SqliteErrors.TOO_BIG + "replace() would make a value larger than " + (maxValueBytes >> 20) + " MiB");
                    return;
                }
                out.write(rep, 0, rep.length);
                i += pat.length - 1;
            }
            out.write(str, i, str.length - i);
            text(out.toByteArray());
        }
    }

    /** trim, ltrim, rtrim with a set of characters (the one-argument forms, spaces only, are SQLite's own). */
    private static final class Trim extends Metered {
        private final boolean left;
        private final boolean right;

        Trim(StatementDeadline deadline, boolean left, boolean right) {
            super(deadline);
            this.left = left;
            this.right = right;
        }

        @Override
        void call() throws SQLException {
            byte[] in = bytes(0);
            if (in == null) {
                result();
                return;
            }
            byte[] set = bytes(1);
            if (set == null) {
                result();
                return;
            }
            int setEnd = PatternMatcher.untilNul(set);
            int[] starts = new int[setEnd + 1];
            int chars = 0;
            for (int z = 0; z < setEnd; chars++) {
                starts[chars] = z;
                if ((set[z++] & 0xff) >= 0xc0) {
                    while (z < setEnd && (set[z] & 0xc0) == 0x80) z++;
                }
            }
            starts[chars] = setEnd;
            int from = 0;
            int to = in.length;
            if (chars > 0) {
                if (left) {
                    while (to - from > 0) {
                        int len = matchAt(in, from, to, set, starts, chars, true);
                        if (len < 0) break;
                        from += len;
                    }
                }
                if (right) {
                    while (to - from > 0) {
                        int len = matchAt(in, from, to, set, starts, chars, false);
                        if (len < 0) break;
                        to -= len;
                    }
                }
            }
            text(Arrays.copyOfRange(in, from, to));
        }

        /** The length of the first character of the set found at the start (or end) of in[from, to); -1 for none. */
        private int matchAt(byte[] in, int from, int to, byte[] set, int[] starts, int chars, boolean atStart) {
            for (int k = 0; k < chars; k++) {
                tick();
                int len = starts[k + 1] - starts[k];
                if (len > to - from) continue;
                int at = atStart ? from : to - len;
                if (Arrays.mismatch(in, at, at + len, set, starts[k], starts[k] + len) < 0) return len;
            }
            return -1;
        }
    }

    /** Text results of exact bytes: sqlite-jdbc takes text as a Java String, which cannot carry malformed UTF-8. */
    static final class RawText {
        private static final java.lang.invoke.MethodHandle RESULT_UTF8 = rawResult();

        private RawText() {}

        static boolean available() {
            return RESULT_UTF8 != null;
        }

        /** Sets {@code f}'s result (inside its call) to text of exactly {@code utf8}, through the driver's native call. */
        static void result(Function f, byte[] utf8) throws SQLException {
            try {
                RESULT_UTF8.invoke(f, utf8);
            } catch (SQLException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new SQLException("cannot return a text result", t);
            }
        }

        /** The text, or null when the bytes are not well-formed UTF-8. */
        static String decoded(byte[] utf8) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(utf8)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        /** (Function f, byte[] utf8) that sets f's result to text of those bytes, through the driver's own native call; null if absent. */
        private static java.lang.invoke.MethodHandle rawResult() {
            try {
                var lookup = java.lang.invoke.MethodHandles.lookup();
                var fn = java.lang.invoke.MethodHandles.privateLookupIn(Function.class, lookup);
                var db = fn.findGetter(Function.class, "db", org.sqlite.core.DB.class);
                var context = fn.findGetter(Function.class, "context", long.class);
                var nativeDb = java.lang.invoke.MethodHandles.privateLookupIn(org.sqlite.core.NativeDB.class, lookup);
                var text = nativeDb.findVirtual(org.sqlite.core.NativeDB.class, "result_text_utf8",
                        java.lang.invoke.MethodType.methodType(void.class, long.class, byte[].class));
                // text(NativeDB, long, byte[]) with the receiver from f.db and the context from f.context
                var onDb = java.lang.invoke.MethodHandles.filterArguments(text, 0,
                        db.asType(java.lang.invoke.MethodType.methodType(org.sqlite.core.NativeDB.class, Function.class)));
                var both = java.lang.invoke.MethodHandles.filterArguments(onDb, 1, context);
                return java.lang.invoke.MethodHandles.permuteArguments(both,
                        java.lang.invoke.MethodType.methodType(void.class, Function.class, byte[].class), 0, 0, 1);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
