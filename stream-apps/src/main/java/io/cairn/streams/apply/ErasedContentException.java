package io.cairn.streams.apply;

import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * A replay could not give back some tenants as the live applier made them: content of theirs came from
 * records that can no longer be opened, because a delete destroyed the data keys that sealed them. A fork
 * of a tenant deleted since (its content came from the source's records), a past point of a tenant whose
 * records were erased. Their files are left out, never built wrong; the other selected tenants were replayed.
 * A fork keeps its own snapshot for this reason: a replay that starts it from its snapshot never meets this.
 */
public final class ErasedContentException extends SQLException {
    private final List<String> tenants;
    private final Set<String> ownRecordsErased;
    private final transient ReplayProgress progress;

    ErasedContentException(List<String> tenants, Set<String> ownRecordsErased, ReplayProgress progress) {
        super(tenants.size() + " tenant(s) cannot be built from the log: content of theirs came from records sealed with data keys"
                + " a delete destroyed since (a fork of a deleted tenant, without the fork's own snapshot): "
                + String.join(", ", tenants.size() > 20 ? tenants.subList(0, 20) : tenants) + (tenants.size() > 20 ? ", ..." : ""));
        this.tenants = List.copyOf(tenants);
        this.ownRecordsErased = Set.copyOf(ownRecordsErased);
        this.progress = progress;
    }

    /** The tenants left out, sorted. */
    public List<String> tenants() {
        return tenants;
    }

    /**
     * Of {@link #tenants()}, those with records of their own erased: deleted since (a past point of a tenant
     * being deleted), rather than alive with content from a source deleted since.
     */
    public Set<String> ownRecordsErased() {
        return ownRecordsErased;
    }

    /** How far the replay of the others got. */
    public ReplayProgress progress() {
        return progress;
    }
}
