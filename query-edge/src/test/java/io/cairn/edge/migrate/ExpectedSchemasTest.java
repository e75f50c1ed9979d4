package io.cairn.edge.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SchemaDigest;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift check's expected schema is what the set's versions build, the same hash a tenant file (with Cairn's
 * own tables) gets from the same statements; a version that cannot run on an empty database has none.
 */
class ExpectedSchemasTest {
    @TempDir Path dir;

    private static MigrationCatalog.Version version(int n, String... statements) {
        return new MigrationCatalog.Version("app", n, "c" + n + statements.length + statements[0].hashCode(), List.of(statements), "", 0, "");
    }

    @Test
    void eachVersionHashesLikeATenantFileMigratedToIt() throws Exception {
        List<MigrationCatalog.Version> versions = List.of(
                version(1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, at TEXT DEFAULT (datetime('now')))"),
                version(2, "ALTER TABLE items ADD COLUMN sku TEXT", "CREATE INDEX items_sku ON items (sku)"));
        Map<Integer, String> expected = new ExpectedSchemas().of("app", versions);

        try (TenantConnection tenant = SqliteConnections.openWritable("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.create(tenant.connection());
            assertThat(expected.get(0)).isEqualTo(SchemaDigest.of(tenant.connection()));
            for (MigrationCatalog.Version v : versions) {
                for (String sql : v.statements()) tenant.connection().createStatement().execute(sql);
                assertThat(expected.get(v.version())).as("version " + v.version()).isEqualTo(SchemaDigest.of(tenant.connection()));
            }
            tenant.connection().createStatement().execute("CREATE TABLE handmade (x)");
            assertThat(SchemaDigest.of(tenant.connection())).as("a change outside the set").isNotEqualTo(expected.get(2));
        }
        assertThat(expected.values()).doesNotHaveDuplicates();
    }

    /**
     * A clock keyword in the schema is stored as the applier writes it (the policy's rewrite, as BatchExecutor runs
     * every statement): built from the raw text, every tenant of a set with DEFAULT CURRENT_TIMESTAMP was drift.
     */
    @Test
    void aClockDefaultIsBuiltAsTheApplierStoresIt() throws Exception {
        List<MigrationCatalog.Version> versions = List.of(version(1, "CREATE TABLE a (x TEXT DEFAULT CURRENT_TIMESTAMP, d DATE DEFAULT current_date)"));
        Map<Integer, String> expected = new ExpectedSchemas().of("app", versions);
        try (TenantConnection tenant = SqliteConnections.openWritable("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.create(tenant.connection());
            tenant.connection().createStatement().execute(io.cairn.tenantdb.sql.StatementPolicy.checkWrite(versions.get(0).statements().get(0)).sql());
            assertThat(expected.get(1)).isEqualTo(SchemaDigest.of(tenant.connection()));
        }
    }

    @Test
    void aVersionThatNeedsObjectsFromOutsideTheSetHasNoExpectedSchemaNorDoTheVersionsAfterIt() {
        Map<Integer, String> expected = new ExpectedSchemas().of("app", List.of(
                version(1, "CREATE TABLE items (id INTEGER PRIMARY KEY)"),
                version(2, "INSERT INTO made_by_hand VALUES (1)"),
                version(3, "CREATE TABLE later (x)")));
        assertThat(expected).containsOnlyKeys(0, 1);
    }

    /**
     * A version that fails on what the set builds (a column added twice) fails on every tenant at the version before it, and
     * in the set's template: an outside probe registered one while every tenant was cold, and creating tenants from the
     * template failed for good. One failing on something missing may be about a table a tenant made outside the set.
     */
    @Test
    void aVersionFailingOnTheSetsOwnSchemaIsACertainFailure() {
        List<MigrationCatalog.Version> set = List.of(version(1, "CREATE TABLE users (id INTEGER PRIMARY KEY)"),
                version(2, "ALTER TABLE users ADD COLUMN phone TEXT"));

        assertThat(ExpectedSchemas.certainFailure(set, List.of("CREATE INDEX users_id ON users (id)", "ALTER TABLE users ADD COLUMN phone TEXT")))
                .hasValueSatisfying(f -> {
                    assertThat(f.statement()).isEqualTo(1);
                    assertThat(f.message()).isEqualTo("duplicate column name: phone");
                });
        assertThat(ExpectedSchemas.certainFailure(set, List.of("CREATE TABLE users (x)"))).isPresent();
        assertThat(ExpectedSchemas.certainFailure(set, List.of("ALTER TABLE users ADD COLUMN email TEXT"))).isEmpty();
        assertThat(ExpectedSchemas.certainFailure(set, List.of("CREATE INDEX o ON orders (id)"))).as("orders may be the tenant's own").isEmpty();
        assertThat(ExpectedSchemas.certainFailure(set, List.of("INSERT INTO users (email) VALUES (1)"))).as("a column made outside").isEmpty();
        assertThat(ExpectedSchemas.certainFailure(List.of(version(1, "ALTER TABLE handmade ADD COLUMN y")), List.of("CREATE TABLE t (x)", "CREATE TABLE t (x)")))
                .as("the set does not build from empty: nothing is certain").isEmpty();
        assertThat(ExpectedSchemas.certainFailure(List.of(), List.of("CREATE TABLE t (x)", "CREATE TABLE t (y)"))).as("version 1").isPresent();
    }
}
