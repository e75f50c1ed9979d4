package io.cairn.tenantdb.sqlite;

import java.lang.management.ManagementFactory;

/**
 * The stack SQLite needs from the threads it runs on. Its code generator recurses once per term of a compound
 * SELECT, and the query flattener multiplies terms past the parser's limit of 500: a tenant's
 * {@code WITH c1 AS (<400 terms>), c2 AS (<400 x SELECT x FROM c1>)} overflowed the JDK's default 1 MiB on a
 * virtual thread's carrier and killed the process, every tenant with it (as a write, at every restart). Measured:
 * 500 x 500 terms need under 2 MiB; the launcher and the image give every thread 16 MiB ({@code -Xss16m}), which
 * costs address space, not memory, until used.
 */
public final class ThreadStacks {
    /** The least default thread stack, in KiB, Cairn runs tenant SQL on. */
    public static final long NEEDED_KIB = 8 * 1024;

    private ThreadStacks() {}

    /** The JVM's default stack for new threads, in KiB ({@code -Xss}, {@code -XX:ThreadStackSize}); -1 when it cannot tell. */
    public static long defaultKib() {
        try {
            return Long.parseLong(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption("ThreadStackSize").getValue());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** A sentence for an operator when the threads' stack is too small for tenant SQL; null when it is enough (or unknown). */
    public static String problem() {
        long kib = defaultKib();
        if (kib < 0 || kib >= NEEDED_KIB) return null;
        return "threads have " + kib + " KiB of stack, and a tenant's SQL can need more (a compound SELECT of compounds):"
                + " SQLite would overflow it and end the process for every tenant. Run java with -Xss16m, as ./cairn and the"
                + " image do";
    }
}
