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
 * Keeps every hot tenant recoverable when {@code cairn.tenant-log} has a finite retention R: any tenant
 * whose newest snapshot (or, without one, its creation) is older than R/2 is snapshotted, so the records a
 * heal replays after its newest snapshot are always still in the log. Cold tenants need nothing: their
 * snapshot holds all their data and their thaw reads no log. It looks every R/10 (at least every second,
 * at most every hour), reading each tenant file's own tables; with an unlimited retention it does nothing.
 * Snapshots go through the {@link SnapshotRequests} like any other (2 at a time).
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

    /** Starts looking, first after {@code firstAfter}; then every R/10 (every hour while retention is unlimited). */
    RetentionGuard start(Duration firstAfter) {
        timer.schedule(this::sweepAndReschedule, firstAfter.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void sweepAndReschedule() {
        long next = Duration.ofHours(1).toMillis();
        try {
            OptionalLong r = retention.millis();
            if (r.isPresent()) {
                next = Math.clamp(r.getAsLong() / 10, 1_000, Duration.ofHours(1).toMillis());
                int n = sweep(r.getAsLong());
                if (n > 0) log.info("retention guard: asked for {} snapshots (log retention {} ms)", n, r.getAsLong());
            }
        } catch (Exception e) {
            log.warn("retention guard: sweep failed ({}); trying again in {} ms", e.toString(), next);
        } finally {
            if (!timer.isShutdown()) timer.schedule(this::sweepAndReschedule, next, TimeUnit.MILLISECONDS);
        }
    }

    /** One pass over the hot tenants; returns how many snapshots it asked for. */
    int sweep(long retentionMs) {
        long due = clock.getAsLong() - retentionMs / 2;
        int n = 0;
        for (String tenant : files.list()) {
            try {
                if (newestPointMs(tenant) < due) {
                    snapshots.request(tenant);
                    requested.increment();
                    n++;
                }
            } catch (SQLException e) {
                log.debug("retention guard: tenant {} not checked ({})", tenant, e.toString());
            }
        }
        return n;
    }

    /** When the tenant's newest snapshot was taken, else when it was created. */
    private long newestPointMs(String tenant) throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, files.database(tenant), SqliteLimits.READ_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            try (ResultSet rs = s.executeQuery(TenantSchema.NEWEST_SNAPSHOT)) {
                if (rs.next()) return rs.getLong(6);
            } catch (SQLException noTable) {
                // a file from before snapshots: its creation counts
            }
            try (ResultSet rs = s.executeQuery("SELECT created_at_ms FROM _cairn_tenant WHERE id = 0")) {
                return rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
