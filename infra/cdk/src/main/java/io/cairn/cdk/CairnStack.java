package io.cairn.cdk;

import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * Cairn's production topology in one region: a VPC; MSK ({@link EventLog}); EFS, S3, DynamoDB and
 * ElastiCache ({@link DataStores}); the role services ({@link Services}); alarms ({@link Alarms}).
 * Network rules: only tasks reach the brokers, the volume and the cache; only the load balancer
 * reaches the edges; the load balancer only from inside the VPC.
 */
public final class CairnStack extends Stack {
    final EventLog log;
    final DataStores stores;
    final Services services;
    final Alarms alarms;

    public CairnStack(Construct scope, String id, StackProps props, StackSettings settings) {
        this(scope, id, props, settings, false);
    }

    /** As above; {@code standby}: the standby region's stack, whose roles run with {@code region: standby} (docs/replicas.md). */
    public CairnStack(Construct scope, String id, StackProps props, StackSettings settings, boolean standby) {
        super(scope, id, props);
        Vpc vpc = Vpc.Builder.create(this, "Vpc").ipAddresses(IpAddresses.cidr("10.40.0.0/16")).maxAzs(3).natGateways(1).build();
        SecurityGroup tasks = group(vpc, "Tasks", "Cairn role tasks");
        SecurityGroup brokers = group(vpc, "Brokers", "MSK brokers: IAM over TLS from tasks");
        SecurityGroup volume = group(vpc, "Volume", "EFS: NFS from tasks");
        SecurityGroup cache = group(vpc, "Cache", "ElastiCache: TLS from tasks");
        SecurityGroup alb = group(vpc, "LoadBalancer", "The edge load balancer");
        brokers.addIngressRule(tasks, Port.tcp(9098), "Kafka, SASL/IAM over TLS");
        volume.addIngressRule(tasks, Port.tcp(2049), "NFS");
        cache.addIngressRule(tasks, Port.tcp(6379), "Redis over TLS");
        tasks.addIngressRule(alb, Port.tcp(8080), "HTTP to the edge");
        alb.addIngressRule(Peer.ipv4(vpc.getVpcCidrBlock()), Port.tcp(80), "clients inside the VPC (put API Gateway or a TLS listener in front)");

        Key key = Key.Builder.create(this, "DataKey").enableKeyRotation(true)
                .description("Cairn: encrypts the log's volumes, the hot volume, snapshots, tables and the cache").build();
        Secret adminToken = Secret.Builder.create(this, "AdminToken").description("Cairn's admin token (CAIRN_ADMIN_TOKEN)")
                .generateSecretString(SecretStringGenerator.builder().passwordLength(48).excludePunctuation(true).build()).build();

        log = new EventLog(this, "Log", settings, vpc, brokers, key);
        stores = new DataStores(this, "Stores", settings, vpc, volume, cache, key);
        services = new Services(this, "Roles", settings, vpc, tasks, alb, log, stores, key, adminToken, getRegion(), standby);
        alarms = new Alarms(this, "Alarms", settings);

        CfnOutput.Builder.create(this, "EdgeUrl").value("http://" + services.loadBalancer.getLoadBalancerDnsName()).build();
        CfnOutput.Builder.create(this, "SnapshotBucket").value(stores.snapshots.getBucketName()).build();
        CfnOutput.Builder.create(this, "AdminTokenSecret").value(adminToken.getSecretArn()).build();
        CfnOutput.Builder.create(this, "TablePrefix").value(stores.tableNames.tablePrefix()).build();
    }

    /**
     * Three zones whatever the account: an environment-agnostic stack would get two, and the brokers,
     * mount targets and cache want one per zone of three (CloudFormation picks them at deploy time).
     */
    @Override
    public List<String> getAvailabilityZones() {
        return List.of(software.amazon.awscdk.Fn.select(0, software.amazon.awscdk.Fn.getAzs()),
                software.amazon.awscdk.Fn.select(1, software.amazon.awscdk.Fn.getAzs()),
                software.amazon.awscdk.Fn.select(2, software.amazon.awscdk.Fn.getAzs()));
    }

    private SecurityGroup group(Vpc vpc, String id, String description) {
        return SecurityGroup.Builder.create(this, id).vpc(vpc).description(description).allowAllOutbound(true).build();
    }

    static List<String> roles() {
        return List.of("edge", "applier", "materializer");
    }
}
