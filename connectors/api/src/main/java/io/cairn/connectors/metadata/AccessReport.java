package io.cairn.connectors.metadata;

import io.cairn.topics.TenantId;
import io.cairn.topics.avro.TenantAccess;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * One source's use of one tenant during one window (a record of {@code cairn.tenant-access}): the
 * edge that answered the requests counts them, so a report is the unit in which reads reach the
 * control plane.
 *
 * @param life which tenant of that name was used: its creation offset, -1 when unknown (an older edge);
 *     usage is kept per life, so a tenant deleted and created again starts afresh
 * @param source an edge run's id; with {@code seq} it names the report, so a report added twice counts once
 * @param seq increases with every window the source reports
 */
public record AccessReport(String tenant, long life, String source, long seq, long windowEndMs, long lastAccessMs,
        UsageCounts counts) {

    public AccessReport {
        TenantId.require(tenant);
        Objects.requireNonNull(source, "source");
        if (source.isEmpty() || source.contains("#")) throw new IllegalArgumentException("source must be non-empty, without '#'");
        if (seq < 0) throw new IllegalArgumentException("seq must be >= 0");
        Objects.requireNonNull(counts, "counts");
    }

    /** The UTC day the counts belong to: the day of the window's last millisecond (its end is exclusive). */
    public LocalDate day() {
        return LocalDate.ofInstant(Instant.ofEpochMilli(windowEndMs - 1), ZoneOffset.UTC);
    }

    public static AccessReport from(TenantAccess a) {
        return new AccessReport(a.getTenant(), a.getLife(), a.getSource(), a.getSeq(), a.getWindowEndMs(), a.getLastAccessMs(),
                UsageCounts.ofEdge(a.getReads(), a.getWrites(), a.getRowsRead(), a.getBytesIn(), a.getBytesOut()));
    }
}
