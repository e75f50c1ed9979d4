package io.cairn.topics;

import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.TenantState;

/**
 * The least position a tenant's file on the primary's hot volume holds, by the last state its applier announced: a
 * hot tenant's, what it applied (the state comes after the commit); a cold tenant's, its snapshot's (a file there is
 * a thaw's, placed from that snapshot and then carried on); -1 for none known. A file behind it is an older one
 * brought back (a volume restored from a backup), sound and the tenant's, but missing acknowledged writes.
 */
public final class FileFloor {
    private FileFloor() {}

    public static long of(TenantState state) {
        if (state.getTier() == Tier.HOT) return state.getAppliedOffset();
        return state.getSnapshot() != null ? state.getSnapshot().getOffset() : -1;
    }
}
