package io.cairn.infra.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads the ledger tenants' files directly and checks exactly-once: every write once, in both tables. */
final class LedgerCheck {
    private LedgerCheck() {}

    static void assertEveryWriteAppliedExactlyOnce(Path hotDir, LedgerWorkload workload, List<String> tenants) throws SQLException {
        assertThat(workload.unexpected()).as("answers other than 200 or 5xx").isEmpty();
        Set<Long> acked = workload.acked();
        Set<Long> seenLedger = new HashSet<>();
        for (String tenant : tenants) {
            List<Long> ledger = column(hotDir, tenant, "SELECT seq FROM ledger");
            List<Long> pairs = column(hotDir, tenant, "SELECT seq FROM pairs");
            Set<Long> distinct = new HashSet<>(ledger);
            assertThat(ledger).as("%s: no write applied twice", tenant).hasSameSizeAs(distinct);
            assertThat(pairs).as("%s: pairs holds exactly the ledger's writes (no half-applied write)", tenant)
                    .containsExactlyInAnyOrderElementsOf(ledger);
            for (long seq : ledger) assertThat(workload.tenantOf(seq)).isEqualTo(tenant);
            seenLedger.addAll(ledger);
        }
        assertThat(seenLedger).as("every acknowledged write is applied, and nothing else").isEqualTo(acked);
    }

    private static List<Long> column(Path hotDir, String tenant, String sql) throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, new TenantFiles(hotDir).database(tenant), SqliteLimits.READ_DEFAULTS);
             Statement s = c.connection().createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) out.add(rs.getLong(1));
            return out;
        }
    }
}
