package io.cairn.edge.restore;

import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.tenantdb.sqlite.SchemaDigest;
import io.cairn.tenantdb.sqlite.TenantSchema;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The migration versions an imported file is at, recorded in it as a migration would have: for each registered set,
 * the newest version whose schema (what the set's versions build on an empty database,
 * {@link MigrationCatalog#expectedSchemas}) is exactly the file's. An export leaves Cairn's tables out, so a tenant
 * exported and imported again came back at version 0 with the schema of version 5, and the next fleet run failed on it
 * ("table todos already exists"). A file whose schema no version builds (changed by hand, several sets in one file)
 * is at version 0 of every set, as before. Versions that change data only share the schema of the version before
 * them: the newest of them is taken.
 */
public final class ImportedVersions {
    /** The run id the versions are recorded under. */
    public static final String RUN = "import";

    private ImportedVersions() {}

    /** Records the versions in {@code file} (a checked import, Cairn's tables still absent) and returns them by set. */
    public static Map<String, Integer> record(Path file, MigrationCatalog catalog, long nowMs) throws SQLException {
        Map<String, Integer> found = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            String schema = SchemaDigest.of(c);
            for (String set : catalog.sets()) {
                int at = 0;
                for (var e : catalog.expectedSchemas(set).entrySet()) {
                    if (e.getKey() > at && e.getValue().equals(schema)) at = e.getKey();
                }
                if (at > 0) found.put(set, at);
            }
            if (found.isEmpty()) return found;
            c.setAutoCommit(false);
            TenantSchema.create(c);
            try (PreparedStatement v = c.prepareStatement("INSERT INTO _cairn_migrations (set_name, version, checksum, run_id, applied_at_ms)"
                    + " VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement st = c.prepareStatement("INSERT INTO _cairn_migration_status (set_name, version, run_id) VALUES (?, ?, ?)")) {
                for (var e : found.entrySet()) {
                    for (MigrationCatalog.Version version : catalog.versions(e.getKey())) {
                        if (version.version() > e.getValue()) break;
                        v.setString(1, e.getKey());
                        v.setInt(2, version.version());
                        v.setString(3, version.checksum());
                        v.setString(4, RUN);
                        v.setLong(5, nowMs);
                        v.executeUpdate();
                    }
                    st.setString(1, e.getKey());
                    st.setInt(2, e.getValue());
                    st.setString(3, RUN);
                    st.executeUpdate();
                }
            }
            // The applier gives the row the tenant's own name and times and keeps the content's schema_version: the
            // version reached in the set recorded last, as a migration leaves it.
            try (PreparedStatement t = c.prepareStatement("INSERT INTO _cairn_tenant (id, tenant, created_at_ms, last_write_ms, schema_version)"
                    + " VALUES (0, '', 0, 0, ?)")) {
                t.setInt(1, found.values().stream().reduce((a, b) -> b).orElseThrow());
                t.executeUpdate();
            }
            c.commit();
        }
        return found;
    }
}
