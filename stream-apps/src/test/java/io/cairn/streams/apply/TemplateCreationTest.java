package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.TenantCommand;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Creations from a template ({@code CreateTenant} carrying the set's versions): the first prepares the
 * template's file in the heavy lane, later ones are written from it; a template that reads the clock or
 * fails on an empty file is not shared, and each creation runs its versions. Every way gives the tenant
 * what running the versions in its creation would.
 */
class TemplateCreationTest extends ApplierHarness {
    static final List<List<String>> APP = List.of(
            List.of("CREATE TABLE plans (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
            List.of("INSERT INTO plans (name) VALUES ('free'), ('pro')", "CREATE UNIQUE INDEX plans_name ON plans (name)"));

    @Test
    void theFirstCreationPreparesTheTemplateAndTheNextAreWrittenFromItAtTheSetsVersion() throws Exception {
        startApplier(16);
        TenantCommand first = Commands.createFromTemplate("a", "app", APP);
        assertThat(pool.templates().prepared((CreateTenant) first.getPayload())).as("nothing prepared before").isNull();

        assertThat(applyAll(first, Commands.createFromTemplate("b", "app", APP))).allMatch(CommandResult::getOk);

        assertThat(pool.templates().prepared((CreateTenant) first.getPayload())).as("prepared by the first creation").isNotNull();
        for (String t : List.of("a", "b")) {
            assertThat(query(t, "SELECT name FROM plans ORDER BY id")).containsExactly(List.of("free"), List.of("pro"));
            assertThat(query(t, "SELECT set_name, version, run_id, applied_at_ms FROM _cairn_migrations ORDER BY version"))
                    .as("the versions count as applied at the tenant's creation")
                    .containsExactly(List.of("app", 1, "template", Commands.T0), List.of("app", 2, "template", Commands.T0));
            assertThat(query(t, "SELECT schema_version FROM _cairn_tenant")).containsExactly(List.of(2));
            assertThat(query(t, "SELECT version, failed_version FROM _cairn_migration_status WHERE set_name = 'app'"))
                    .containsExactly(java.util.Arrays.asList(2, null));
        }
        try (Stream<java.nio.file.Path> scratch = Files.exists(hot.resolve("recovery")) ? Files.list(hot.resolve("recovery")) : Stream.empty()) {
            assertThat(scratch.toList()).as("no scratch file stays behind").isEmpty();
        }
    }

    @Test
    void aPlainCreationIsWrittenFromTheBlankFileAndHoldsWhatCairnsOwnDdlMakesOnAnEmptyFile() throws Exception {
        startApplier(16);
        assertThat(pool.templates().blankPrepared()).isFalse();

        assertThat(applyAll(Commands.create("a"), Commands.create("b"), Commands.execute("b", "CREATE TABLE mine (x)")))
                .allMatch(CommandResult::getOk);

        assertThat(pool.templates().blankPrepared()).as("prepared by the first creation").isTrue();
        String schema = "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema WHERE name <> 'mine' ORDER BY name";
        List<List<Object>> ddl;
        java.nio.file.Path own = hot.resolveSibling(hot.getFileName() + "-ddl.db");
        try (TenantConnection c = SqliteConnections.openWritable("own", own, SqliteLimits.WRITE_DEFAULTS);
             java.sql.Statement s = c.connection().createStatement()) {
            TenantSchema.create(c.connection());
            ddl = rows(s.executeQuery(schema));
        } finally {
            Files.deleteIfExists(own);
        }
        for (String t : List.of("a", "b")) {
            assertThat(query(t, schema)).as("Cairn's tables, as its DDL makes them").isEqualTo(ddl);
            assertThat(query(t, "SELECT tenant FROM _cairn_tenant")).containsExactly(List.of(t));
        }
    }

    @Test
    void anExistingTenantIsNeverReplacedByATemplatesFile() throws Exception {
        startApplier(16);
        assertThat(applyAll(Commands.createFromTemplate("a", "app", APP), Commands.execute("a", "INSERT INTO plans (name) VALUES ('team')")))
                .allMatch(CommandResult::getOk);

        CommandResult again = applyAll(Commands.createFromTemplate("a", "app", APP)).getFirst();

        assertThat(again.getError().getCode()).isEqualTo("tenant_exists");
        assertThat(query("a", "SELECT count(*) FROM plans")).containsExactly(List.of(3));
    }

    @Test
    void aTemplateReadingTheClockRunsInEachCreationAtItsOwnTime() throws Exception {
        startApplier(16);
        List<List<String>> stamped = List.of(List.of("CREATE TABLE meta (at TEXT)", "INSERT INTO meta VALUES (strftime('%s', 'now'))"));
        TenantCommand a = Commands.createFromTemplate("a", "stamped", stamped);
        TenantCommand b = TenantCommand.newBuilder(Commands.createFromTemplate("b", "stamped", stamped))
                .setIngressTimeMs(Commands.T0 + 86_400_000L).build();

        assertThat(applyAll(a, b)).allMatch(CommandResult::getOk);

        assertThat(pool.templates().prepared((CreateTenant) a.getPayload())).as("not shared").isNull();
        assertThat(query("a", "SELECT at FROM meta")).containsExactly(List.of(Long.toString(Commands.T0 / 1000)));
        assertThat(query("b", "SELECT at FROM meta")).containsExactly(List.of(Long.toString(Commands.T0 / 1000 + 86_400)));
    }

    @Test
    void aTemplateFailingOnAnEmptyFileCreatesTheTenantAtVersionZeroWithTheFailure() throws Exception {
        startApplier(16);
        List<List<String>> broken = List.of(List.of("CREATE TABLE a (x)"), List.of("INSERT INTO not_there VALUES (1)"));

        assertThat(applyAll(Commands.createFromTemplate("a", "broken", broken), Commands.execute("a", "CREATE TABLE mine (x)")))
                .allMatch(CommandResult::getOk);

        assertThat(query("a", "SELECT name FROM sqlite_schema WHERE name IN ('a', 'mine')")).containsExactly(List.of("mine"));
        assertThat(query("a", "SELECT version, failed_version, error_code FROM _cairn_migration_status"))
                .containsExactly(List.of(0, 2, "sql_error"));
        assertThat(query("a", "SELECT count(*) FROM _cairn_migrations")).containsExactly(List.of(0));
    }
}
