package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.TenantCommand;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tenants a rebuild leaves cold, as the live applier left them, instead of on the hot volume: a rebuild built every
 * cold tenant's file, the tenants stayed shown {@code cold}, and the tiering job (which freezes hot tenants) left them
 * there for good (an operator probe found a fleet 99% cold on the hot volume 17 minutes after serving a rebuild).
 *
 * <p>A replay's {@code Frozen} that found nothing applied after its snapshot starts a tenant's cold tail here, as it
 * does in the live applier; the records after it that need no file (freeze and snapshot requests, a fleet migration)
 * join the tail, and any other record thaws it (it stays hot), as live. At the end, a tenant still cold whose file the
 * replay started from that very snapshot (found in the store, and verified) is made cold in the replay's target: its
 * tail in the registry, its file removed. One whose snapshot did not verify stays a file, built from the log.
 * Not thread-safe: a replay's.
 */
final class ColdAtEnd {
    /** A cold tenant's tail: the records from its {@code Frozen} on, with their positions. */
    private record Tail(long snapshotOffset, List<Bookmark> positions, List<TenantCommand> records) {}

    private final Map<String, Tail> tails = new HashMap<>();

    /** Before {@code cmd} at {@code position} is applied: one that needs a cold tenant's file thaws it; another joins its tail. */
    void before(TenantCommand cmd, Bookmark position) {
        Tail tail = tails.get(cmd.getTenant());
        if (tail == null) return;
        if (cmd.getPayload() instanceof DeleteTenant || !RecordApplier.fileless(cmd)) {
            tails.remove(cmd.getTenant());
        } else {
            tail.positions().add(position);
            tail.records().add(cmd);
        }
    }

    /** The {@code Frozen} at {@code at} found the tenant's file holding nothing after its snapshot at {@code snapshotOffset}. */
    void frozen(String tenant, Bookmark at, long snapshotOffset, TenantCommand frozen) {
        tails.put(tenant, new Tail(snapshotOffset, new ArrayList<>(List.of(at)), new ArrayList<>(List.of(frozen))));
    }

    /**
     * Makes cold in {@code pool} (registry and files) every tenant left cold whose file started from the snapshot at its
     * tail's offset ({@code seededAt}: the snapshot offset each seeded tenant started from). Call once the replay's
     * last group committed. Returns how many.
     */
    int apply(TenantDatabasePool pool, Map<String, Long> seededAt) throws SQLException {
        int made = 0;
        for (Map.Entry<String, Tail> e : tails.entrySet()) {
            String tenant = e.getKey();
            Tail tail = e.getValue();
            Long seeded = seededAt.get(tenant);
            if (seeded == null || seeded != tail.snapshotOffset()) continue; // its snapshot did not verify: the file is its content
            pool.registry().coldAfresh(tenant, tail.positions().getFirst(), tail.snapshotOffset(), tail.records().getFirst());
            for (int i = 1; i < tail.records().size(); i++) {
                pool.registry().cold(tenant, tail.positions().get(i), tail.snapshotOffset(), tail.records().get(i));
            }
            pool.discard(tenant);
            pool.files().removeHotCopy(tenant);
            made++;
        }
        return made;
    }
}
