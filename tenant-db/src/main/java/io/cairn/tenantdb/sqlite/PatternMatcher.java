package io.cairn.tenantdb.sqlite;

/**
 * SQLite's LIKE and GLOB matching, rebuilt over the same UTF-8 bytes with the same answers, so that a
 * match can be metered ({@link MeteredFunctions}): SQLite's own runs inside one virtual-machine step, and
 * {@code '%aaa…ab'} against a long text costs the product of the two lengths there, unseen by any limit.
 *
 * <p>The rules it keeps (SQLite's {@code patternCompare}): text is read up to its first NUL byte, one UTF-8
 * character at a time, a malformed sequence read as SQLite reads it; {@code matchAll} ({@code %}, {@code *})
 * skips any run and the search then tries each place the next character occurs, and gives up for good
 * when the rest of the pattern fails at every one of them (so no backtracking beyond the last wildcard,
 * which is what keeps SQLite's match linear in the pattern's wildcards); LIKE folds ASCII letters only;
 * GLOB's {@code [...]} takes ranges, {@code ^} and a leading {@code ]}. Not thread-safe: one per call.
 */
final class PatternMatcher {
    static final int MATCH = 0;
    static final int NO_MATCH = 1;
    /** The rest of the string can never match: every caller up the chain gives up too. */
    static final int NEVER = 2;

    /** What one character of the string or pattern costs, in metered units. */
    interface Meter {
        void tick();
    }

    private final byte[] p;
    private final int pn;
    private final byte[] s;
    private final int sn;
    private final long matchAll;
    private final long matchOne;
    /** The escape (LIKE) or the class opener {@code [} (GLOB); 0 for none. */
    private final long matchOther;
    private final boolean glob;
    private final boolean noCase;
    private final Meter meter;

    private int pi;
    private int si;
    /** Where the pattern stood after its last escaped character, -1 for none (a {@code _} just escaped is literal). */
    private int escapedAt = -1;

    /** The one place the match may go back to: the last wildcard's search, live until it is exhausted. */
    private int frame;
    private static final int NONE = 0;
    private static final int ASCII = 1;
    private static final int WIDE = 2;
    private static final int CLASS = 3;
    private int framePi;
    private int frameSi;
    private int stop0;
    private int stop1;
    private long wanted;
    private boolean classTried;

    private PatternMatcher(byte[] pattern, byte[] string, long matchAll, long matchOne, long matchOther, boolean glob, boolean noCase,
            Meter meter) {
        this.p = pattern;
        this.pn = untilNul(pattern);
        this.s = string;
        this.sn = untilNul(string);
        this.matchAll = matchAll;
        this.matchOne = matchOne;
        this.matchOther = matchOther;
        this.glob = glob;
        this.noCase = noCase;
        this.meter = meter;
    }

    /** {@code string LIKE pattern [ESCAPE escape]}; {@code escape} 0 for none. */
    static boolean like(byte[] pattern, byte[] string, long escape, Meter meter) {
        long all = escape == '%' ? 0 : '%';
        long one = escape == '_' ? 0 : '_';
        return new PatternMatcher(pattern, string, all, one, escape, false, true, meter).run() == MATCH;
    }

    /** {@code string GLOB pattern}. */
    static boolean glob(byte[] pattern, byte[] string, Meter meter) {
        return new PatternMatcher(pattern, string, '*', '?', '[', true, false, meter).run() == MATCH;
    }

    private int run() {
        while (true) {
            int r = compare();
            if (r != NO_MATCH) return r;
            if (!nextTry()) return frame == NONE ? NO_MATCH : NEVER;
        }
    }

    /** One pass of the pattern from (pi, si), as one call of SQLite's patternCompare up to its first recursion. */
    private int compare() {
        long c;
        while ((c = readPattern()) != 0) {
            if (c == matchAll) {
                while (true) {
                    c = readPattern();
                    if (c == matchAll) continue;
                    if (c == matchOne && matchOne != 0) {
                        if (readString() == 0) return NEVER;
                        continue;
                    }
                    break;
                }
                if (c == 0) return MATCH;
                if (c == matchOther) {
                    if (!glob) {
                        c = readPattern();
                        if (c == 0) return NEVER;
                    } else {
                        // "[...]" right after the wildcard: the class is tried at every place in turn.
                        frame = CLASS;
                        framePi = pi - 1;
                        frameSi = si;
                        classTried = false;
                        return NO_MATCH;
                    }
                }
                framePi = pi;
                frameSi = si;
                if (c < 0x80) {
                    frame = ASCII;
                    stop0 = noCase ? upper((int) c) : (int) c;
                    stop1 = noCase ? lower((int) c) : (int) c;
                } else {
                    frame = WIDE;
                    wanted = c;
                }
                return NO_MATCH;
            }
            if (c == matchOther) {
                if (!glob) {
                    c = readPattern();
                    if (c == 0) return NO_MATCH;
                    escapedAt = pi;
                } else {
                    if (!inClass()) return NO_MATCH;
                    continue;
                }
            }
            long c2 = readString();
            if (c == c2) continue;
            if (noCase && c < 0x80 && c2 < 0x80 && lower((int) c) == lower((int) c2)) continue;
            if (c == matchOne && pi != escapedAt && c2 != 0) continue;
            return NO_MATCH;
        }
        return si >= sn ? MATCH : NO_MATCH;
    }

    /** Moves to the wildcard's next place to try the rest of the pattern at; false when there is none. */
    private boolean nextTry() {
        switch (frame) {
            case ASCII -> {
                while (frameSi < sn && s[frameSi] != stop0 && s[frameSi] != stop1) {
                    meter.tick();
                    frameSi++;
                }
                if (frameSi >= sn) return false;
                frameSi++;
            }
            case WIDE -> {
                while (true) {
                    si = frameSi;
                    long c2 = readString();
                    frameSi = si;
                    if (c2 == 0) return false;
                    if (c2 == wanted) break;
                }
            }
            case CLASS -> {
                if (classTried) {
                    if (frameSi < sn && (s[frameSi++] & 0xff) >= 0xc0) {
                        while (frameSi < sn && (s[frameSi] & 0xc0) == 0x80) frameSi++;
                    }
                }
                classTried = true;
                meter.tick();
                if (frameSi >= sn) return false;
            }
            default -> {
                return false;
            }
        }
        pi = framePi;
        si = frameSi;
        escapedAt = -1;
        return true;
    }

    /** GLOB's {@code [...]} against the string's next character; the pattern is left past the class. */
    private boolean inClass() {
        long c = readString();
        if (c == 0) return false;
        boolean seen = false;
        boolean invert = false;
        long prior = 0;
        long c2 = readPattern();
        if (c2 == '^') {
            invert = true;
            c2 = readPattern();
        }
        if (c2 == ']') {
            if (c == ']') seen = true;
            c2 = readPattern();
        }
        while (c2 != 0 && c2 != ']') {
            if (c2 == '-' && peekPattern() != ']' && peekPattern() != 0 && prior > 0) {
                c2 = readPattern();
                if (c >= prior && c <= c2) seen = true;
                prior = 0;
            } else {
                if (c == c2) seen = true;
                prior = c2;
            }
            c2 = readPattern();
        }
        return c2 != 0 && seen != invert;
    }

    private int peekPattern() {
        return pi < pn ? p[pi] & 0xff : 0;
    }

    private long readPattern() {
        meter.tick();
        if (pi >= pn) return 0;
        int c = p[pi++] & 0xff;
        if (c < 0xc0) return c;
        long r = lead(c);
        while (pi < pn && (p[pi] & 0xc0) == 0x80) r = ((r << 6) + (p[pi++] & 0x3f)) & 0xffffffffL;
        return checked(r);
    }

    private long readString() {
        meter.tick();
        if (si >= sn) return 0;
        int c = s[si++] & 0xff;
        if (c < 0xc0) return c;
        long r = lead(c);
        while (si < sn && (s[si] & 0xc0) == 0x80) r = ((r << 6) + (s[si++] & 0x3f)) & 0xffffffffL;
        return checked(r);
    }

    /** The bits a UTF-8 lead byte carries, as SQLite's table has them (bytes past 0xfd carry none). */
    static long lead(int c) {
        if (c < 0xe0) return c - 0xc0;
        if (c < 0xf0) return c - 0xe0;
        if (c < 0xf8) return c - 0xf0;
        if (c < 0xfc) return c - 0xf8;
        if (c < 0xfe) return c - 0xfc;
        return 0;
    }

    /** An overlong form, a surrogate or a non-character reads as U+FFFD, as in SQLite. */
    static long checked(long c) {
        if (c < 0x80 || (c & 0xFFFFF800L) == 0xD800 || (c & 0xFFFFFFFEL) == 0xFFFE) return 0xFFFD;
        return c;
    }

    static int untilNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) return i;
        }
        return b.length;
    }

    private static int upper(int c) {
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
