package io.cairn.edge.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.edge.migrate.MigrationSql;
import io.cairn.tenantdb.sqlite.MigrationHistory;
import io.cairn.tenantdb.sqlite.SqlDump;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.VersionRegistered;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export carries the migration versions its content is at, and an import takes exactly those: version 2 of the set
 * only adds a row, so by its schema alone a tenant at version 1 was taken at 2, and never got the row.
 */
class ImportedVersionsTest {
    private static final List<String> V1 = List.of("CREATE TABLE roles (name TEXT)");
    private static final List<String> V2 = List.of("INSERT INTO roles VALUES ('admin')");

    @TempDir Path dir;
    private final MigrationCatalog catalog = new MigrationCatalog();

    @BeforeEach
    void registerTheSet() {
        catalog.accept(0, 0, registered(1, V1));
        catalog.accept(0, 1, registered(2, V2));
    }

    @Test
    void aDumpOfATenantAtVersionOneIsImportedAtVersionOneThoughVersionTwoBuildsTheSameSchema() throws Exception {
        String dump = dumpOf(tenantAtVersionOne(List.of(row(1, MigrationSql.checksum(V1)))));
        assertThat(dump).contains(MigrationHistory.CREATE).contains("INSERT INTO \"_cairn_migrations\" VALUES('app',1,")
                .doesNotContain("_cairn_tenant").doesNotContain("_cairn_keys");

        Path sub = Files.createDirectory(dir.resolve("sql"));
        ImportedFile.Checked checked = ImportedFile.read(new ByteArrayInputStream(dump.getBytes(StandardCharsets.UTF_8)), true, 1 << 30, sub);
        assertThat(checked.tables()).as("the content's tables only").isEqualTo(1);
        assertThat(ImportedVersions.record(checked.file(), catalog, 7)).isEqualTo(Map.of("app", 1));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + checked.file()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, run_id FROM _cairn_migration_status WHERE set_name = 'app'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(MigrationHistory.read(c)).containsExactly(row(1, MigrationSql.checksum(V1)));
        }
    }

    @Test
    void aSqliteFileCarryingItsVersionsIsImportedAtThem() throws Exception {
        Path file = tenantAtVersionOne(List.of(row(1, MigrationSql.checksum(V1))));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            List<String> others = new java.util.ArrayList<>(); // as an export leaves the file: Cairn's tables but the versions' dropped
            try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '\\_cairn\\_%' ESCAPE '\\'"
                    + " AND name <> '_cairn_migrations'")) {
                while (rs.next()) others.add(rs.getString(1));
            }
            for (String t : others) s.execute("DROP TABLE " + t);
        }
        Path sub = Files.createDirectory(dir.resolve("file"));
        ImportedFile.Checked checked = ImportedFile.read(Files.newInputStream(file), false, 1 << 30, sub);
        assertThat(ImportedVersions.record(checked.file(), catalog, 7)).isEqualTo(Map.of("app", 1));
    }

    @Test
    void withoutItsVersionsAFileIsTakenAtTheNewestVersionOfItsSchema() throws Exception {
        ImportedFile.Checked checked = importSql("CREATE TABLE roles (name TEXT);");
        assertThat(ImportedVersions.record(checked.file(), catalog, 7)).isEqualTo(Map.of("app", 2));
    }

    @Test
    void versionsThatAreNotTheRegisteredOnesAreRefusedNamingWhy() throws Exception {
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> ImportedVersions.record(importSql(dumpOf(tenantAtVersionOne(List.of(row(1, wrong))))).file(), catalog, 7))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_IMPORT))
                .hasMessageContaining("version 1 of migration set app has checksum " + wrong).hasMessageContaining("drop the table _cairn_migrations");
        assertThatThrownBy(() -> ImportedVersions.record(importSql(dumpOf(tenantAtVersionOne(List.of(row(2, MigrationSql.checksum(V2)))))).file(),
                catalog, 7)).isInstanceOf(ApiError.class).hasMessageContaining("skip from 0 to 2");
        MigrationHistory.Row other = new MigrationHistory.Row("billing", 1, MigrationSql.checksum(V1), "run-1", 5);
        assertThatThrownBy(() -> ImportedVersions.record(importSql(dumpOf(tenantAtVersionOne(List.of(other)))).file(), catalog, 7))
                .isInstanceOf(ApiError.class).hasMessageContaining("migration set billing, which is not registered here");
    }

    @Test
    void aScriptMayNameTheTableOnlyAsAnExportWritesIt() {
        assertThatThrownBy(() -> importSql(MigrationHistory.CREATE + ";\nDELETE FROM _cairn_migrations;"))
                .isInstanceOf(ApiError.class).hasMessageContaining("statement 2");
        assertThatThrownBy(() -> importSql("CREATE TABLE _cairn_migrations (x);")).isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> importSql(MigrationHistory.CREATE + ";\nINSERT INTO \"_cairn_migrations\" SELECT 'app', 1, '', '', 0;"))
                .isInstanceOf(ApiError.class);
    }

    private ImportedFile.Checked importSql(String script) throws Exception {
        Path sub = Files.createTempDirectory(dir, "import-");
        return ImportedFile.read(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), true, 1 << 30, sub);
    }

    /** A tenant's file as the applier keeps it: Cairn's tables, version 1's table, {@code versions} applied. */
    private Path tenantAtVersionOne(List<MigrationHistory.Row> versions) throws Exception {
        Path file = Files.createTempFile(dir, "tenant-", ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            TenantSchema.create(c);
            s.execute(V1.getFirst());
            for (MigrationHistory.Row r : versions) MigrationHistory.insert(c, r);
        }
        return file;
    }

    private static String dumpOf(Path file) throws Exception {
        StringWriter out = new StringWriter();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            c.setAutoCommit(false);
            SqlDump.write(c, out);
        }
        return out.toString();
    }

    private static MigrationHistory.Row row(int version, String checksum) {
        return new MigrationHistory.Row("app", version, checksum, "run-1", 5);
    }

    private static MigrationEvent registered(int version, List<String> statements) {
        return MigrationEvent.newBuilder().setRequestId("r" + version).setAtMs(1_000).setPayload(VersionRegistered.newBuilder().setSet("app")
                .setVersion(version).setChecksum(MigrationSql.checksum(statements)).setStatements(statements).build()).build();
    }
}
