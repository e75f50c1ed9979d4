package io.cairn.streams.materialize;

import io.cairn.connectors.metadata.AccessReport;
import io.cairn.topics.avro.TenantState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * What one task read and has not written out yet: the newest state of each tenant (a busy tenant's
 * hundreds of states per second become one write), every access report in arrival order (each counts
 * once, so none is dropped), and the highest input offset seen per partition. Confined to the task's
 * stream thread.
 */
final class PendingChanges {
    /**
     * A tenant's newest state, and whether it was deleted after it. A deletion keeps the state read
     * before it (or null): its write counts still go to the tenant's usage, as they would have had the
     * two arrived in different batches.
     */
    record StateChange(String tenant, TenantState state, boolean deleted) {}

    private final Map<String, StateChange> states = new LinkedHashMap<>();
    private final List<AccessReport> reports = new ArrayList<>();
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();

    /** A state of the tenant, or null for its deletion (a tombstone). */
    void state(String tenant, TenantState state, TopicPartition from, long offset) {
        StateChange before = states.get(tenant);
        states.put(tenant, state != null ? new StateChange(tenant, state, false)
                : new StateChange(tenant, before == null ? null : before.state(), true));
        seen(from, offset);
    }

    void report(AccessReport report, TopicPartition from, long offset) {
        reports.add(report);
        seen(from, offset);
    }

    /** An input record that carries nothing to write (undecodable, or of no use): still read. */
    void skipped(TopicPartition from, long offset) {
        seen(from, offset);
    }

    private void seen(TopicPartition from, long offset) {
        nextOffsets.merge(from, offset + 1, Math::max);
    }

    boolean isEmpty() {
        return states.isEmpty() && reports.isEmpty() && nextOffsets.isEmpty();
    }

    List<StateChange> states() {
        return List.copyOf(states.values());
    }

    /** Whether every buffered change is a state {@code which} picks (no reports among them). */
    boolean allStates(Predicate<StateChange> which) {
        return reports.isEmpty() && states.values().stream().allMatch(which);
    }

    /**
     * Takes out the states {@code which} picks, leaving the rest, the reports and the offsets: those
     * offsets count as written only when everything before them is.
     */
    List<StateChange> takeStates(Predicate<StateChange> which) {
        List<StateChange> taken = states.values().stream().filter(which).toList();
        for (StateChange c : taken) states.remove(c.tenant());
        return taken;
    }

    List<AccessReport> reports() {
        return List.copyOf(reports);
    }

    /** For each partition read, the offset after the last record read. */
    Map<TopicPartition, Long> nextOffsets() {
        return Map.copyOf(nextOffsets);
    }

    void clear() {
        states.clear();
        reports.clear();
        nextOffsets.clear();
    }
}
