package io.cairn.streams.tiering;

import io.cairn.connectors.metadata.IdlePage;
import io.cairn.connectors.metadata.IdleTenant;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.metadata.MetadataStoreException;
import io.cairn.streams.kafka.LogAppender;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.Tier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cold-storage manager: every {@link TieringConfig#every()} it asks the metadata store for hot
 * tenants whose last access is older than {@link TieringConfig#coldAfter()} (an index query, never a
 * scan) and appends a {@code Freeze} record to each one's log, at most {@link
 * TieringConfig#freezesPerSecond()} a second. The applier does the rest, in order with the tenant's
 * writes. A tenant asked is not asked again for {@link #ASK_AGAIN_AFTER} (its freeze is under way; if it
 * failed, say S3 was down, the next round after that asks again). Runs on one thread of its own; safe
 * to run in several processes (a second Freeze of a tenant changes nothing).
 */
public final class TieringJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TieringJob.class);
    static final Duration ASK_AGAIN_AFTER = Duration.ofMinutes(10);
    private static final int PAGE = 500;

    private final MetadataStore store;
    private final TieringConfig config;
    private final LogAppender tenantLog;
    private final ScheduledExecutorService timer;
    private final Map<String, Long> asked = new ConcurrentHashMap<>();
    private final Counter requested;

    private TieringJob(MetadataStore store, TieringConfig config, Map<String, Object> kafkaClientProps, MeterRegistry registry) {
        this.store = store;
        this.config = config;
        this.tenantLog = new LogAppender(kafkaClientProps, "cairn-tiering");
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cairn-tiering").factory());
        this.requested = Counter.builder("cairn.tiers.freezes.requested").description("Freeze records the tiering job appended")
                .register(registry);
    }

    /** The longest a restarted job waits before its first round (less when {@code cold_after} is shorter). */
    static final Duration FIRST_ROUND_GRACE = Duration.ofMinutes(1);

    /**
     * Starts the job. Its first round runs after one {@code every}, and not before {@code cold_after} or
     * {@link #FIRST_ROUND_GRACE}, the shorter, has passed: the time the process was down is nobody's idleness, and the
     * edges' first access reports (every 10 s) must land before tenants are judged by them. Right after a minute's
     * outage, tenants written again at once were frozen within seconds (and thawed the next moment).
     */
    public static TieringJob start(MetadataStore store, TieringConfig config, Map<String, Object> kafkaClientProps, MeterRegistry registry) {
        TieringJob job = new TieringJob(store, config, kafkaClientProps, registry);
        long everyMs = config.every().toMillis();
        long firstMs = Math.max(everyMs, Math.min(config.coldAfter().toMillis(), FIRST_ROUND_GRACE.toMillis()));
        job.timer.scheduleWithFixedDelay(job::roundQuietly, firstMs, everyMs, TimeUnit.MILLISECONDS);
        return job;
    }

    private void roundQuietly() {
        try {
            int n = round(System.currentTimeMillis());
            if (n > 0) log.info("tiering: asked {} idle tenants to go cold", n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (MetadataStoreException e) {
            log.warn("tiering: the metadata store cannot be read ({}); trying again next round", e.getMessage());
        } catch (RuntimeException e) {
            log.error("tiering: round failed; trying again next round", e);
        }
    }

    /** One round: freezes every hot tenant idle since before {@code nowMs - coldAfter}; returns how many it asked. */
    int round(long nowMs) throws InterruptedException {
        asked.values().removeIf(at -> nowMs - at > ASK_AGAIN_AFTER.toMillis());
        long idleBefore = nowMs - config.coldAfter().toMillis();
        long pauseNanos = TimeUnit.SECONDS.toNanos(1) / config.freezesPerSecond();
        int n = 0;
        String cursor = null;
        do {
            IdlePage page = store.idleTenants(Tier.HOT, idleBefore, PAGE, cursor);
            for (IdleTenant t : page.tenants()) {
                if (asked.putIfAbsent(t.tenant(), nowMs) != null) continue;
                freeze(t.tenant(), nowMs, idleBefore);
                n++;
                TimeUnit.NANOSECONDS.sleep(pauseNanos); // the rate limit, not a wait for anything
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        tenantLog.flush();
        return n;
    }

    /**
     * The Freeze carries {@code idleBefore}: the applier leaves the tenant hot if it applied a write since. The last access
     * read here may trail the log (reports every 10 s, the materializer catching up after a restart): the first round after
     * a restart froze tenants written every second, each thawed again by its next write (outside probe).
     */
    private void freeze(String tenant, long nowMs, long idleBefore) {
        TenantCommand cmd = TenantCommand.newBuilder().setCommandId("freeze-" + UUID.randomUUID()).setTenant(tenant)
                .setIngressTimeMs(nowMs).setSeed(0).setIdempotencyKey(null).setPayload(Freeze.newBuilder().setIdleBeforeMs(idleBefore).build())
                .build();
        tenantLog.append(cmd, (md, e) -> {
            if (e != null) {
                asked.remove(tenant); // ask again next round
                log.warn("tiering: Freeze of {} not appended: {}", tenant, e.toString());
            }
        });
        requested.increment();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tenantLog.close();
    }
}
