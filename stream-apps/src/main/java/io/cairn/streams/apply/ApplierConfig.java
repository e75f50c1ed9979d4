package io.cairn.streams.apply;

import io.cairn.connectors.keys.TenantKeys;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.topics.seal.Keyring;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How one applier instance runs.
 *
 * @param hotDir the hot volume; tenant files live under {@code <hotDir>/tenants}
 * @param applicationId Kafka Streams application id (the consumer group); primary and replicas differ
 * @param role PRIMARY emits outcomes and state; REPLICA only applies
 * @param streamThreads Kafka Streams threads. Default 1: on 2 cores one thread applying while the edge
 *     serves keeps both busy.
 * @param maxOpenTenants bound on open tenant connections (each holds 3 file descriptors: db, wal,
 *     shm); past it, least-recently-used ones are closed first, and any unused for 10 s is closed
 *     anyway. Default 1,024: the active set of a busy applier stays open (raise the process's file
 *     limit to at least 4x this), while idle tenants hold nothing.
 * @param groupCommitMaxRecords records of a partition applied in one SQLite transaction at most
 *     before it commits; a commit also happens at the end of every poll loop. Default 1,000.
 * @param maxResultRows rows a write statement (e.g. {@code RETURNING}) may return. Default 1,000.
 * @param limits per-connection limits: size quota, statement time limit, SQL length
 * @param heavyLaneThreads threads of the heavy lane, where records needing more than the quick budget and
 *     every migration run (a fleet run sends one per tenant). Default: half the machine's cores, at least 1.
 *     More finish a fleet run sooner and take more CPU from the partitions' other tenants meanwhile:
 *     2 instead of 1 on 2 cores ran a 10,000-tenant run in 40 s instead of 62 s, and another tenant's
 *     single writes during it at p50 103 ms instead of 35 ms (bench/RESULTS.md).
 * @param instanceId Kafka static membership id ({@code group.instance.id}), or null (the default) for
 *     dynamic membership. With one, a restarted instance takes its partitions back at once instead of
 *     waiting for the group to evict its crashed predecessor after the session timeout; each instance of
 *     an application needs its own.
 */
public record ApplierConfig(
        Path hotDir, String applicationId, Role role, int streamThreads, int maxOpenTenants,
        int groupCommitMaxRecords, int maxResultRows, SqliteLimits limits, String instanceId, TenantKeys keys, int heavyLaneThreads) {

    public enum Role { PRIMARY, REPLICA }

    public ApplierConfig {
        Objects.requireNonNull(hotDir, "hotDir");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(limits, "limits");
        if (streamThreads < 1) throw new IllegalArgumentException("streamThreads must be >= 1");
        if (maxOpenTenants < 1) throw new IllegalArgumentException("maxOpenTenants must be >= 1");
        if (groupCommitMaxRecords < 1) throw new IllegalArgumentException("groupCommitMaxRecords must be >= 1");
        if (maxResultRows < 0) throw new IllegalArgumentException("maxResultRows must be >= 0");
        if (instanceId != null && instanceId.isBlank()) throw new IllegalArgumentException("instanceId must not be blank");
        if (heavyLaneThreads < 1) throw new IllegalArgumentException("heavyLaneThreads must be >= 1");
    }

    /** Half the machine's cores, at least 1. */
    private static int defaultHeavyLaneThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** Dynamic group membership (no instance id). */
    public ApplierConfig(Path hotDir, String applicationId, Role role, int streamThreads, int maxOpenTenants,
            int groupCommitMaxRecords, int maxResultRows, SqliteLimits limits) {
        this(hotDir, applicationId, role, streamThreads, maxOpenTenants, groupCommitMaxRecords, maxResultRows, limits, null, null,
                defaultHeavyLaneThreads());
    }

    /** The primary applier's defaults for a hot directory. */
    public static ApplierConfig primary(Path hotDir) {
        return new ApplierConfig(hotDir, "cairn-applier", Role.PRIMARY, 1, 1_024, 1_000, 1_000, SqliteLimits.WRITE_DEFAULTS);
    }

    public ApplierConfig withRole(Role newRole, String newApplicationId, Path newHotDir) {
        return new ApplierConfig(newHotDir, newApplicationId, newRole, streamThreads, maxOpenTenants,
                groupCommitMaxRecords, maxResultRows, limits, instanceId, keys, heavyLaneThreads);
    }

    public ApplierConfig withInstanceId(String newInstanceId) {
        return new ApplierConfig(hotDir, applicationId, role, streamThreads, maxOpenTenants,
                groupCommitMaxRecords, maxResultRows, limits, newInstanceId, keys, heavyLaneThreads);
    }

    public ApplierConfig withHeavyLaneThreads(int threads) {
        return new ApplierConfig(hotDir, applicationId, role, streamThreads, maxOpenTenants,
                groupCommitMaxRecords, maxResultRows, limits, instanceId, keys, threads);
    }

    /**
     * With tenants' data keys: sealed records are opened with them, outcomes sealed, and a deleted
     * tenant's keys destroyed (crypto-shredding). Null: no encryption (a sealed record then cannot apply).
     */
    public ApplierConfig withKeys(TenantKeys newKeys) {
        return new ApplierConfig(hotDir, applicationId, role, streamThreads, maxOpenTenants,
                groupCommitMaxRecords, maxResultRows, limits, instanceId, newKeys, heavyLaneThreads);
    }

    /** What opens sealed records: the keys, or {@link Keyring#NONE}. */
    Keyring keyring() {
        return keys == null ? Keyring.NONE : keys;
    }
}
