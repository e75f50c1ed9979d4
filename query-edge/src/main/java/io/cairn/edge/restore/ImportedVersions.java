package io.cairn.edge.restore;

import io.cairn.edge.error.ApiError;
import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.edge.migrate.MigrationSql;
import io.cairn.tenantdb.sqlite.MigrationHistory;
import io.cairn.tenantdb.sqlite.SchemaDigest;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.ErrorCode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The migration versions an imported file is at, recorded in it as a migration would have. A Cairn export carries them
 * ({@link MigrationHistory}): each set's versions from 1, each with the checksum of the version registered here, else
 * the import is refused ({@code invalid_import}, naming the set and version). A file without them (made elsewhere, or
 * exported before exports kept them) is at, for each registered set, the newest version whose schema (what the set's
 * versions build on an empty database, {@link MigrationCatalog#expectedSchemas}) is exactly the file's: a tenant
 * exported and imported again came back at version 0 with the schema of version 5, and the next fleet run failed on it
 * ("table todos already exists"). A file whose schema no version builds (changed by hand, several sets in one file) is
 * at version 0 of every set. Versions that change data only share the schema of the version before them, so by its
 * schema alone such a file is taken at the newest of them.
 */
public final class ImportedVersions {
    /** The run id the versions are recorded under. */
    public static final String RUN = "import";

    private ImportedVersions() {}

    /** Records the versions in {@code file} (a checked import, Cairn's tables but the versions' still absent) and returns them by set. */
    public static Map<String, Integer> record(Path file, MigrationCatalog catalog, long nowMs) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            List<MigrationHistory.Row> carried = MigrationHistory.read(c);
            Map<String, Integer> found = carried.isEmpty() ? bySchema(c, catalog) : checked(carried, catalog);
            if (found.isEmpty()) return found;
            c.setAutoCommit(false);
            TenantSchema.create(c);
            try (PreparedStatement st = c.prepareStatement("INSERT INTO _cairn_migration_status (set_name, version, run_id) VALUES (?, ?, ?)")) {
                for (var e : found.entrySet()) {
                    if (carried.isEmpty()) {
                        for (MigrationCatalog.Version version : catalog.versions(e.getKey())) {
                            if (version.version() > e.getValue()) break;
                            MigrationHistory.insert(c, new MigrationHistory.Row(e.getKey(), version.version(), version.checksum(), RUN, nowMs));
                        }
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
            return found;
        }
    }

    /** For each registered set, the newest version whose schema is exactly the file's. */
    private static Map<String, Integer> bySchema(Connection c, MigrationCatalog catalog) throws SQLException {
        Map<String, Integer> found = new TreeMap<>();
        String schema = SchemaDigest.of(c);
        for (String set : catalog.sets()) {
            int at = 0;
            for (var e : catalog.expectedSchemas(set).entrySet()) {
                if (e.getKey() > at && e.getValue().equals(schema)) at = e.getKey();
            }
            if (at > 0) found.put(set, at);
        }
        return found;
    }

    /** The newest version of each set the file carries, each set's versions from 1 without a gap and as registered here. */
    private static Map<String, Integer> checked(List<MigrationHistory.Row> carried, MigrationCatalog catalog) {
        Map<String, Integer> found = new TreeMap<>();
        String drop = "; drop the table " + MigrationHistory.TABLE + " from the file to import it by its schema alone";
        for (MigrationHistory.Row row : carried) { // by set, then version
            int expected = found.getOrDefault(row.set(), 0) + 1;
            if (row.version() != expected) {
                throw new ApiError(ErrorCode.INVALID_IMPORT, "the file's migration versions of set " + row.set() + " skip from "
                        + (expected - 1) + " to " + row.version() + drop);
            }
            MigrationCatalog.Version registered = catalog.version(row.set(), row.version()).orElseThrow(() -> new ApiError(
                    ErrorCode.INVALID_IMPORT, "the file is at version " + row.version() + " of migration set " + row.set()
                    + ", which is not registered here: register the set's versions first" + drop));
            if (!MigrationSql.same(registered, row.checksum())) {
                throw new ApiError(ErrorCode.INVALID_IMPORT, "the file's version " + row.version() + " of migration set " + row.set()
                        + " has checksum " + row.checksum() + ", but the version registered here has " + registered.checksum() + drop);
            }
            found.put(row.set(), row.version());
        }
        return found;
    }
}
