package io.cairn.cdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.connectors.dynamodb.DynamoDbMetadataConfig;
import io.cairn.connectors.dynamodb.DynamoDbTables;
import io.cairn.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** Synthesizes the app as {@code ./cairn cdk synth} does and checks resources and IAM with CDK assertions. */
class CairnStackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path out;
    private static Template template;
    private static JsonNode resources;

    @BeforeAll
    static void synth() throws Exception {
        var assembly = CdkCommand.synth(out, Map.of("alarm_email", "ops@example.com"));
        Path file = out.resolve(assembly.getStackByName("Cairn").getTemplateFile());
        template = Template.fromJSON(JSON.readValue(file.toFile(), Map.class));
        resources = JSON.readTree(Files.readString(file)).get("Resources");
    }

    @Test
    void kafkaIsMskWithIamOverTlsOnlyAndCairnsBrokerSettings() {
        template.hasResourceProperties("AWS::MSK::Cluster", Map.of(
                "NumberOfBrokerNodes", 3,
                "ClientAuthentication", Map.of("Sasl", Map.of("Iam", Map.of("Enabled", true)), "Unauthenticated", Map.of("Enabled", false)),
                "EncryptionInfo", Map.of("EncryptionInTransit", Map.of("ClientBroker", "TLS", "InCluster", true),
                        "EncryptionAtRest", Match.objectLike(Map.of()))));
        String props = only("AWS::MSK::Configuration").get("Properties").get("ServerProperties").asText();
        assertThat(props).contains("min.insync.replicas=2", "default.replication.factor=3", "auto.create.topics.enable=false",
                "unclean.leader.election.enable=false", "message.max.bytes=" + (TopicCatalog.MAX_MESSAGE_BYTES + 64 * 1024));
    }

    @Test
    void theControlPlaneTablesAreTheOnesDevCreates() {
        List<CreateTableRequest> wanted = DynamoDbTables.definitions(new DynamoDbMetadataConfig("cairn-", 8));
        template.resourceCountIs("AWS::DynamoDB::Table", wanted.size());
        for (CreateTableRequest t : wanted) {
            List<Object> indexes = new ArrayList<>();
            for (var i : t.globalSecondaryIndexes()) indexes.add(Match.objectLike(Map.of("IndexName", i.indexName())));
            template.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                    "TableName", t.tableName(),
                    "BillingMode", "PAY_PER_REQUEST",
                    "KeySchema", t.keySchema().stream().map(k -> Map.of("AttributeName", k.attributeName(), "KeyType", k.keyTypeAsString())).toList(),
                    "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                    "SSESpecification", Match.objectLike(Map.of("SSEEnabled", true, "SSEType", "KMS")))));
            if (!indexes.isEmpty()) {
                template.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                        "TableName", t.tableName(), "GlobalSecondaryIndexes", Match.arrayWith(indexes))));
            }
        }
    }

    @Test
    void snapshotsAreKmsEncryptedVersionedPrivateWithLifecycle() {
        template.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Match.objectLike(Map.of(
                        "ServerSideEncryptionByDefault", Match.objectLike(Map.of("SSEAlgorithm", "aws:kms")), "BucketKeyEnabled", true)))),
                "VersioningConfiguration", Map.of("Status", "Enabled"),
                "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "LifecycleConfiguration", Match.objectLike(Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of("Status", "Enabled")))))))));
        // enforce_ssl: a bucket policy denying plain HTTP
        template.hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of("PolicyDocument", Match.objectLike(Map.of(
                "Statement", Match.arrayWith(List.of(Match.objectLike(Map.of("Effect", "Deny",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    @Test
    void theHotVolumeIsEncryptedWithAnAccessPointPerRoleAndTheCacheEncrypted() {
        template.hasResourceProperties("AWS::EFS::FileSystem", Match.objectLike(Map.of("Encrypted", true)));
        template.resourceCountIs("AWS::EFS::AccessPoint", CairnStack.roles().size());
        template.resourceCountIs("AWS::EFS::MountTarget", 3);
        template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", Match.objectLike(Map.of(
                "TransitEncryptionEnabled", true, "AtRestEncryptionEnabled", true, "AutomaticFailoverEnabled", true)));
    }

    @Test
    void everyRoleIsAFargateServiceAndTheEdgeIsHealthChecked() {
        template.resourceCountIs("AWS::ECS::Service", CairnStack.roles().size());
        template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Match.objectLike(Map.of(
                "HealthCheckPath", "/health", "Port", 8080)));
        template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Match.objectLike(Map.of("Scheme", "internal")));
        for (String role : CairnStack.roles()) {
            String config = containerEnvironment(role).get("CAIRN_CONFIG").toString();
            assertThat(config).contains("roles: [" + role + "]", "security: msk_iam", "create_tables: false", "agent_endpoint: tcp://127.0.0.1:25888",
                    "encryption:", "log_format: json");
        }
        // autoscaling: the edge on CPU, the applier on CPU and on its lag (EMF)
        template.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 2);
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of("MetricName", AlarmMetrics.APPLIER_LAG)));
    }

    @Test
    void taskRolesHoldOnlyWhatTheirRoleDoes() {
        Map<String, List<JsonNode>> statements = taskRoleStatements();
        assertThat(statements.keySet()).containsExactlyInAnyOrderElementsOf(CairnStack.roles());
        for (var e : statements.entrySet()) {
            for (JsonNode s : e.getValue()) {
                for (JsonNode action : list(s.get("Action"))) {
                    assertThat(action.asText()).as(e.getKey() + " action").doesNotEndWith(":*").isNotEqualTo("*");
                }
                if (containsPrefix(s, "kafka-cluster:") || containsPrefix(s, "s3:") || containsPrefix(s, "dynamodb:")) {
                    assertThat(s.get("Resource").toString()).as(e.getKey() + " resource of " + s.get("Action")).isNotEqualTo("\"*\"");
                }
            }
        }
        assertThat(actions(statements.get("materializer"))).noneMatch(a -> a.startsWith("s3:"));
        // On Cairn's own topics the materializer only reads (it writes only its Kafka Streams changelogs).
        assertThat(actions(statements.get("materializer").stream().filter(s -> s.get("Resource").toString().contains("/" + TopicCatalog.TENANT_LOG)).toList()))
                .contains("kafka-cluster:ReadData").doesNotContain("kafka-cluster:WriteData");
        assertThat(actions(statements.get("edge"))).doesNotContain("s3:DeleteObject", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem");
        assertThat(actions(statements.get("applier"))).contains("s3:PutObject", "s3:DeleteObject", "kafka-cluster:ReadData", "kafka-cluster:AlterGroup")
                .doesNotContain("dynamodb:PutItem");
    }

    @Test
    void everyAlarmWatchesAMetricCairnWritesAsEmf() {
        for (String name : List.of(AlarmMetrics.APPLIER_LAG, AlarmMetrics.WRITE_LATENCY_P99, AlarmMetrics.THAW_LATENCY_P99,
                AlarmMetrics.APPLIER_FAILURES, AlarmMetrics.QUARANTINED)) {
            template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of("MetricName", name, "Namespace", AlarmMetrics.NAMESPACE)));
        }
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of("Metrics", Match.arrayWith(List.of(
                Match.objectLike(Map.of("MetricStat", Match.objectLike(Map.of("Metric", Match.objectLike(Map.of("MetricName", AlarmMetrics.REQUESTS)))))))))));
        template.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "ops@example.com",
                "TopicArn", Match.anyValue()));
    }

    @Test
    void aStandbyRegionAddsASecondStackAndBadSettingsAreRefused(@TempDir Path dir) throws Exception {
        var assembly = CdkCommand.synth(dir, Map.of("standby_region", "us-west-2", "region", "us-east-1"));
        assertThat(assembly.getStacks()).extracting(s -> s.getStackName()).containsExactlyInAnyOrder("Cairn", "CairnStandby");
        assertThat(assembly.getStackByName("CairnStandby").getEnvironment().getRegion()).isEqualTo("us-west-2");
        String standby = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(assembly.getStackByName("CairnStandby").getTemplate());
        String primary = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(assembly.getStackByName("Cairn").getTemplate());
        assertThat(standby).as("the standby's roles take no writes until promoted").contains("region: standby").doesNotContain("region: primary");
        assertThat(primary).contains("region: primary").doesNotContain("region: standby");
        assertThatThrownBy(() -> CdkCommand.synth(dir, Map.of("brokers", "4"))).hasMessageContaining("multiple of 3");
        assertThatThrownBy(() -> CdkCommand.synth(dir, Map.of("brokerz", "3"))).hasMessageContaining("unknown setting 'brokerz'");
    }

    private static JsonNode only(String type) {
        List<JsonNode> found = new ArrayList<>();
        resources.forEach(r -> { if (r.get("Type").asText().equals(type)) found.add(r); });
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static Map<String, Object> containerEnvironment(String role) {
        Map<String, Object> env = new java.util.HashMap<>();
        resources.properties().forEach(e -> {
            JsonNode r = e.getValue();
            if (!r.get("Type").asText().equals("AWS::ECS::TaskDefinition") || !e.getKey().contains(role + "Task")) return;
            for (JsonNode c : r.get("Properties").get("ContainerDefinitions")) {
                if (!c.get("Name").asText().equals("cairn")) continue;
                for (JsonNode v : c.get("Environment")) env.put(v.get("Name").asText(), v.get("Value"));
            }
        });
        assertThat(env).as("environment of " + role).isNotEmpty();
        return env;
    }

    /** The statements of each role's task role policy, by role. */
    private static Map<String, List<JsonNode>> taskRoleStatements() {
        Map<String, List<JsonNode>> byRole = new java.util.TreeMap<>();
        resources.properties().forEach(e -> {
            if (!e.getValue().get("Type").asText().equals("AWS::IAM::Policy")) return;
            for (String role : CairnStack.roles()) {
                if (e.getKey().startsWith("Roles" + role + "TaskTaskRole")) {
                    e.getValue().get("Properties").get("PolicyDocument").get("Statement").forEach(s -> byRole.computeIfAbsent(role, k -> new ArrayList<>()).add(s));
                }
            }
        });
        return byRole;
    }

    private static List<JsonNode> list(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isArray()) n.forEach(out::add); else out.add(n);
        return out;
    }

    private static boolean containsPrefix(JsonNode statement, String prefix) {
        return list(statement.get("Action")).stream().anyMatch(a -> a.asText().startsWith(prefix));
    }

    private static List<String> actions(List<JsonNode> statements) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : statements) list(s.get("Action")).forEach(a -> out.add(a.asText()));
        return out;
    }
}
