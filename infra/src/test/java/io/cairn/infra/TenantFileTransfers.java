package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.infra.TestStack.Reply;
import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sql.SqlScript;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/** Whole tenant files over a test stack's HTTP API: exports, imports, and the files a test makes or loads beside them in {@code dir}. */
record TenantFileTransfers(TestStack stack, Path dir) {
    /** Sends {@code body} to the tenant's import route ({@code query}: "" or "?format=sql") as the admin. */
    Reply upload(String tenant, String query, byte[] body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.url() + "/v1/tenants/" + tenant
                + "/import" + query)).header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()), null);
    }

    /** The tenant's export ({@code query}, e.g. "format=sql"), saved to a new file; it must answer 200 with a bookmark. */
    Path export(String tenant, String key, String query) throws Exception {
        Path out = dir.resolve("export-" + UUID.randomUUID());
        HttpResponse<Path> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.url() + "/v1/tenants/" + tenant
                + "/export?" + query)).header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofFile(out));
        if (r.statusCode() != 200) throw new AssertionError("export answered " + r.statusCode() + ": " + Files.readString(out));
        assertThat(r.headers().firstValue("Cairn-Bookmark")).isPresent();
        return out;
    }

    /** Runs a SQL export into an empty database and returns its checksum. */
    String loadDump(Path sql) throws Exception {
        Path db = dir.resolve("loaded-" + UUID.randomUUID() + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String statement : SqlScript.split(Files.readString(sql))) s.execute(statement);
            return LogicalChecksum.sha256Hex(c);
        }
    }

    /** The bytes of a SQLite file made, outside Cairn, by {@code statements}: what a hostile import could send. */
    byte[] sqliteFile(String... statements) throws Exception {
        Path file = dir.resolve("made-" + UUID.randomUUID() + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            for (String sql : statements) st.execute(sql);
        }
        return Files.readAllBytes(file);
    }
}
