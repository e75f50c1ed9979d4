package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.TopicCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every hot tenant recoverable from its own snapshots, asking the {@link SnapshotRequests} (2 at a time,
 * like any other) for the snapshots a tenant lacks:
 * <ul>
 *   <li>a tenant restored, forked or imported after its newest snapshot ({@code restored_offset} in its file):
 *       the snapshot asked for at once when the {@code RestoreFrom} was applied is asked in memory, and is lost
 *       when the applier stops first or the store stays out of reach past its retries. A fork needs it most: after
 *       its source's delete nothing else can build it again;</li>
 *   <li>when {@code cairn.tenant-log} has a finite retention R, a tenant whose newest snapshot (or, without one,
 *       its creation) is older than R/2, so the records a heal replays after its newest snapshot are always still
 *       in the log.</li>
 * </ul>
 * Cold tenants need nothing: their snapshot holds all their data and their thaw reads no log. It looks a few
 * seconds after the applier starts, then every R/10 (at least every second, at most every hour; every hour
 * while the retention is unlimited), reading each tenant file's own tables.
 */
final class RetentionGuard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionGuard.class);

    /** The log's retention now: empty when unlimited. */
    interface Retention {
        OptionalLong millis() throws Exception;
    }

    private final TenantFiles files;
    private final SnapshotRequests snapshots;
    private final Retention retention;
    private final LongSupplier clock;
    private final Counter requested;
    private final Counter restored;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cairn-retention-guard").factory());

    RetentionGuard(TenantFiles files, SnapshotRequests snapshots, Retention retention, LongSupplier clock, MeterRegistry registry) {
        this.files = files;
        this.snapshots = snapshots;
        this.retention = retention;
        this.clock = clock;
        this.requested = Counter.builder("cairn.snapshots.retention")
                .description("snapshots the retention guard asked for: the tenant's newest was older than half the log's retention")
                .register(registry);
        this.restored = Counter.builder("cairn.snapshots.restored")
                .description("snapshots the sweep asked for: the tenant was restored, forked or imported after its newest snapshot")
                .register(registry);
    }

    /** The retention of {@code cairn.tenant-log} as the broker has it. */
    static Retention ofTenantLog(Map<String, Object> kafkaClientProps) {
        return () -> {
            try (Admin admin = Admin.create(kafkaClientProps)) {
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TopicCatalog.TENANT_LOG);
                Config c = admin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic);
                long ms = Long.parseLong(c.get(TopicConfig.RETENTION_MS_CONFIG).value());
                return ms < 0 ? OptionalLong.empty() : OptionalLong.of(ms);
            }
        };
    }

    /** Starts looking, first after {@code firstAfter}; then every R/10 (every hour while the retention is unlimited). */
    RetentionGuard start(Duration firstAfter) {
        timer.schedule(this::sweepAndReschedule, firstAfter.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void sweepAndReschedule() {
        long next = Duration.ofHours(1).toMillis();
        try {
            OptionalLong r = retention.millis();
            if (r.isPresent()) next = Math.clamp(r.getAsLong() / 10, 1_000, Duration.ofHours(1).toMillis());
            int n = sweep(r);
            if (n > 0) log.info("snapshot sweep: asked for {} snapshots (log retention {})", n, r.isPresent() ? r.getAsLong() + " ms" : "unlimited");
        } catch (Exception e) {
            log.warn("snapshot sweep failed ({}); trying again in {} ms", e.toString(), next);
        } finally {
            if (!timer.isShutdown()) timer.schedule(this::sweepAndReschedule, next, TimeUnit.MILLISECONDS);
        }
    }

    /** One pass over the hot tenants, with the log's retention (empty: unlimited); returns how many snapshots it asked for. */
    int sweep(OptionalLong retentionMs) {
        int n = 0;
        for (String tenant : files.list()) {
            try {
                Due due = due(tenant, retentionMs);
                if (due == Due.NOT) continue;
                snapshots.request(tenant);
                (due == Due.RESTORED ? restored : requested).increment();
                n++;
            } catch (SQLException e) {
                log.debug("snapshot sweep: tenant {} not checked ({})", tenant, e.toString());
            }
        }
        return n;
    }

    /** Why a tenant needs a snapshot now, if it does. */
    enum Due { NOT, RESTORED, RETENTION }

    /** Whether {@code tenant}'s file needs a snapshot: restored after its newest one, or its newest older than half the retention. */
    Due due(String tenant, OptionalLong retentionMs) throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, files.database(tenant), SqliteLimits.READ_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            long newestOffset = -1;
            long newestMs = -1;
            try (ResultSet rs = s.executeQuery(TenantSchema.NEWEST_SNAPSHOT)) {
                if (rs.next()) {
                    newestOffset = rs.getLong(1);
                    newestMs = rs.getLong(6);
                }
            } catch (SQLException noTable) {
                // a file from before snapshots: none
            }
            if (restoredOffset(s) > newestOffset) return Due.RESTORED;
            if (retentionMs.isEmpty()) return Due.NOT;
            if (newestMs < 0) {
                try (ResultSet rs = s.executeQuery("SELECT created_at_ms FROM _cairn_tenant WHERE id = 0")) {
                    newestMs = rs.next() ? rs.getLong(1) : Long.MAX_VALUE; // without a snapshot, its creation counts
                }
            }
            return newestMs < clock.getAsLong() - retentionMs.getAsLong() / 2 ? Due.RETENTION : Due.NOT;
        }
    }

    /** The offset of the tenant's last restore, fork or import; -1 for none, or a file from before the column (opened by no applier since). */
    private static long restoredOffset(Statement s) {
        try (ResultSet rs = s.executeQuery(TenantSchema.RESTORED_OFFSET)) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException noColumn) {
            return -1;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
