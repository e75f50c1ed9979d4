package io.cairn.cdk;

import io.cairn.topics.TopicCatalog;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.customresources.AwsCustomResource;
import software.amazon.awscdk.customresources.AwsCustomResourcePolicy;
import software.amazon.awscdk.customresources.AwsSdkCall;
import software.amazon.awscdk.customresources.PhysicalResourceId;
import software.amazon.awscdk.customresources.SdkCallsPolicyOptions;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.msk.CfnCluster;
import software.amazon.awscdk.services.msk.CfnConfiguration;
import software.constructs.Construct;

/**
 * The log: an MSK cluster with IAM authentication and TLS only, encrypted at rest with the stack's key,
 * broker settings that Cairn's topics rely on (replication 3, {@code min.insync.replicas=2}, no
 * unclean elections, no automatic topic creation, records up to {@link TopicCatalog#MAX_MESSAGE_BYTES}).
 * Topics themselves are created by Cairn at start from the same {@link TopicCatalog}.
 */
final class EventLog extends Construct {
    final CfnCluster cluster;
    /** {@code b-1...:9098,b-2...:9098}: the IAM bootstrap string, read from MSK at deploy time. */
    final String bootstrapServers;

    EventLog(Construct scope, String id, StackSettings settings, IVpc vpc, ISecurityGroup group, IKey key) {
        super(scope, id);
        CfnConfiguration config = CfnConfiguration.Builder.create(this, "Config")
                .name(settings.name() + "-brokers")
                .kafkaVersionsList(List.of(settings.kafkaVersion()))
                .serverProperties(serverProperties())
                .build();
        List<String> subnets = vpc.selectSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build()).getSubnetIds();
        cluster = CfnCluster.Builder.create(this, "Cluster")
                .clusterName(settings.name())
                .kafkaVersion(settings.kafkaVersion())
                .numberOfBrokerNodes(settings.brokers())
                .brokerNodeGroupInfo(CfnCluster.BrokerNodeGroupInfoProperty.builder()
                        .instanceType(settings.brokerType())
                        .clientSubnets(subnets)
                        .securityGroups(List.of(group.getSecurityGroupId()))
                        .storageInfo(CfnCluster.StorageInfoProperty.builder()
                                .ebsStorageInfo(CfnCluster.EBSStorageInfoProperty.builder().volumeSize(1000).build()).build())
                        .build())
                .clientAuthentication(CfnCluster.ClientAuthenticationProperty.builder()
                        .sasl(CfnCluster.SaslProperty.builder().iam(CfnCluster.IamProperty.builder().enabled(true).build()).build())
                        .unauthenticated(CfnCluster.UnauthenticatedProperty.builder().enabled(false).build())
                        .build())
                .encryptionInfo(CfnCluster.EncryptionInfoProperty.builder()
                        .encryptionAtRest(CfnCluster.EncryptionAtRestProperty.builder().dataVolumeKmsKeyId(key.getKeyArn()).build())
                        .encryptionInTransit(CfnCluster.EncryptionInTransitProperty.builder().clientBroker("TLS").inCluster(true).build())
                        .build())
                .configurationInfo(CfnCluster.ConfigurationInfoProperty.builder().arn(config.getAttrArn()).revision(1).build())
                .enhancedMonitoring("PER_TOPIC_PER_PARTITION")
                .build();
        AwsSdkCall getBrokers = AwsSdkCall.builder().service("Kafka").action("getBootstrapBrokers")
                .parameters(Map.of("ClusterArn", cluster.getAttrArn()))
                .physicalResourceId(PhysicalResourceId.of(settings.name() + "-bootstrap")).build();
        AwsCustomResource brokers = AwsCustomResource.Builder.create(this, "BootstrapBrokers")
                .onCreate(getBrokers).onUpdate(getBrokers)
                .policy(AwsCustomResourcePolicy.fromSdkCalls(SdkCallsPolicyOptions.builder().resources(List.of(cluster.getAttrArn())).build()))
                .installLatestAwsSdk(false)
                .build();
        bootstrapServers = brokers.getResponseField("BootstrapBrokerStringSaslIam");
    }

    /** Broker settings from Cairn's own constants, in MSK's {@code server.properties} form. */
    static String serverProperties() {
        Map<String, String> p = new java.util.TreeMap<>(Map.of(
                "auto.create.topics.enable", "false",
                "default.replication.factor", "3",
                "min.insync.replicas", "2",
                "unclean.leader.election.enable", "false",
                // A record batch carries headers around the largest record a topic accepts.
                "message.max.bytes", Integer.toString(TopicCatalog.MAX_MESSAGE_BYTES + 64 * 1024),
                "replica.fetch.max.bytes", Integer.toString(TopicCatalog.MAX_MESSAGE_BYTES + 64 * 1024),
                "transaction.state.log.min.isr", "2",
                "offsets.retention.minutes", Integer.toString(7 * 24 * 60)));
        return p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n")) + "\n";
    }

    /**
     * Least privilege on the cluster for a role: connect; on Cairn's topics only the listed topic
     * actions; on consumer groups and transactional ids named {@code <group prefix>*} only.
     */
    List<PolicyStatement> access(List<String> topicActions, String groupPrefix) {
        String arn = cluster.getAttrArn(); // arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>
        String suffix = Fn.select(1, Fn.split("/", arn)) + "/" + Fn.select(2, Fn.split("/", arn));
        String prefix = Fn.select(0, Fn.split(":cluster/", arn));
        List<String> topics = TopicCatalog.ALL.stream().map(t -> prefix + ":topic/" + suffix + "/" + t.name()).toList();
        PolicyStatement connect = PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(List.of("kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"))
                .resources(List.of(arn)).build();
        PolicyStatement onTopics = PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(topicActions).resources(topics).build();
        if (groupPrefix == null) return List.of(connect, onTopics);
        PolicyStatement groups = PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(List.of("kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup",
                        "kafka-cluster:DescribeTransactionalId", "kafka-cluster:AlterTransactionalId"))
                .resources(List.of(prefix + ":group/" + suffix + "/" + groupPrefix + "*",
                        prefix + ":transactional-id/" + suffix + "/" + groupPrefix + "*")).build();
        // Kafka Streams' own topics (changelogs, repartitions) are named after its application id.
        PolicyStatement internal = PolicyStatement.Builder.create().effect(Effect.ALLOW)
                .actions(List.of("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData",
                        "kafka-cluster:WriteData", "kafka-cluster:DescribeTopicDynamicConfiguration"))
                .resources(List.of(prefix + ":topic/" + suffix + "/" + groupPrefix + "*")).build();
        return List.of(connect, onTopics, groups, internal);
    }
}
