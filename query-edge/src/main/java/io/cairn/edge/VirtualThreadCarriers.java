package io.cairn.edge;

/**
 * How many carrier threads run the JVM's virtual threads (the edge serves every request on one).
 *
 * <p>A virtual thread inside native code (SQLite executing a statement) pins its carrier, and the JVM
 * starts only as many carriers as cores: on a 2-core machine two long reads held every request of every
 * tenant (reads took 9 s, writes 35 s). {@link #configure} asks for more carriers than cores (at least 8,
 * four per core), so that the carriers a tenant may pin ({@link io.cairn.edge.read.ReadTurns}: half of
 * them) leave the others for everyone else. Extra carriers cost nothing while idle.
 */
public final class VirtualThreadCarriers {
    /** The JDK's setting, read once when the first virtual thread starts. */
    static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

    private VirtualThreadCarriers() {}

    /**
     * Sets the carrier count unless the JVM was given one ({@code -Djdk.virtualThreadScheduler.parallelism}).
     * Call first thing in {@code main}, before any virtual thread exists: later it changes nothing.
     */
    public static void configure() {
        if (System.getProperty(PARALLELISM) == null) {
            System.setProperty(PARALLELISM, Integer.toString(Math.max(8, 4 * Runtime.getRuntime().availableProcessors())));
        }
    }

    /** The carrier count in effect (the setting, else the JDK's default: one per core). */
    public static int count() {
        Integer set = Integer.getInteger(PARALLELISM);
        return set != null && set > 0 ? set : Runtime.getRuntime().availableProcessors();
    }
}
