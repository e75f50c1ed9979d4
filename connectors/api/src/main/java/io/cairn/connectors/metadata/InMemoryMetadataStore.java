package io.cairn.connectors.metadata;

import io.cairn.topics.TenantId;
import io.cairn.topics.avro.Tier;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link MetadataStore} in memory, for tests and single-process development. Same rules as the
 * DynamoDB store; the idle query pages by (last access, tenant) and its cursor is the last tenant seen.
 */
public final class InMemoryMetadataStore implements MetadataStore {
    /** The usage source of the applier's write counts (edge sources are run ids). */
    static final String LOG_SOURCE = "log";

    private final ConcurrentMap<String, TenantRecord> tenants = new ConcurrentHashMap<>();
    /** Usage by {@code tenant#life}. */
    private final ConcurrentMap<String, InMemoryUsage> usage = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, ApiKeyRecord> keys = new ConcurrentHashMap<>();

    /** Always true: the store lives in this process and starts empty. */
    @Override
    public boolean createTablesIfMissing() {
        return true;
    }

    @Override
    public UpsertOutcome upsert(TenantRecord state) {
        usageOf(state.tenant(), state.writes().life()).setWrites(state.writes(), state.appliedOffset());
        AtomicReference<UpsertOutcome> outcome = new AtomicReference<>(UpsertOutcome.STALE);
        tenants.compute(state.tenant(), (t, stored) -> {
            if (stored != null && stored.appliedOffset() >= state.appliedOffset()) return stored;
            outcome.set(UpsertOutcome.APPLIED);
            return stored == null ? state : state.withLastAccessMs(Math.max(stored.lastAccessMs(), state.lastAccessMs()));
        });
        return outcome.get();
    }

    @Override
    public boolean recordAccess(String tenant, long accessMs) {
        AtomicBoolean moved = new AtomicBoolean();
        tenants.computeIfPresent(TenantId.require(tenant), (t, stored) -> {
            if (stored.lastAccessMs() >= accessMs) return stored;
            moved.set(true);
            return stored.withLastAccessMs(accessMs);
        });
        return moved.get();
    }

    @Override
    public Optional<TenantRecord> get(String tenant) {
        return Optional.ofNullable(tenants.get(TenantId.require(tenant)));
    }

    @Override
    public boolean delete(String tenant) {
        keys.values().removeIf(k -> k.tenant().equals(tenant));
        return tenants.remove(TenantId.require(tenant)) != null;
    }

    @Override
    public IdlePage idleTenants(Tier tier, long idleBeforeMs, int pageSize, String cursor) {
        if (pageSize < 1) throw new IllegalArgumentException("pageSize must be >= 1");
        Comparator<TenantRecord> order = Comparator.comparingLong(TenantRecord::lastAccessMs).thenComparing(TenantRecord::tenant);
        List<TenantRecord> matching = tenants.values().stream()
                .filter(r -> r.tier() == tier && r.lastAccessMs() < idleBeforeMs)
                .sorted(order)
                .toList();
        int start = 0;
        if (cursor != null) {
            String[] parts = cursor.split(":", 2);
            long lastMs = Long.parseLong(parts[0]);
            String lastTenant = parts[1];
            while (start < matching.size() && (matching.get(start).lastAccessMs() < lastMs
                    || (matching.get(start).lastAccessMs() == lastMs && matching.get(start).tenant().compareTo(lastTenant) <= 0))) {
                start++;
            }
        }
        List<TenantRecord> page = matching.subList(start, Math.min(matching.size(), start + pageSize));
        boolean more = start + page.size() < matching.size();
        String next = more ? page.getLast().lastAccessMs() + ":" + page.getLast().tenant() : null;
        return new IdlePage(page.stream().map(r -> new IdleTenant(r.tenant(), r.lastAccessMs())).toList(), next);
    }

    @Override
    public boolean addUsage(AccessReport report) {
        return usageOf(report.tenant(), report.life()).add(report);
    }

    @Override
    public UsageReport usage(String tenant, long life, LocalDate from, LocalDate to) {
        InMemoryUsage u = usage.get(TenantId.require(tenant) + "#" + life);
        TenantRecord record = tenants.get(tenant);
        long storage = record == null ? 0 : record.sizeBytes();
        if (u == null) return new UsageReport(tenant, UsageCounts.ZERO, storage, List.of());
        return new UsageReport(tenant, u.totals(), storage, u.days(from, to));
    }

    private InMemoryUsage usageOf(String tenant, long life) {
        return usage.computeIfAbsent(TenantId.require(tenant) + "#" + life, t -> new InMemoryUsage());
    }

    /** Pages in tenant-id order; the cursor is the last tenant id returned. */
    @Override
    public TenantPage listTenants(TenantQuery query, int limit, String cursor) {
        if (limit < 1 || limit > 1_000) throw new IllegalArgumentException("limit must be 1..1000");
        String after = cursor == null ? null : decodeCursor(cursor, query.shape());
        List<TenantRecord> matching = tenants.values().stream()
                .filter(query::matches)
                .filter(r -> after == null || r.tenant().compareTo(after) > 0)
                .sorted(Comparator.comparing(TenantRecord::tenant))
                .limit(limit + 1L)
                .toList();
        boolean more = matching.size() > limit;
        List<TenantRecord> page = more ? matching.subList(0, limit) : matching;
        return new TenantPage(page, more ? encodeCursor(query.shape(), page.getLast().tenant()) : null);
    }

    private static String encodeCursor(String shape, String lastTenant) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("mem|" + shape + "|" + lastTenant).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor, String shape) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String prefix = "mem|" + shape + "|";
            if (!text.startsWith(prefix) || !TenantId.isValid(text.substring(prefix.length()))) throw new IllegalArgumentException();
            return text.substring(prefix.length());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor returned by listTenants for these filters", e);
        }
    }

    @Override
    public boolean putKey(ApiKeyRecord key) {
        AtomicBoolean stored = new AtomicBoolean();
        keys.compute(key.keyId(), (id, existing) -> {
            if (existing != null && (existing.revoked() || !existing.tenant().equals(key.tenant()))) return existing;
            stored.set(true);
            return key;
        });
        return stored.get();
    }

    @Override
    public Optional<ApiKeyRecord> getKey(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    @Override
    public boolean revokeKey(String keyId) {
        return keys.computeIfPresent(keyId, (id, existing) -> existing.revoke()) != null;
    }
}
