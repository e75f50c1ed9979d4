package io.cairn.edge.migrate;

import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.migrate.MigrationCatalog.Run;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run stands, counted from its tenants' states: of the tenants its waves reached, how many
 * applied the target version, failed (with the error), wait cold for their thaw, are still pending, or
 * were deleted; the tenants no wave reached yet are {@code unsent}.
 */
public record RunStatus(int applied, int failed, int pending, int waitingForCold, int deleted, int unsent, List<Failure> failures) {
    /** One tenant's failure as its state records it. */
    public record Failure(String tenant, int version, int failedVersion, String code, String error) {}

    /** Counts the run over {@code directory}; lists at most {@code maxFailures} failures. */
    public static RunStatus of(Run run, int sent, TenantDirectory directory, int maxFailures) {
        int applied = 0;
        int failed = 0;
        int pending = 0;
        int cold = 0;
        int deleted = 0;
        List<Failure> failures = new ArrayList<>();
        List<String> tenants = run.tenants();
        for (int i = 0; i < sent && i < tenants.size(); i++) {
            String tenant = tenants.get(i);
            TenantState st = directory.tenant(tenant).orElse(null);
            if (st == null) {
                deleted++;
                continue;
            }
            SetVersion sv = st.getMigrations().stream().filter(m -> m.getSet().equals(run.set())).findFirst().orElse(null);
            if (sv != null && sv.getVersion() >= run.targetVersion()) {
                applied++;
            } else if (sv != null && run.runId().equals(sv.getRunId()) && sv.getFailedVersion() != null) {
                failed++;
                if (failures.size() < maxFailures) {
                    failures.add(new Failure(tenant, sv.getVersion(), sv.getFailedVersion(), sv.getErrorCode(), sv.getError()));
                }
            } else if (st.getTier() == Tier.COLD) {
                cold++;
            } else {
                pending++;
            }
        }
        return new RunStatus(applied, failed, pending, cold, deleted, Math.max(0, tenants.size() - sent), List.copyOf(failures));
    }

    /** Failed over settled (applied or failed); 0 when none settled. */
    public double failureRate() {
        int settled = applied + failed;
        return settled == 0 ? 0 : (double) failed / settled;
    }
}
