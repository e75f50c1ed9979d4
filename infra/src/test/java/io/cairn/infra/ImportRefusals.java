package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.infra.TestStack.Reply;

/**
 * What an import refuses, with the refusal's code, and that a refused import stores and changes nothing: a body that is
 * no database or holds no statement, names Cairn reserves, statements or schema objects the write policy refuses, a
 * script past the size limit, and an import by a tenant's key. {@code RestoreIT} runs it on its stack.
 */
final class ImportRefusals {
    private ImportRefusals() {}

    /** Imports into {@code tenant} (whose key is {@code key}) that must all be refused, leaving its content as it was. */
    static void check(TestStack stack, TenantFileTransfers files, String tenant, String key) throws Exception {
        String kept = stack.checksum(tenant, key);
        assertThat(files.upload(tenant, "", "not a database".getBytes()).errorCode()).isEqualTo("invalid_import");
        assertThat(files.upload(tenant, "", new byte[0]).errorCode()).as("an empty body is no database").isEqualTo("invalid_import");
        assertThat(files.upload(tenant, "?format=sql", new byte[0]).errorCode()).as("an empty body would empty the tenant").isEqualTo("invalid_import");
        assertThat(files.upload(tenant, "?format=sql", " \n-- only a comment\n".getBytes()).errorCode()).isEqualTo("invalid_import");
        assertThat(files.upload(tenant + "-absent", "?format=sql", new byte[0]).errorCode()).isEqualTo("invalid_import");
        assertThat(stack.get("/v1/tenants/" + tenant + "-absent", ADMIN).status()).as("nor created").isEqualTo(404);
        assertThat(files.upload(tenant, "?format=sql", "CREATE TABLE _cairn_keys (x);".getBytes()).errorCode()).isEqualTo("reserved_name");
        Reply attach = files.upload(tenant, "?format=sql", "CREATE TABLE t (a); ATTACH 'x.db' AS x;".getBytes());
        assertThat(attach.errorCode()).isEqualTo("forbidden_statement");
        assertThat(attach.body().path("error").path("statement").asInt()).as("0-based, as in writes").isEqualTo(1);
        assertThat(attach.body().path("error").path("message").asText()).as("counted from 1, as in migrations, with the index the field gives").startsWith("statement 2 (index 1): ");
        assertThat(files.upload(tenant, "", files.sqliteFile("CREATE TABLE t (a)",
                "CREATE TRIGGER t_r AFTER INSERT ON t BEGIN UPDATE t SET a = sqlite_version(); END")).errorCode())
                .as("a trigger the write policy refuses").isEqualTo("nondeterministic");
        assertThat(files.upload(tenant, "", files.sqliteFile("CREATE TABLE t (a)", "INSERT INTO t (rowid, a) VALUES (9223372036854775807, 1)")).errorCode())
                .as("the largest rowid: random rowids after it").isEqualTo("nondeterministic");
        assertThat(files.upload(tenant, "", files.sqliteFile("CREATE VIRTUAL TABLE f USING fts5(body)", "CREATE TABLE t (a)",
                "CREATE TRIGGER t_f AFTER INSERT ON t BEGIN DELETE FROM f_data; END")).errorCode())
                .as("a trigger writing FTS5's internal table").isEqualTo("forbidden_statement");
        Reply runaway = files.upload(tenant, "?format=sql", ("CREATE TABLE t (a);\nINSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL"
                + " SELECT i + 1 FROM c) SELECT randomblob(1000) FROM c;\n").getBytes());
        assertThat(runaway.status()).as("a script's runaway statement stops at the size limit: " + runaway.body()).isEqualTo(413);
        assertThat(runaway.body().path("error").path("statement").asInt()).isEqualTo(1);
        assertThat(stack.call("POST", "/v1/tenants/" + tenant + "/import", key, "x").status()).as("only an admin imports").isEqualTo(403);
        // curl --data-binary @dump.sql without a Content-Type sends a form: refused naming the types, not read as a SQLite file.
        Reply form = stack.call("POST", "/v1/tenants/" + tenant + "/import", TestStack.ADMIN, "CREATE TABLE t (a);",
                java.util.Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertThat(form.status()).as(form.body().toString()).isEqualTo(415);
        assertThat(form.body().path("error").path("message").asText()).contains("application/sql");
        assertThat(stack.checksum(tenant, key)).isEqualTo(kept);
    }
}
