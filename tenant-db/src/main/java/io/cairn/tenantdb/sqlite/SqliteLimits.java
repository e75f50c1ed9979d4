package io.cairn.tenantdb.sqlite;

import java.time.Duration;

/**
 * Per-connection limits every tenant connection is opened with.
 *
 * @param maxDatabaseBytes quota on a tenant's file; a write past it fails with SQLITE_FULL. Default 1 GiB.
 * @param statementTimeout how long one statement may run before it is interrupted. Default 1 s for
 *     writes (a write holds its partition), 5 s for reads.
 * @param maxSqlLength longest SQL text accepted. Default 100,000 bytes of UTF-8, SQLite's measure (as Cloudflare D1).
 * @param minFreeTempBytes a statement on the clock ({@link TenantConnection#startClock}) is stopped when less
 *     than this is free where SQLite keeps temporary files ({@link TempSpace}); 0: never. Default 1 GiB, for
 *     reads and writes: one tenant's sort or DISTINCT over big values cannot fill the disk every tenant
 *     needs. A read so stopped answers 503; a write is not failed (its outcome must not depend on the
 *     machine) but waits, like a write on a full volume, until the space is there.
 */
public record SqliteLimits(long maxDatabaseBytes, Duration statementTimeout, int maxSqlLength, long minFreeTempBytes) {
    public static final SqliteLimits WRITE_DEFAULTS = new SqliteLimits(1L << 30, Duration.ofSeconds(1), 100_000, 1L << 30);
    public static final SqliteLimits READ_DEFAULTS = new SqliteLimits(1L << 30, Duration.ofSeconds(5), 100_000, 1L << 30);

    public SqliteLimits {
        if (maxDatabaseBytes < 1 << 20) throw new IllegalArgumentException("maxDatabaseBytes must be at least 1 MiB");
        if (statementTimeout.isNegative() || statementTimeout.isZero()) throw new IllegalArgumentException("statementTimeout must be positive");
        if (maxSqlLength < 1) throw new IllegalArgumentException("maxSqlLength must be positive");
        if (minFreeTempBytes < 0) throw new IllegalArgumentException("minFreeTempBytes must not be negative");
    }

    public SqliteLimits withStatementTimeout(Duration timeout) {
        return new SqliteLimits(maxDatabaseBytes, timeout, maxSqlLength, minFreeTempBytes);
    }

    public SqliteLimits withMinFreeTempBytes(long bytes) {
        return new SqliteLimits(maxDatabaseBytes, statementTimeout, maxSqlLength, bytes);
    }
}
