package io.cairn.edge.write;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;

/**
 * Whether this edge may append to the logs now. A standby region's edges may not until the region is
 * promoted (docs/replicas.md): its log is MirrorMaker's to write, and a record of its own would put the
 * two regions' logs apart. Checked before every append, writes, admin commands and repairs alike.
 */
@FunctionalInterface
public interface WriteGate {
    /** Always open: a primary region. */
    WriteGate OPEN = () -> null;

    /** Why appending is refused now, or null when it is allowed. */
    String refusal();

    /** Throws 503 {@code standby_read_only} while appending is refused. */
    default void check() {
        String why = refusal();
        if (why != null) throw new ApiError(ErrorCode.STANDBY_READ_ONLY, why);
    }
}
