package io.cairn.cdk;

import io.cairn.connectors.dynamodb.DynamoDbMetadataConfig;
import io.cairn.connectors.dynamodb.DynamoDbTables;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.CfnTable;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.efs.AccessPointOptions;
import software.amazon.awscdk.services.efs.Acl;
import software.amazon.awscdk.services.efs.FileSystem;
import software.amazon.awscdk.services.efs.PerformanceMode;
import software.amazon.awscdk.services.efs.PosixUser;
import software.amazon.awscdk.services.efs.ThroughputMode;
import software.amazon.awscdk.services.elasticache.CfnReplicationGroup;
import software.amazon.awscdk.services.elasticache.CfnSubnetGroup;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.constructs.Construct;

/**
 * Where tenant data lives besides the log: the hot volume (EFS, encrypted, one access point per role),
 * snapshots (S3: SSE-KMS, versioned, lifecycle), the control plane (DynamoDB tables declared from
 * {@link DynamoDbTables}, the code {@code ./cairn dev} creates them with) and the read cache (ElastiCache
 * Redis, TLS and encryption at rest).
 */
final class DataStores extends Construct {
    /** The uid/gid Cairn's container runs as; every access point maps to it. */
    static final String POSIX_ID = "1000";

    final FileSystem hotVolume;
    final Bucket snapshots;
    final List<CfnTable> tables = new ArrayList<>();
    final CfnReplicationGroup cache;
    final DynamoDbMetadataConfig tableNames;

    DataStores(Construct scope, String id, StackSettings settings, IVpc vpc, ISecurityGroup efsGroup, ISecurityGroup cacheGroup, IKey key) {
        super(scope, id);
        hotVolume = FileSystem.Builder.create(this, "HotVolume").vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build())
                .securityGroup(efsGroup)
                .encrypted(true).kmsKey(key)
                .performanceMode(PerformanceMode.GENERAL_PURPOSE).throughputMode(ThroughputMode.ELASTIC)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        snapshots = Bucket.Builder.create(this, "Snapshots")
                .encryption(BucketEncryption.KMS).encryptionKey(key).bucketKeyEnabled(true)
                .versioned(true).enforceSsl(true).blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .lifecycleRules(List.of(LifecycleRule.builder().id("old-versions-and-uploads")
                        // Cairn deletes snapshots past its own retention (docs/tiers.md); a deleted one stays
                        // recoverable as a noncurrent version for a week.
                        .noncurrentVersionExpiration(Duration.days(7))
                        .abortIncompleteMultipartUploadAfter(Duration.days(1))
                        .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        tableNames = new DynamoDbMetadataConfig(settings.name() + "-", 8);
        for (CreateTableRequest t : DynamoDbTables.definitions(tableNames)) tables.add(table(t, key));
        CfnSubnetGroup cacheSubnets = CfnSubnetGroup.Builder.create(this, "CacheSubnets")
                .description("Cairn read cache")
                .subnetIds(vpc.selectSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build()).getSubnetIds())
                .build();
        cache = CfnReplicationGroup.Builder.create(this, "ReadCache")
                .replicationGroupDescription("Cairn read cache (query results; losing it loses nothing)")
                .engine("redis").cacheNodeType("cache.r7g.large").numCacheClusters(2)
                .automaticFailoverEnabled(true).multiAzEnabled(true)
                .transitEncryptionEnabled(true).atRestEncryptionEnabled(true).kmsKeyId(key.getKeyId())
                .cacheSubnetGroupName(cacheSubnets.getRef())
                .securityGroupIds(List.of(cacheGroup.getSecurityGroupId()))
                .build();
    }

    /** An EFS access point for a role: the role sees only {@code /cairn}, as Cairn's uid, whatever its container says. */
    AccessPoint accessPoint(String role) {
        return hotVolume.addAccessPoint(role, AccessPointOptions.builder().path("/cairn")
                .createAcl(Acl.builder().ownerUid(POSIX_ID).ownerGid(POSIX_ID).permissions("750").build())
                .posixUser(PosixUser.builder().uid(POSIX_ID).gid(POSIX_ID).build())
                .build());
    }

    private CfnTable table(CreateTableRequest t, IKey key) {
        return CfnTable.Builder.create(this, t.tableName())
                .tableName(t.tableName())
                .billingMode(t.billingModeAsString())
                .attributeDefinitions(t.attributeDefinitions().stream().map(a -> (Object) CfnTable.AttributeDefinitionProperty.builder()
                        .attributeName(a.attributeName()).attributeType(a.attributeTypeAsString()).build()).toList())
                .keySchema(keys(t.keySchema()))
                .globalSecondaryIndexes(t.hasGlobalSecondaryIndexes() ? t.globalSecondaryIndexes().stream().map(i -> (Object) CfnTable.GlobalSecondaryIndexProperty.builder()
                        .indexName(i.indexName()).keySchema(keys(i.keySchema()))
                        .projection(CfnTable.ProjectionProperty.builder().projectionType(i.projection().projectionTypeAsString()).build())
                        .build()).toList() : null)
                .pointInTimeRecoverySpecification(CfnTable.PointInTimeRecoverySpecificationProperty.builder().pointInTimeRecoveryEnabled(true).build())
                .sseSpecification(CfnTable.SSESpecificationProperty.builder().sseEnabled(true).sseType("KMS").kmsMasterKeyId(key.getKeyArn()).build())
                .build();
    }

    private static List<Object> keys(List<software.amazon.awssdk.services.dynamodb.model.KeySchemaElement> keys) {
        return keys.stream().map(k -> (Object) CfnTable.KeySchemaProperty.builder()
                .attributeName(k.attributeName()).keyType(k.keyTypeAsString()).build()).toList();
    }
}
