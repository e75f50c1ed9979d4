package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.TenantId;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A partition's records held back while their cold tenant is rebuilt on a thaw thread
 * ({@link ColdTenants#prefetch}): the first record of a cold tenant that needs its file starts the
 * rebuild, it and every later record of the tenant wait here in order, and {@link #release} hands them
 * back once the file is ready. So a storm of first writes thaws several tenants at once, and the
 * partition's other tenants go on meanwhile. Held positions are recorded in the registry's {@code
 * deferred} table before each offset commit ({@link #persist}): after a restart they are fetched again
 * from the log, as the heavy lane's are. Confined to the stream thread of its task.
 */
final class ThawHolds {
    private final ColdTenants cold;
    private final TenantRegistrySource registry;
    private final Map<String, ArrayDeque<ApplyProcessor.LogRecord>> held = new LinkedHashMap<>();
    private final Set<Bookmark> persisted = new HashSet<>();
    private final List<Bookmark> releasedSincePersist = new ArrayList<>();
    private final List<String> joined = new ArrayList<>();

    /** Where the held positions are recorded. */
    interface TenantRegistrySource {
        TenantRegistry registry() throws SQLException;
    }

    ThawHolds(ColdTenants cold, TenantRegistrySource registry) {
        this.cold = cold;
        this.registry = registry;
    }

    /**
     * Holds {@code r} when its tenant has records held already, or is cold (not in {@code group}, no
     * file) and {@code r} needs the file: then the rebuild starts. False: apply it now.
     */
    boolean hold(ApplyProcessor.LogRecord r, GroupCommit group) {
        String tenant = r.command().getTenant();
        ArrayDeque<ApplyProcessor.LogRecord> q = held.get(tenant);
        if (q == null) {
            if (!TenantId.isValid(tenant) || group.held(tenant) != null) return false;
            TenantRegistry.ColdTail tail;
            try {
                tail = cold.tail(tenant);
            } catch (SQLException e) {
                return false; // applied in line, where a failure is handled
            }
            if (tail == null || !RecordApplier.needsFile(r.command(), r.position(), tail)) return false;
            cold.prefetch(tenant, r.position(), tail);
            q = new ArrayDeque<>();
            held.put(tenant, q);
            joined.add(tenant);
        }
        q.add(r);
        return true;
    }

    /** The tenants with records held: what the partition's published position excludes ({@code CopyPositions}). */
    Set<String> tenants() {
        return Set.copyOf(held.keySet());
    }

    /** The tenants that started having records held since the last call (drained). */
    List<String> joined() {
        if (joined.isEmpty()) return List.of();
        List<String> j = new ArrayList<>(joined);
        joined.clear();
        return j;
    }

    /**
     * Hands the held records of every tenant whose rebuild finished to {@code apply}, in order; true when there were
     * any. A released record whose row is recorded and that {@code apply} queued in the heavy lane is {@code adopted}
     * by the lane, which clears the row once it applied it: the row is not cleared here at the next commit. Cleared
     * here, after another task's commit had recorded the lane's queue (each task's records it whole; a row already there), the record was
     * lost to a crash before the lane applied it: its offset was committed, and no row fetched it again (a restore
     * of a cold tenant, killed while it was built, never applied).
     */
    boolean release(Consumer<ApplyProcessor.LogRecord> apply, java.util.function.Predicate<Bookmark> adopted) {
        boolean any = false;
        for (var it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ArrayDeque<ApplyProcessor.LogRecord>> e = it.next();
            if (!cold.ready(e.getKey())) continue;
            it.remove();
            any = true;
            for (ApplyProcessor.LogRecord r : e.getValue()) {
                apply.accept(r);
                if (persisted.remove(r.position()) && !adopted.test(r.position())) releasedSincePersist.add(r.position());
            }
        }
        return any;
    }

    /**
     * Call after the group's effects are synced and before Kafka commits offsets: released records no
     * longer need fetching again; the ones still held do.
     */
    void persist() throws SQLException {
        Map<Bookmark, String> add = new LinkedHashMap<>();
        for (ArrayDeque<ApplyProcessor.LogRecord> q : held.values()) {
            for (ApplyProcessor.LogRecord rec : q) {
                if (!persisted.contains(rec.position())) add.put(rec.position(), rec.command().getTenant());
            }
        }
        registry.registry().deferredChanges(add, releasedSincePersist); // one sync for a whole storm
        persisted.addAll(add.keySet());
        releasedSincePersist.clear();
    }

    /** The partition is closing: its records held here are redelivered elsewhere; the thaws under way finish first. */
    void close() {
        cold.awaitThaws(held.keySet());
        held.clear();
    }
}
