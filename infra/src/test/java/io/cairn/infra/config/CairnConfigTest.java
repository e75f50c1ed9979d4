package io.cairn.infra.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.streams.tiering.TieringConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CairnConfigTest {
    @TempDir Path dir;

    @Test
    void mskIamConfigYieldsSaslSslWithTheIamModule() throws Exception {
        Path yaml = dir.resolve("cairn.yaml");
        Files.writeString(yaml, """
                data_dir: /mnt/efs/cairn
                roles: [applier]
                kafka:
                  bootstrap_servers: b-1.example:9098
                  security: msk_iam
                  partitions: 48
                """);
        CairnConfig c = CairnConfig.load(yaml);
        assertThat(c.runsApplier()).isTrue();
        assertThat(c.runsEdge()).isFalse();
        assertThat(c.httpPort()).isEqualTo(8080);
        Map<String, Object> p = c.kafka().clientProperties();
        assertThat(p).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "AWS_MSK_IAM")
                .containsEntry("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;")
                .containsEntry("bootstrap.servers", "b-1.example:9098");
        // The handler named in the config is on the classpath, so a real client can load it.
        assertThat(Class.forName((String) p.get("sasl.client.callback.handler.class"))).isNotNull();
        assertThat(c.kafka().partitions()).isEqualTo(48);
        assertThat(c.kafka().replicationFactor()).isEqualTo(3);
    }

    @Test
    void anEncryptionSectionNamesTheKeyFileAndTheVaultAndBothAreRequired() throws Exception {
        Path yaml = dir.resolve("enc.yaml");
        Files.writeString(yaml, """
                data_dir: /mnt/efs/cairn
                kafka:
                  bootstrap_servers: b-1.example:9098
                encryption:
                  key_file: %s
                  vault_dir: %s
                """.formatted(dir.resolve("kek.keys"), dir.resolve("keys")));
        CairnConfig c = CairnConfig.load(yaml);
        assertThat(c.encryption().keyFile()).isEqualTo(dir.resolve("kek.keys").toString());
        assertThat(c.encryption().open(null).create("acme").id()).startsWith("dk-");
        assertThat(Files.exists(dir.resolve("kek.keys"))).isTrue();
        Files.writeString(yaml, """
                data_dir: /mnt/efs/cairn
                kafka:
                  bootstrap_servers: b-1.example:9098
                encryption:
                  key_file: /k
                """);
        assertThatThrownBy(() -> CairnConfig.load(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining("encryption.vault_dir");
    }

    @Test
    void tlsAndPlainMapToTheirProtocols() {
        assertThat(new KafkaSettings("h:9094", "tls", "/ts.jks", "pw", null, null, null).clientProperties())
                .containsEntry("security.protocol", "SSL").containsEntry("ssl.truststore.location", "/ts.jks");
        assertThat(KafkaSettings.embedded("h:9092").clientProperties()).containsEntry("security.protocol", "PLAINTEXT");
    }

    @Test
    void dynamoDbAddsTheMaterializerToTheDefaultRoles() throws Exception {
        Path yaml = dir.resolve("cp.yaml");
        Files.writeString(yaml, """
                data_dir: /mnt/efs/cairn
                kafka: {bootstrap_servers: h:9092}
                dynamodb: {region: eu-west-1, endpoint: "http://localhost:8000"}
                """);
        CairnConfig c = CairnConfig.load(yaml);
        assertThat(c.roles()).containsExactly("applier", "edge", "materializer");
        assertThat(c.dynamodb().tablePrefix()).isEqualTo("cairn-");
        assertThat(c.dynamodb().createTables()).isTrue();
        assertThat(c.dynamodb().endpointUri()).hasPort(8000);

        Path noTables = dir.resolve("no-cp.yaml");
        Files.writeString(noTables, "data_dir: /x\nroles: [materializer]\nkafka: {bootstrap_servers: h:9092}\n");
        assertThatThrownBy(() -> CairnConfig.load(noTables)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("the materializer role needs dynamodb");
        Path noRegion = dir.resolve("no-region.yaml");
        Files.writeString(noRegion, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\ndynamodb: {table_prefix: x-}\n");
        assertThatThrownBy(() -> CairnConfig.load(noRegion)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("dynamodb.region is required");
    }

    @Test
    void aReplicaHasANameAndADirectoryAndAnEdgeListsTheCopiesItReads() throws Exception {
        Path yaml = dir.resolve("replica.yaml");
        Files.writeString(yaml, """
                data_dir: /mnt/efs/cairn
                kafka: {bootstrap_servers: h:9092}
                roles: [replica, edge]
                replica: {name: replica-b, dir: /var/lib/cairn/replica}
                read_copies:
                  - {name: replica-b, dir: /var/lib/cairn/replica}
                  - {name: primary}
                """);
        CairnConfig c = CairnConfig.load(yaml);
        assertThat(c.runsReplica()).isTrue();
        assertThat(c.runsApplier()).isFalse();
        assertThat(c.replica().applicationId()).isEqualTo("cairn-replica-replica-b");
        assertThat(c.readCopies()).extracting(ReadCopySettings::name).containsExactly("replica-b", "primary");
        assertThat(c.readCopies().get(1).spec().dir()).isNull();

        String base = "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\n";
        Map<String, String> refused = Map.of(
                "roles: [replica]\n", "the replica role needs the replica section",
                "roles: [applier, replica]\nreplica: {name: r, dir: /r}\n", "not both",
                "roles: [replica]\nreplica: {name: primary, dir: /r}\n", "must not be 'primary'",
                "roles: [replica]\nreplica: {name: Bad!, dir: /r}\n", "a copy's name must match",
                "read_copies: [{name: primary, dir: /x}]\n", "takes no directory",
                "read_copies: [{name: r}]\n", "needs its directory",
                "read_copies: [{name: primary}, {name: primary}]\n", "each copy is named once");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            Path bad = dir.resolve("bad-" + Math.abs(e.getKey().hashCode()) + ".yaml");
            Files.writeString(bad, base + e.getKey());
            assertThatThrownBy(() -> CairnConfig.load(bad)).as(e.getKey()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(e.getValue());
        }
    }

    @Test
    void snapshotsNeedABucketAndARegionAndHaveDefaults() throws Exception {
        Path yaml = dir.resolve("snap.yaml");
        Files.writeString(yaml, """
                data_dir: /mnt/efs/cairn
                kafka: {bootstrap_servers: h:9092}
                snapshots: {bucket: b, region: eu-west-1}
                """);
        SnapshotSettings s = CairnConfig.load(yaml).snapshots();
        assertThat(s.everyWrites()).isEqualTo(10_000);
        assertThat(s.keep()).isEqualTo(5);
        assertThat(s.everyMegabytes()).isEqualTo(64);
        assertThat(s.spread()).isEqualTo(32);
        assertThat(s.endpointUri()).isNull();

        Path noBucket = dir.resolve("no-bucket.yaml");
        Files.writeString(noBucket, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\nsnapshots: {region: eu-west-1}\n");
        assertThatThrownBy(() -> CairnConfig.load(noBucket)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("snapshots.bucket is required");
        Path zeroKeep = dir.resolve("zero-keep.yaml");
        Files.writeString(zeroKeep, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\nsnapshots: {bucket: b, region: r, keep: 0}\n");
        assertThatThrownBy(() -> CairnConfig.load(zeroKeep)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("snapshots.keep must be >= 1");
        Path negativeSpread = dir.resolve("negative-spread.yaml");
        Files.writeString(negativeSpread, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\nsnapshots: {bucket: b, region: r, spread: -1}\n");
        assertThatThrownBy(() -> CairnConfig.load(negativeSpread)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("snapshots.spread must be >= 0");
    }

    @Test
    void tieringDefaultsToADayAndReadsDurationsAsPeopleWriteThem() throws Exception {
        Path plain = dir.resolve("plain.yaml");
        Files.writeString(plain, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\n");
        TieringConfig defaults = CairnConfig.load(plain).tiering().config();
        assertThat(defaults.coldAfter()).isEqualTo(Duration.ofHours(24));
        assertThat(defaults.every()).isEqualTo(Duration.ofMinutes(1));
        assertThat(defaults.freezesPerSecond()).isEqualTo(20);

        Path set = dir.resolve("tiering.yaml");
        Files.writeString(set, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\ntiering: {cold_after: 7d, every: PT30S, freezes_per_second: 5}\n");
        TieringConfig t = CairnConfig.load(set).tiering().config();
        assertThat(t.coldAfter()).isEqualTo(Duration.ofDays(7));
        assertThat(t.every()).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.freezesPerSecond()).isEqualTo(5);

        Path vague = dir.resolve("vague.yaml");
        Files.writeString(vague, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\ntiering: {cold_after: soon}\n");
        assertThatThrownBy(() -> CairnConfig.load(vague)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tiering.cold_after must be a duration such as 30s, 10m, 24h or 7d, not 'soon'");
        assertThat(CairnConfig.load(plain).tiering().enabled()).isTrue();
    }

    @Test
    void theFloorForTemporaryFilesIsSetOrOneGibAndNeverNegative() throws Exception {
        Path set = dir.resolve("temp.yaml");
        Files.writeString(set, "data_dir: /x\nmin_free_temp_mib: 256\nkafka: {bootstrap_servers: h:9092}\n");
        assertThat(CairnConfig.load(set).minFreeTempBytes()).isEqualTo(256L << 20);
        Path unset = dir.resolve("temp-default.yaml");
        Files.writeString(unset, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\n");
        assertThat(CairnConfig.load(unset).minFreeTempBytes()).isEqualTo(1L << 30);
        Path negative = dir.resolve("temp-negative.yaml");
        Files.writeString(negative, "data_dir: /x\nmin_free_temp_mib: -1\nkafka: {bootstrap_servers: h:9092}\n");
        assertThatThrownBy(() -> CairnConfig.load(negative)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("min_free_temp_mib must not be negative");
    }

    @Test
    void heavyLaneThreadsAreSetOrLeftToTheDefaultAndAtLeastOne() throws Exception {
        Path set = dir.resolve("lanes.yaml");
        Files.writeString(set, "data_dir: /x\nheavy_lane_threads: 3\nkafka: {bootstrap_servers: h:9092}\n");
        assertThat(CairnConfig.load(set).heavyLaneThreads()).isEqualTo(3);
        Path unset = dir.resolve("default.yaml");
        Files.writeString(unset, "data_dir: /x\nkafka: {bootstrap_servers: h:9092}\n");
        assertThat(CairnConfig.load(unset).heavyLaneThreads()).as("the applier's default: half the cores").isNull();
        Path zero = dir.resolve("zero.yaml");
        Files.writeString(zero, "data_dir: /x\nheavy_lane_threads: 0\nkafka: {bootstrap_servers: h:9092}\n");
        assertThatThrownBy(() -> CairnConfig.load(zero)).isInstanceOf(ConfigException.class).hasMessageContaining("heavy_lane_threads must be from 1 to 256");
    }

    @Test
    void typosAreErrorsNotDefaults() throws Exception {
        Path yaml = dir.resolve("typo.yaml");
        Files.writeString(yaml, "data_dir: /x\nhttp_prot: 9000\nkafka: {bootstrap_servers: h:9092}\n");
        assertThatThrownBy(() -> CairnConfig.load(yaml)).isInstanceOf(ConfigException.class)
                .hasMessage(yaml + ": unknown setting 'http_prot' (see docs/configuration.md)");
        assertThatThrownBy(() -> new KafkaSettings("h", "kerberos", null, null, null, null, null))
                .hasMessageContaining("plain, tls or msk_iam");
    }

    @Test
    void outOfRangeNumbersAndWrongTypesAreOneLineNamingTheSetting() throws Exception {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("data_dir: /x\nhttp_port: -5\nkafka: {bootstrap_servers: h:9092}\n", "http_port must be a port from 1 to 65535, not -5");
        refused.put("data_dir: /x\nmax_open_tenants: 0\nkafka: {bootstrap_servers: h:9092}\n", "max_open_tenants must be at least 1, not 0");
        refused.put("data_dir: /x\napplier_threads: 100000\nkafka: {bootstrap_servers: h:9092}\n", "applier_threads must be from 1 to 256");
        refused.put("data_dir: [1, 2]\nkafka: {bootstrap_servers: h:9092}\n", "data_dir should be text");
        refused.put("data_dir: /x\nkafka: {bootstrap_servers: h:9092, partitions: [3]}\n", "kafka.partitions should be a whole number");
        refused.put("data_dir: /x\nkafka: h:9092\n", "kafka should be a section of settings");
        refused.put("data_dir: /x\nroles: edge\nkafka: {bootstrap_servers: h:9092}\n", "roles should be a list");
        refused.put("", "the file is empty: it needs at least data_dir and kafka.bootstrap_servers");
        refused.put("- a\n- b\n", "the file is not a mapping of settings");
        int i = 0;
        for (Map.Entry<String, String> e : refused.entrySet()) {
            Path yaml = dir.resolve("refused-" + i++ + ".yaml");
            Files.writeString(yaml, e.getKey());
            assertThatThrownBy(() -> CairnConfig.load(yaml)).as(e.getKey()).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(yaml + ": " + e.getValue());
        }
    }

    @Test
    void aShortAdminTokenIsRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> AdminToken.resolve(dir, "short")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("CAIRN_ADMIN_TOKEN must be at least 16 characters");
    }

    @Test
    void devPortsAreKeptAcrossRestartsAndATakenOneNamesItsFlag() throws Exception {
        DevPorts first = DevPorts.resolve(dir, java.util.Map.of());
        first.keep();
        DevPorts again = DevPorts.resolve(dir, java.util.Map.of());
        for (DevPorts.Server s : DevPorts.Server.values()) assertThat(again.port(s)).as(s.name()).isEqualTo(first.port(s));
        DevPorts moved = DevPorts.resolve(dir, java.util.Map.of(DevPorts.Server.S3, 1));
        assertThat(moved.port(DevPorts.Server.S3)).isEqualTo(1);

        try (java.net.ServerSocket held = new java.net.ServerSocket(first.port(DevPorts.Server.KAFKA))) {
            DevPorts kept = DevPorts.resolve(dir, java.util.Map.of(DevPorts.Server.S3, first.port(DevPorts.Server.S3)));
            assertThatThrownBy(() -> kept.requireFree(0, false)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("port " + first.port(DevPorts.Server.KAFKA) + " for the Kafka broker is taken")
                    .hasMessageContaining("--kafka-port (env CAIRN_KAFKA_PORT)");
        }
        // A port asked for once and refused as taken is not kept: the next start without it has the last one used.
        DevPorts tried = DevPorts.resolve(dir, java.util.Map.of(DevPorts.Server.S3, 2));
        assertThat(tried.port(DevPorts.Server.S3)).isEqualTo(2);
        assertThat(DevPorts.resolve(dir, java.util.Map.of()).port(DevPorts.Server.S3)).isEqualTo(first.port(DevPorts.Server.S3));
    }

    @Test
    void adminTokenIsGeneratedOnceThenKept() throws Exception {
        AdminToken.Resolved first = AdminToken.resolve(dir, null);
        AdminToken.Resolved second = AdminToken.resolve(dir, null);
        assertThat(first.generated()).isTrue();
        assertThat(second.generated()).isFalse();
        assertThat(second.token()).isEqualTo(first.token()).hasSizeGreaterThan(40);
        assertThat(AdminToken.resolve(dir, "from-env-token-123").token()).isEqualTo("from-env-token-123");
    }
}
