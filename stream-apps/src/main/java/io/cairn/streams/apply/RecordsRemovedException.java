package io.cairn.streams.apply;

import java.util.List;

/**
 * A rebuild could not give back some tenants: retention removed records they need from
 * {@code cairn.tenant-log} and no snapshot holds them. The other selected tenants were rebuilt.
 */
public final class RecordsRemovedException extends IllegalStateException {
    private final List<String> tenants;
    private final transient ReplayProgress progress;

    RecordsRemovedException(List<String> tenants, ReplayProgress progress) {
        super(tenants.size() + " tenant(s) cannot be rebuilt: retention removed records of theirs from the log and no snapshot"
                + " holds them: " + String.join(", ", tenants.size() > 20 ? tenants.subList(0, 20) : tenants)
                + (tenants.size() > 20 ? ", ..." : ""));
        this.tenants = List.copyOf(tenants);
        this.progress = progress;
    }

    /** The stranded tenants, sorted. */
    public List<String> tenants() {
        return tenants;
    }

    /** How far the rebuild of the others got. */
    public ReplayProgress progress() {
        return progress;
    }
}
