package io.cairn.edge.migrate;

import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.migrate.MigrationCatalog.Run;
import io.cairn.edge.migrate.MigrationCatalog.Version;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.TenantState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * When a registered version may be replaced ({@code PUT .../versions/{n}} with {@code "replace": true}): only while no
 * tenant has it or can still come to have it, so that every tenant at a version ran the same statements. A version
 * that fails on every tenant (a typo in a table's name, which registration cannot refuse: a tenant may have that table)
 * otherwise blocked its set for good, since every later version runs after it. Three conditions, each a 409
 * {@code version_conflict} naming what to do:
 * <ul>
 *   <li>it is the set's latest version (the versions after one build on it);</li>
 *   <li>no tenant's state shows it applied (nor a later one), cold tenants included;</li>
 *   <li>no run of the set to it or beyond has a tenant whose record carrying the old statements is still to apply
 *       (pending, or waiting in a cold tenant's tail for its next thaw).</li>
 * </ul>
 * A tenant made from the set's template, or reached by a run started on another edge, between this check and the
 * replacement's record can still start at the old statements; the drift check ({@code GET .../drift}) names it.
 */
public final class VersionReplacement {
    /** Tenants named in a refusal; the count covers all. */
    static final int NAMED = 5;

    private VersionReplacement() {}

    /** Throws 409 {@code version_conflict} unless {@code current}, registered in {@code catalog}, may be replaced now. */
    public static void requireReplaceable(Version current, MigrationCatalog catalog, TenantDirectory directory) {
        String where = "version " + current.version() + " of set '" + current.set() + "'";
        int latest = catalog.latest(current.set());
        if (current.version() != latest) {
            throw refused(where + " is not the set's latest version (" + latest + "), and the versions after it build on it: only the"
                    + " latest version can be replaced; register the change as version " + (latest + 1), current);
        }
        List<String> applied = new ArrayList<>();
        int appliedCount = 0;
        for (String tenant : directory.tenants()) {
            TenantState state = directory.tenant(tenant).orElse(null);
            if (state == null) continue;
            for (SetVersion sv : state.getMigrations()) {
                if (sv.getSet().equals(current.set()) && sv.getVersion() >= current.version()) {
                    if (applied.size() < NAMED) applied.add(tenant);
                    appliedCount++;
                }
            }
        }
        if (appliedCount > 0) {
            throw refused(where + " is applied on " + appliedCount + " tenant(s) (" + String.join(", ", applied) + (appliedCount > NAMED ? ", ..." : "")
                    + "), where it never changes: register the change as version " + (latest + 1), current);
        }
        for (Run run : catalog.runs(current.set())) {
            if (run.targetVersion() < current.version()) continue;
            int sent = catalog.progress(run.runId()).map(MigrationCatalog.Progress::sent).orElse(0);
            RunStatus status = RunStatus.of(run, sent, catalog, directory, 0);
            if (status.pending() + status.waitingForCold() == 0) continue;
            throw refused(where + " is on its way to " + (status.pending() + status.waitingForCold()) + " tenant(s) of run " + run.runId()
                    + " (" + status.pending() + " pending, " + status.waitingForCold() + " waiting for their next thaw, each with the"
                    + " statements it has now): replace it once they have settled (GET /v1/migrations/" + current.set() + "/runs/"
                    + run.runId() + "; a cold tenant settles when it thaws, POST /v1/tenants/{t}/tier {\"tier\":\"hot\"})", current);
        }
    }

    private static ApiError refused(String message, Version current) {
        return new ApiError(ErrorCode.VERSION_CONFLICT, message + "; nothing was replaced", null, Map.of("checksum", current.checksum()));
    }
}
