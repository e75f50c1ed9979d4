package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.connectors.keys.LocalDataKeyVault;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.infra.TestStack.Reply;
import io.cairn.infra.config.EncryptionSettings;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.ErasedContentException;
import io.cairn.streams.apply.LogReplay;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.Sealing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Crypto-shredding end to end, on a real broker, applier and s3proxy: a tenant's secrets never appear in
 * clear in any record of the log or the results, nor in any stored snapshot; once the tenant is deleted
 * its data keys are destroyed, so its records and snapshots cannot be opened by anyone, a rebuild passes
 * over them (counted "erased") and rebuilds every other tenant exactly, and its past cannot be restored
 * or forked (410 tenant_erased).
 */
class ErasureIT {
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        nodeKeys = keys();
        stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()).withEncryption(nodeKeys));
    }

    /** The node's own keys (the edge's and the applier's): what a create running in that process makes shows there at once. */
    static TenantKeys nodeKeys;

    private static TenantKeys keys() {
        return EncryptionSettings.keys(data.resolve("kek.keys"), data.resolve("keys"), new SimpleMeterRegistry());
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    void aDeletedTenantsSecretsAreNowhereInClearAndItsKeysAreGoneWhileOtherTenantsRebuildExactly() throws Exception {
        String secretInSql = "SQL-SECRET-" + UUID.randomUUID();
        String secretParam = "PARAM-SECRET-" + UUID.randomUUID();
        String key = stack.createTenant("er-acme");
        String otherKey = stack.createTenant("er-other");
        ok(stack.post("/v1/tenants/er-acme/execute", key, "{\"sql\":\"CREATE TABLE cards (id INTEGER PRIMARY KEY, number TEXT)\"}"));
        ok(stack.post("/v1/tenants/er-other/execute", otherKey, "{\"sql\":\"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)\"}"));
        for (int i = 0; i < 20; i++) {
            ok(stack.post("/v1/tenants/er-acme/execute", key, "{\"sql\":\"INSERT INTO cards (number) VALUES ('" + secretInSql + "')\"}"));
            ok(stack.post("/v1/tenants/er-acme/execute", key, "{\"sql\":\"INSERT INTO cards (number) VALUES (?)\",\"params\":[\"" + secretParam + "\"]}"));
            ok(stack.post("/v1/tenants/er-other/execute", otherKey, "{\"sql\":\"INSERT INTO notes (body) VALUES ('note " + i + "')\"}"));
        }
        // Rows returned by a write (RETURNING) and an error echoing the SQL travel on cairn.tenant-results: sealed too.
        Reply returned = ok(stack.post("/v1/tenants/er-acme/execute", key,
                "{\"sql\":\"INSERT INTO cards (number) VALUES (?) RETURNING number\",\"params\":[\"" + secretParam + "\"]}"));
        assertThat(returned.body().toString()).as("the client still reads its own rows").contains(secretParam);
        Reply refused = stack.post("/v1/tenants/er-acme/execute", key, "{\"sql\":\"INSERT INTO nope VALUES ('" + secretInSql + "')\"}");
        assertThat(refused.status()).isEqualTo(400);
        // A failed migration's error (a trigger's RAISE of a row's value) travels on cairn.tenant-results and, as the
        // set's last failure, on cairn.tenant-state: sealed too, and in clear for the admin asking.
        ok(stack.post("/v1/tenants/er-acme/execute", key, "{\"sql\":\"CREATE TRIGGER leak BEFORE UPDATE ON cards"
                + " BEGIN SELECT RAISE(ABORT, 'bad ' || old.number); END\"}"));
        assertThat(stack.call("PUT", "/v1/migrations/er-set/versions/1", ADMIN, "{\"sql\":\"UPDATE cards SET number = number || '!'\"}")
                .status()).isEqualTo(201);
        String runId = stack.post("/v1/migrations/er-set/runs", ADMIN, "{\"tenants\":[\"er-acme\"]}").text("run_id");
        JsonNode run = org.awaitility.Awaitility.await("the run failing on the trigger").atMost(Duration.ofSeconds(60))
                .until(() -> stack.get("/v1/migrations/er-set/runs/" + runId, ADMIN).body(), r -> r.path("failed").asInt() == 1);
        assertThat(run.path("failures").get(0).path("error").asText()).contains(secretInSql);
        assertThat(stack.get("/v1/tenants/er-acme", ADMIN).body().path("migrations").path("er-set").path("error").asText()).contains(secretInSql);
        Reply read = ok(stack.post("/v1/tenants/er-acme/query", key, "{\"sql\":\"SELECT count(*) FROM cards WHERE number IN ('"
                + secretInSql + "', '" + secretParam + "')\"}"));
        assertThat(read.body().path("rows").get(0).get(0).asInt()).isEqualTo(41);
        stack.snapshot("er-acme");
        // An as-of read leaves a copy of that past on the edge's local disk, opened (in clear).
        ok(stack.post("/v1/tenants/er-acme/query", key, "{\"sql\":\"SELECT count(*) FROM cards\",\"as_of\":\""
                + read.text("bookmark") + "\"}"));
        assertThat(edgeCopiesOf("er-acme")).as("the as-of copy on the edge's disk").isNotEmpty();

        assertThat(rawTopics()).as("tenant data in clear on Kafka, before any deletion").doesNotContain(secretInSql, secretParam);
        assertThat(rawObjects()).as("tenant data in clear in the snapshot store").doesNotContain(secretInSql, secretParam);
        assertThat(new LocalDataKeyVault(data.resolve("keys")).list("er-acme")).hasSize(1);
        String otherBefore = stack.checksum("er-other", otherKey);

        ok(stack.call("DELETE", "/v1/tenants/er-acme", ADMIN, null));

        assertThat(new LocalDataKeyVault(data.resolve("keys")).list("er-acme")).as("the deleted tenant's keys").isEmpty();
        // The edge's directory feed removes them when it sees the delete.
        org.awaitility.Awaitility.await("copies of the deleted tenant gone from the edge's disk").atMost(Duration.ofSeconds(10))
                .until(() -> edgeCopiesOf("er-acme").isEmpty());
        assertThat(rawTopics()).doesNotContain(secretInSql, secretParam);
        TenantKeys anyone = keys(); // a fresh process with the same KEK and vault: nothing opens
        List<TenantCommand> sealed = records("er-acme").stream().filter(Sealing::isSealed).toList();
        assertThat(sealed).hasSizeGreaterThanOrEqualTo(42);
        for (TenantCommand c : sealed) assertThatThrownBy(() -> Sealing.open(c, anyone)).isInstanceOf(KeyErasedException.class);
        // Its snapshots are removed from the store (they would only cost storage): any still there by then does not open.
        for (var snapshot : bucket.store().list("er-acme")) {
            assertThatThrownBy(() -> bucket.store().sealedWith(anyone).download("er-acme", snapshot.offset(), data.resolve("erased.db")))
                    .isInstanceOf(KeyErasedException.class);
        }
        org.awaitility.Awaitility.await("the deleted tenant's snapshots removed from the store").atMost(Duration.ofSeconds(30))
                .until(() -> bucket.store().list("er-acme").isEmpty());

        Reply fork = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"er-fork\",\"from\":{\"tenant\":\"er-acme\"}}");
        assertThat(fork.status()).as(fork.body().toString()).isEqualTo(410);
        assertThat(fork.errorCode()).isEqualTo("tenant_erased");
        assertThat(stack.post("/v1/tenants/er-acme/restore", ADMIN, "{\"bookmark\":\"0:1\"}").status()).isEqualTo(410);

        // A rebuild from the whole log with the same keys: the erased tenant's writes are passed over, the other is exact.
        Path rebuilt = data.resolve("rebuilt-" + UUID.randomUUID());
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt).withKeys(keys()))
                .withSnapshots(bucket.store().sealedWith(keys()), new SimpleMeterRegistry()).replayAll(t -> true, p -> { });
        assertThat(TestStack.fileChecksum(rebuilt, "er-other")).isEqualTo(otherBefore);
        assertThat(new TenantFiles(rebuilt).exists("er-acme")).isFalse();
        // The other tenant goes on as before, encrypted.
        ok(stack.post("/v1/tenants/er-other/execute", otherKey, "{\"sql\":\"INSERT INTO notes (body) VALUES ('after')\"}"));

        // The id taken again: a new tenant, which sees nothing of the earlier life, not even that its snapshots exist. One
        // is put back as a purge that failed (the store down past its retries) would have left it.
        long beforeDelete = Long.parseLong(read.text("bookmark").substring(read.text("bookmark").indexOf(':') + 1));
        bucket.store().put("er-acme", beforeDelete, Files.write(data.resolve("left-behind.db"), new byte[] {1, 2, 3}));
        String again = stack.createTenant("er-acme");
        assertThat(stack.get("/v1/tenants/er-acme/snapshots", again).body().path("snapshots").size()).isZero();
        assertThat(stack.get("/v1/tenants/er-acme/history", again).body().path("snapshots").size()).isZero();
        assertThat(stack.get("/v1/tenants/er-acme/history", ADMIN).body().path("snapshots").size()).isZero();
        stack.snapshot("er-acme");
        assertThat(stack.get("/v1/tenants/er-acme/snapshots", again).body().path("snapshots").size()).as("its own, once taken").isEqualTo(1);
    }

    /**
     * A create of an id that exists makes a key before the applier refuses it, and destroys it after: for that
     * moment the key is the vault's newest for the tenant. A write sealed with it would be applied and
     * acknowledged, then erased with the key, so that no replay could read it. Writes are sealed with the key
     * the tenant's applied state names.
     */
    @Test
    void aWriteIsSealedWithTheKeyTheTenantsStateNamesNotAKeyARefusedCreateMadeMeanwhile() throws Exception {
        String key = stack.createTenant("er-doomed");
        ok(stack.post("/v1/tenants/er-doomed/execute", key, "{\"sql\":\"CREATE TABLE t (v TEXT)\"}"));
        String named = stack.get("/v1/tenants/er-doomed", ADMIN).body().toString();
        assertThat(named).contains("er-doomed");
        io.cairn.topics.seal.DataKey doomed = nodeKeys.create("er-doomed"); // what a duplicate create does first

        ok(stack.post("/v1/tenants/er-doomed/execute", key, "{\"sql\":\"INSERT INTO t VALUES ('kept')\"}"));
        nodeKeys.destroy("er-doomed", List.of(doomed.id())); // and what it does once refused

        TenantKeys anyone = keys();
        List<TenantCommand> sealed = records("er-doomed").stream().filter(Sealing::isSealed).toList();
        assertThat(sealed).hasSize(2);
        for (TenantCommand c : sealed) {
            assertThat(Sealing.keyId(c)).isNotEqualTo(doomed.id());
            assertThat(Sealing.open(c, anyone).getCommandId()).isEqualTo(c.getCommandId());
        }
    }

    /** An import that creates its tenant is stored sealed with the new tenant's key (it went in clear: stored before the key existed). */
    @Test
    void anImportThatCreatesItsTenantIsStoredSealedAndErasedWithIt() throws Exception {
        String secret = "IMPORT-SECRET-" + UUID.randomUUID();
        Reply created = stack.call("POST", "/v1/tenants/er-imported/import?format=sql", ADMIN,
                "CREATE TABLE s (v TEXT);\nINSERT INTO s VALUES ('" + secret + "');\n");
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        Reply read = ok(stack.post("/v1/tenants/er-imported/query", created.text("api_key"), "{\"sql\":\"SELECT v FROM s\"}"));
        assertThat(read.body().toString()).contains(secret);
        assertThat(rawObjects()).as("the import, in the snapshot store").doesNotContain(secret);

        ok(stack.call("DELETE", "/v1/tenants/er-imported", ADMIN, null));
        TenantKeys anyone = keys();
        String importKey = created.text("import");
        String importId = importKey.substring(importKey.lastIndexOf('/') + 1);
        assertThatThrownBy(() -> bucket.store().sealedWith(anyone).downloadImport("er-imported", importId, data.resolve("erased-import.db")))
                .isInstanceOf(KeyErasedException.class);
        // A rebuild passes over the erased tenant's import as over its writes.
        Path rebuilt = data.resolve("rebuilt-" + UUID.randomUUID());
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt).withKeys(keys()))
                .withSnapshots(bucket.store().sealedWith(keys()), new SimpleMeterRegistry()).replayAll(t -> t.equals("er-imported"), p -> { });
        assertThat(new TenantFiles(rebuilt).exists("er-imported")).isFalse();
    }

    @Test
    void aForkKeepsItsOwnSnapshotSoItRebuildsExactlyAfterItsSourceIsErased() throws Exception {
        String key = stack.createTenant("er-fsrc");
        ok(stack.post("/v1/tenants/er-fsrc/execute", key, "{\"sql\":\"CREATE TABLE s (v)\"}"));
        ok(stack.post("/v1/tenants/er-fsrc/execute", key, "{\"sql\":\"INSERT INTO s VALUES (1), (2)\"}"));
        Reply fork = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"er-fsrc-fork\",\"from\":{\"tenant\":\"er-fsrc\"}}");
        assertThat(fork.status()).as(fork.body().toString()).isEqualTo(201);
        ok(stack.post("/v1/tenants/er-fsrc-fork/execute", fork.text("api_key"), "{\"sql\":\"INSERT INTO s VALUES (3)\"}"));
        org.awaitility.Awaitility.await("the fork's own snapshot").atMost(Duration.ofSeconds(30))
                .until(() -> !stack.get("/v1/tenants/er-fsrc-fork", ADMIN).body().path("last_snapshot").isNull());
        assertThat(stack.call("DELETE", "/v1/tenants/er-fsrc", ADMIN, null).status()).isEqualTo(200);

        // The source's records can no longer be opened; the fork's content must not depend on them.
        Path rebuilt = data.resolve("rebuilt-fork");
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt).withKeys(keys()))
                .withSnapshots(bucket.store().sealedWith(keys()), new SimpleMeterRegistry()).replayAll(t -> t.equals("er-fsrc-fork"), p -> { });
        assertThat(TestStack.fileChecksum(rebuilt, "er-fsrc-fork")).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "er-fsrc-fork"));

        // Without the fork's snapshot (a replay from the log alone) its content cannot be built: it is named, never built empty.
        Path logOnly = data.resolve("rebuilt-fork-log-only");
        assertThatThrownBy(() -> new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(logOnly).withKeys(keys()))
                .withImports(bucket.store().sealedWith(keys())).replayAll(t -> t.startsWith("er-fsrc"), p -> { }))
                .isInstanceOfSatisfying(ErasedContentException.class, e -> assertThat(e.tenants()).containsExactly("er-fsrc-fork"));
        assertThat(new TenantFiles(logOnly).exists("er-fsrc-fork")).isFalse();
    }

    /**
     * A replica behind the primary meets a fork after the source's delete destroyed its keys: it cannot build
     * the fork from the source's records, as the primary did while they opened. It once refused the fork and
     * kept it empty, so every later write of the fork failed there; now it places the primary's snapshot of the fork.
     */
    @Test
    void aReplicaBehindAForkWhoseSourceWasErasedSinceTakesTheForkFromThePrimarysSnapshot() throws Exception {
        String key = stack.createTenant("er-rsrc");
        ok(stack.post("/v1/tenants/er-rsrc/execute", key, "{\"sql\":\"CREATE TABLE s (v)\"}"));
        ok(stack.post("/v1/tenants/er-rsrc/execute", key, "{\"sql\":\"INSERT INTO s VALUES (1), (2)\"}"));
        Path dir = data.resolve("replica-of-fork");
        ApplierConfig config = ApplierConfig.primary(dir).withRole(ApplierConfig.Role.REPLICA, "cairn-replica-erasure", dir);
        // Each start is a new process: its keys are read from the vault, where the delete destroyed the source's.
        java.util.function.Supplier<io.cairn.infra.runtime.CairnNode.Spec> spec = () -> new io.cairn.infra.runtime.CairnNode.Spec(
                config, null, 4, (short) 1).withSnapshots(bucket.options()).withEncryption(keys());
        try (var replica = io.cairn.infra.runtime.CairnNode.start(spec.get(), stack.kafkaProperties(), new SimpleMeterRegistry())) {
            assertThat(replica.awaitHealthy(Duration.ofSeconds(60))).isTrue();
            org.awaitility.Awaitility.await("the replica has the source").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    TestStack.fileChecksum(dir, "er-rsrc").equals(TestStack.fileChecksum(data.resolve("hot"), "er-rsrc")));
        }
        // While the replica is stopped: the fork (with its own snapshot), a write of it, the source's delete.
        Reply fork = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"er-rsrc-fork\",\"from\":{\"tenant\":\"er-rsrc\"}}");
        assertThat(fork.status()).as(fork.body().toString()).isEqualTo(201);
        org.awaitility.Awaitility.await("the fork's own snapshot").atMost(Duration.ofSeconds(30))
                .until(() -> !stack.get("/v1/tenants/er-rsrc-fork", ADMIN).body().path("last_snapshot").isNull());
        ok(stack.post("/v1/tenants/er-rsrc-fork/execute", fork.text("api_key"), "{\"sql\":\"INSERT INTO s VALUES (3)\"}"));
        assertThat(stack.call("DELETE", "/v1/tenants/er-rsrc", ADMIN, null).status()).isEqualTo(200);

        try (var replica = io.cairn.infra.runtime.CairnNode.start(spec.get(), stack.kafkaProperties(), new SimpleMeterRegistry())) {
            assertThat(replica.awaitHealthy(Duration.ofSeconds(60))).isTrue();
            org.awaitility.Awaitility.await("the replica's fork as the primary's").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    TestStack.fileChecksum(dir, "er-rsrc-fork").equals(TestStack.fileChecksum(data.resolve("hot"), "er-rsrc-fork")));
            assertThat(new TenantFiles(dir).exists("er-rsrc")).as("the source, deleted, is gone from the replica too").isFalse();
        }
    }

    @Test
    void aForkAppliedAfterItsSourceWasErasedIsRefusedNotMadeEmpty() throws Exception {
        String key = stack.createTenant("er-late");
        ok(stack.post("/v1/tenants/er-late/execute", key, "{\"sql\":\"CREATE TABLE s (v)\"}"));
        Bookmark point = Bookmark.parse(ok(stack.post("/v1/tenants/er-late/execute", key, "{\"sql\":\"INSERT INTO s VALUES (1)\"}")).text("bookmark"));
        String forkKey = stack.createTenant("er-late-fork");
        assertThat(stack.call("DELETE", "/v1/tenants/er-late", ADMIN, null).status()).isEqualTo(200);

        // The fork's RestoreFrom as the edge appends it, reaching the applier only after the source's delete (a race the edge cannot see).
        TenantCommand restore = io.cairn.edge.write.Commands.restore("er-late-fork", "er-late", point.partition(), point.offset(), null);
        Map<String, Object> props = new HashMap<>(stack.kafkaProperties());
        try (var log = new org.apache.kafka.clients.producer.KafkaProducer<>(props, new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            log.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TopicCatalog.TENANT_LOG, "er-late-fork", Serdes.COMMAND.encode(restore))).get();
        }
        CommandResult outcome = org.awaitility.Awaitility.await("the fork's outcome").atMost(Duration.ofSeconds(30)).until(
                () -> outcomeOf(restore.getCommandId()), java.util.Objects::nonNull);
        assertThat(outcome.getOk()).as("a fork of erased content is refused, not applied empty").isFalse();
        assertThat(outcome.getError().getCode()).isEqualTo("tenant_erased");
        // The tenant it was meant for is as it was: writable, its own. Then deleted, as the edge deletes a fork that failed.
        ok(stack.post("/v1/tenants/er-late-fork/execute", forkKey, "{\"sql\":\"CREATE TABLE mine (v)\"}"));
        ok(stack.call("DELETE", "/v1/tenants/er-late-fork", ADMIN, null));
    }

    /** The outcome of the command {@code commandId} on the results topic, opened with the keys; null while there is none. */
    private static CommandResult outcomeOf(String commandId) {
        for (ConsumerRecord<byte[], byte[]> r : readAll(List.of(TopicCatalog.TENANT_RESULTS))) {
            if (r.value() == null) continue;
            CommandResult result = Serdes.RESULT.decode(r.value());
            if (result.getCommandId().equals(commandId)) return Sealing.open(result, keys());
        }
        return null;
    }

    @Test
    void theRebuildCommandOpensSealedRecordsWithTheKeysInTheDataDirAsDevKeepsThem() throws Exception {
        String key = stack.createTenant("er-cli");
        ok(stack.post("/v1/tenants/er-cli/execute", key, "{\"sql\":\"CREATE TABLE t (v TEXT)\"}"));
        ok(stack.post("/v1/tenants/er-cli/execute", key, "{\"sql\":\"INSERT INTO t VALUES ('sealed on the log')\"}"));
        Path into = data.resolve("rebuilt-cli");
        // The data dir holds kek.keys and keys/, as ./cairn dev's does (this stack's node keys live there too).
        int exit = new picocli.CommandLine(new io.cairn.infra.cli.RebuildCommand()).execute("--data-dir", data.toString(), "--bootstrap",
                stack.kafkaProperties().get("bootstrap.servers").toString(), "--tenant", "er-cli", "--into", into.toString());
        assertThat(exit).isZero();
        assertThat(TestStack.fileChecksum(into, "er-cli")).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "er-cli"));
    }

    @Test
    void aRefusedCreateLeavesNoKeyAndAWriteOfATenantWithoutKeysStillWorks() throws Exception {
        stack.createTenant("er-twice");
        Reply again = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"er-twice\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(new LocalDataKeyVault(data.resolve("keys")).list("er-twice")).as("only the first create's key").hasSize(1);
    }

    @Test
    void aRotatedDataKeySealsNewWritesWhileOldRecordsStillOpenAndAKekRotationRewrapsWithoutTouchingData() throws Exception {
        String key = stack.createTenant("er-rot");
        ok(stack.post("/v1/tenants/er-rot/execute", key, "{\"sql\":\"CREATE TABLE t (v TEXT)\"}"));
        ok(stack.post("/v1/tenants/er-rot/execute", key, "{\"sql\":\"INSERT INTO t VALUES ('before')\"}"));
        String first = stack.get("/v1/tenants/er-rot/data-keys", ADMIN).body().path("data_keys").get(0).path("id").asText();

        Reply rotated = ok(stack.post("/v1/tenants/er-rot/data-keys", ADMIN, null));
        String second = rotated.text("data_key_id");
        assertThat(second).isNotEqualTo(first);
        ok(stack.post("/v1/tenants/er-rot/execute", key, "{\"sql\":\"INSERT INTO t VALUES ('after')\"}"));
        List<TenantCommand> sealed = records("er-rot").stream().filter(Sealing::isSealed).toList();
        assertThat(Sealing.keyId(sealed.getFirst())).isEqualTo(first);
        assertThat(Sealing.keyId(sealed.getLast())).isEqualTo(second);

        Reply kek = ok(stack.post("/v1/encryption/kek", ADMIN, null));
        assertThat(kek.body().path("rewrapped").asInt()).isGreaterThanOrEqualTo(2);
        TenantKeys fresh = keys(); // a new process: both keys unwrap under the new KEK version
        for (TenantCommand c : sealed) assertThat(Sealing.open(c, fresh).getPayload()).isNotNull();
        assertThat(stack.get("/v1/tenants/er-rot/data-keys", ADMIN).body().path("data_keys")).hasSize(2)
                .allSatisfy(k -> assertThat(k.path("kek_version").asText()).isEqualTo(kek.text("kek_version")));
        Reply rows = ok(stack.post("/v1/tenants/er-rot/query", key, "{\"sql\":\"SELECT v FROM t ORDER BY rowid\"}"));
        assertThat(rows.body().path("rows").toString()).isEqualTo("[[\"before\"],[\"after\"]]");

        ok(stack.call("DELETE", "/v1/tenants/er-rot", ADMIN, null));
        assertThat(new LocalDataKeyVault(data.resolve("keys")).list("er-rot")).as("every key of the tenant, old and new").isEmpty();
    }

    /**
     * As-of reads and exports racing their tenant's delete. A past copy built while the tenant was deleted replayed
     * its sealed writes with their keys destroyed, so passed them over: a read answered "no such table". A read
     * concurrent with a delete sees the tenant or not: its rows, or 401/404; never an erased copy, never a 5xx.
     */
    @Test
    void pastReadsAndExportsRacingTheDeleteSeeTheTenantOrNothing() throws Exception {
        java.util.Map<String, Integer> answers = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < 6; i++) {
            String tenant = "er-race-" + i;
            String key = stack.createTenant(tenant);
            String point = ok(stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"statements\":[{\"sql\":\"CREATE TABLE t (n INTEGER)\"},"
                    + "{\"sql\":\"INSERT INTO t VALUES (7)\"}]}")).text("bookmark");
            for (int n = 0; n < 5; n++) ok(stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"INSERT INTO t VALUES (8)\"}"));
            java.util.concurrent.atomic.AtomicBoolean deleted = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.List<Thread> readers = new java.util.ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int kind = r;
                readers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int n = 0; n < 100 && !(deleted.get() && n > 10); n++) {
                            String answer;
                            if (kind == 1) {
                                java.net.http.HttpResponse<String> export = EXPORTS.send(java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(stack.url() + "/v1/tenants/" + tenant + "/export?format=sql"))
                                        .header("Authorization", "Bearer " + key).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                                answer = export.statusCode() == 200 ? "export" : export.statusCode() + " "
                                        + new com.fasterxml.jackson.databind.ObjectMapper().readTree(export.body()).path("error").path("code").asText();
                            } else {
                                Reply read = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT n FROM t\",\"as_of\":\"" + point + "\"}");
                                answer = read.status() == 200 ? read.body().path("rows").toString() : read.status() + " " + read.errorCode();
                            }
                            answers.merge(answer, 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        answers.merge(e.toString(), 1, Integer::sum);
                    }
                }));
            }
            ok(stack.call("DELETE", "/v1/tenants/" + tenant, ADMIN, null));
            deleted.set(true);
            for (Thread t : readers) t.join();
        }
        assertThat(answers.keySet()).as("answers of past reads and exports racing a delete: %s", answers)
                .allMatch(a -> java.util.Set.of("[[7]]", "export", "401 unauthorized", "404 tenant_not_found").contains(a));
    }

    private static final java.net.http.HttpClient EXPORTS = java.net.http.HttpClient.newHttpClient();

    private static Reply ok(Reply r) {
        assertThat(r.status()).as(r.body().toString()).isBetween(200, 299);
        return r;
    }


    /** Every byte of every record of the tenant log and the results topic, as text (ISO-8859-1: one char per byte). */
    private static String rawTopics() {
        StringBuilder all = new StringBuilder();
        for (ConsumerRecord<byte[], byte[]> r : readAll(List.of(TopicCatalog.TENANT_LOG, TopicCatalog.TENANT_RESULTS))) {
            if (r.value() != null) all.append(new String(r.value(), StandardCharsets.ISO_8859_1)).append('\n');
        }
        return all.toString();
    }

    /** The tenant's records on the log, in order. */
    private static List<TenantCommand> records(String tenant) {
        List<TenantCommand> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(List.of(TopicCatalog.TENANT_LOG))) {
            if (r.value() == null) continue;
            TenantCommand c = Serdes.COMMAND.decode(r.value());
            if (c.getTenant().equals(tenant)) out.add(c);
        }
        return out;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(List<String> topics) {
        Map<String, Object> props = new HashMap<>(stack.kafkaProperties());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : topics) consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Every object of the snapshot bucket, as text. */
    private static String rawObjects() {
        StringBuilder all = new StringBuilder();
        for (S3Object o : bucket.client().listObjectsV2Paginator(r -> r.bucket(SnapshotBucket.BUCKET)).contents()) {
            try {
                ResponseBytes<GetObjectResponse> bytes = bucket.client().getObjectAsBytes(r -> r.bucket(SnapshotBucket.BUCKET).key(o.key()));
                all.append(new String(bytes.asByteArray(), StandardCharsets.ISO_8859_1)).append('\n');
            } catch (NoSuchKeyException gone) {
                // Removed between the listing and the read (retention, or another test's delete): nothing left to read.
            }
        }
        return all.toString();
    }

    /** Files under the edge's scratch directories (as-of copies, cold tenants' snapshot copies) named after {@code tenant}. */
    private static List<Path> edgeCopiesOf(String tenant) throws java.io.IOException {
        List<Path> found = new java.util.ArrayList<>();
        try (var dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            // Each edge's scratch space (ScratchSpace): its past copies, cold reads' copies, exports and imports.
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("cairn-edge-")).toList()) {
                try (var files = Files.walk(d)) {
                    files.filter(f -> f.toString().contains(tenant) && Files.isRegularFile(f)).forEach(found::add);
                } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException gone) {
                    // another stack's scratch directory removed while walked
                }
            }
        }
        return found;
    }
}
