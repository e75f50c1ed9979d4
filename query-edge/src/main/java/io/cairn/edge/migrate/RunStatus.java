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
 * applied the target version, failed (with the error), wait cold for their thaw, are still pending, were
 * deleted (or deleted and created again: the tenant the run reached is gone), {@code superseded}: a later
 * run of the set reached them after this run's record and left them below this run's target (their
 * status, failure included, is that run's now), or {@code reverted}: their state is past their record,
 * so it was applied, but they are below the target now (a restore or an import replaced their content
 * since, or the record could not apply); the tenants no wave reached yet are {@code unsent}. Only
 * {@code pending} tenants still wait for their record.
 */
public record RunStatus(int applied, int failed, int pending, int waitingForCold, int deleted, int superseded, int reverted,
        int unsent, List<Failure> failures) {
    /** One tenant's failure as its state records it. */
    public record Failure(String tenant, int version, int failedVersion, String code, String error) {}

    /** Counts the run over {@code directory}, with where the catalog says each record went; lists at most {@code maxFailures} failures. */
    public static RunStatus of(Run run, int sent, MigrationCatalog catalog, TenantDirectory directory, int maxFailures) {
        int applied = 0;
        int failed = 0;
        int pending = 0;
        int cold = 0;
        int deleted = 0;
        int superseded = 0;
        int reverted = 0;
        List<Failure> failures = new ArrayList<>();
        List<String> tenants = run.tenants();
        long[] records = catalog.recordOffsets(run.runId());
        for (int i = 0; i < sent && i < tenants.size(); i++) {
            String tenant = tenants.get(i);
            TenantState st = directory.tenant(tenant).orElse(null);
            long record = i < records.length ? records[i] : -1;
            if (st == null || (record >= 0 && st.getCreatedOffset() > record)) {
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
            } else if (record >= 0 && st.getAppliedOffset() >= record && sv != null && sv.getRunId() != null
                    && catalog.recordOffset(sv.getRunId(), tenant) > record) {
                superseded++; // a later run's record came after this one's and set the tenant's status
            } else if (record >= 0 && st.getAppliedOffset() >= record) {
                reverted++; // past its record, cold or hot: a record of another set in its cold tail is not this run's
            } else if (st.getTier() == Tier.COLD) {
                cold++;
            } else {
                pending++;
            }
        }
        return new RunStatus(applied, failed, pending, cold, deleted, superseded, reverted, Math.max(0, tenants.size() - sent), List.copyOf(failures));
    }

    /** Failed over settled (applied or failed); 0 when none settled. */
    public double failureRate() {
        int settled = applied + failed;
        return settled == 0 ? 0 : (double) failed / settled;
    }
}
