package io.cairn.connectors.sql;

import java.sql.Connection;
import java.sql.SQLException;

/** STUB: to be replaced. Signatures are the contract. */
public final class DeterministicFunctions {
    private DeterministicFunctions() {}

    /** The clock and seed SQL on one connection sees; set before each record executes. Not thread-safe. */
    public static final class Context {
        private long seed;
        private long nowMillis;

        public void set(long seed, long nowMillis) {
            this.seed = seed;
            this.nowMillis = nowMillis;
        }

        public long seed() { return seed; }
        public long nowMillis() { return nowMillis; }
    }

    /** Overrides random(), randomblob() and the date/time functions on {@code conn}; returns the context they read. */
    public static Context install(Connection conn) throws SQLException {
        return new Context();
    }
}
