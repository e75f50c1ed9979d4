package io.cairn.cdk;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.applicationautoscaling.ScalingInterval;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecs.AuthorizationConfig;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.EfsVolumeConfiguration;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.HealthCheck;
import software.amazon.awscdk.services.ecs.LogDrivers;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.MountPoint;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.ecs.Volume;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck.Builder;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.constructs.Construct;

/**
 * One ECS Fargate service per role, all running the same image with a role's {@code cairn.yaml}:
 * {@code edge} behind an application load balancer (health check {@code /health}, scaled on CPU),
 * {@code applier} (with the tiering job; scaled on its lag, at most one task per partition) and
 * {@code materializer}. Each task role may do only what its role does (IAM statements below); a
 * CloudWatch agent sidecar turns Cairn's EMF output into metrics.
 */
final class Services extends Construct {
    final FargateService edge;
    final FargateService applier;
    final FargateService materializer;
    final ApplicationLoadBalancer loadBalancer;
    /** The standby region's services: rendered with {@code region: standby}. */
    private final boolean standby;

    Services(Construct scope, String id, StackSettings settings, IVpc vpc, ISecurityGroup tasks, ISecurityGroup albGroup,
             EventLog log, DataStores stores, IKey key, ISecret adminToken, String region, boolean standby) {
        super(scope, id);
        this.standby = standby;
        Cluster cluster = Cluster.Builder.create(this, "Cluster").vpc(vpc).containerInsightsV2(
                software.amazon.awscdk.services.ecs.ContainerInsights.ENABLED).build();
        ContainerImage image = settings.image() != null
                ? ContainerImage.fromRegistry(settings.image())
                : ContainerImage.fromEcrRepository(Repository.Builder.create(this, "Images").repositoryName(settings.name()).build(), "latest");
        String cacheHost = stores.cache.getAttrPrimaryEndPointAddress();
        List<String> all = List.of("kafka-cluster:DescribeTopic", "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:CreateTopic");

        edge = service(settings, "edge", cluster, image, tasks, stores, key, adminToken, region, cacheHost, log,
                settings.edges(), 1024, 2048, concat(all, "kafka-cluster:ReadData", "kafka-cluster:WriteData"), null,
                List.of(dynamo(stores, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                        s3(stores, "s3:GetObject", "s3:ListBucket", "s3:PutObject")));
        applier = service(settings, "applier", cluster, image, tasks, stores, key, adminToken, region, cacheHost, log,
                settings.appliers(), 2048, 4096, concat(all, "kafka-cluster:ReadData", "kafka-cluster:WriteData"), "cairn-",
                List.of(dynamo(stores, "dynamodb:GetItem", "dynamodb:Query"),
                        s3(stores, "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject")));
        materializer = service(settings, "materializer", cluster, image, tasks, stores, key, adminToken, region, cacheHost, log,
                1, 512, 1024, concat(all, "kafka-cluster:ReadData"), "cairn-",
                List.of(dynamo(stores, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                        "dynamodb:BatchWriteItem", "dynamodb:DeleteItem")));

        loadBalancer = ApplicationLoadBalancer.Builder.create(this, "Edge").vpc(vpc).internetFacing(false).securityGroup(albGroup).build();
        ApplicationListener listener = loadBalancer.addListener("Http", software.amazon.awscdk.services.elasticloadbalancingv2.BaseApplicationListenerProps.builder()
                .port(80).protocol(ApplicationProtocol.HTTP).open(false).build());
        listener.addTargets("EdgeTasks", software.amazon.awscdk.services.elasticloadbalancingv2.AddApplicationTargetsProps.builder()
                .port(8080).protocol(ApplicationProtocol.HTTP).targets(List.of(edge))
                .healthCheck(new Builder().path("/health").healthyHttpCodes("200").interval(Duration.seconds(10)).build())
                .deregistrationDelay(Duration.seconds(30))
                .build());

        edge.autoScaleTaskCount(EnableScalingProps.builder().minCapacity(settings.edges()).maxCapacity(settings.edges() * 4).build())
                .scaleOnCpuUtilization("Cpu", CpuUtilizationScalingProps.builder().targetUtilizationPercent(60).build());
        var appliers = applier.autoScaleTaskCount(EnableScalingProps.builder().minCapacity(settings.appliers())
                .maxCapacity(Math.max(settings.appliers(), Math.min(settings.partitions(), 16))).build());
        appliers.scaleOnCpuUtilization("Cpu", CpuUtilizationScalingProps.builder().targetUtilizationPercent(70).build());
        appliers.scaleOnMetric("Lag", software.amazon.awscdk.services.applicationautoscaling.BasicStepScalingPolicyProps.builder()
                .metric(Metric.Builder.create().namespace(AlarmMetrics.NAMESPACE).metricName(AlarmMetrics.APPLIER_LAG)
                        .statistic("Maximum").period(Duration.minutes(1)).build())
                .scalingSteps(List.of(ScalingInterval.builder().upper(1_000).change(-1).build(),
                        ScalingInterval.builder().lower(10_000).change(+1).build(),
                        ScalingInterval.builder().lower(100_000).change(+2).build()))
                .build());
    }

    private FargateService service(StackSettings settings, String role, Cluster cluster, ContainerImage image, ISecurityGroup tasks,
                                   DataStores stores, IKey key, ISecret adminToken, String region, String cacheHost, EventLog log,
                                   int count, int cpu, int memory, List<String> topicActions, String groupPrefix, List<PolicyStatement> storage) {
        AccessPoint volumeAccess = stores.accessPoint(role);
        FargateTaskDefinition task = FargateTaskDefinition.Builder.create(this, role + "Task").cpu(cpu).memoryLimitMiB(memory)
                .volumes(List.of(Volume.builder().name("hot").efsVolumeConfiguration(EfsVolumeConfiguration.builder()
                        .fileSystemId(stores.hotVolume.getFileSystemId()).transitEncryption("ENABLED")
                        .authorizationConfig(AuthorizationConfig.builder().accessPointId(volumeAccess.getAccessPointId()).iam("ENABLED").build())
                        .build()).build()))
                .build();
        RoleConfig config = new RoleConfig(List.of(role), log.bootstrapServers, region, stores.tableNames.tablePrefix(),
                stores.snapshots.getBucketName(), cacheHost, settings.partitions(), standby);
        LogGroup logs = LogGroup.Builder.create(this, role + "Logs").retention(RetentionDays.ONE_MONTH).build();
        var container = task.addContainer("cairn", ContainerDefinitionOptions.builder().image(image)
                .entryPoint(List.of("sh", "-c"))
                // The role's cairn.yaml travels in the environment; serve reads it from a file.
                .command(List.of("printf '%s' \"$CAIRN_CONFIG\" > /tmp/cairn.yaml && exec cairn serve --config /tmp/cairn.yaml"))
                .environment(Map.of("CAIRN_CONFIG", config.yaml()))
                .secrets(Map.of("CAIRN_ADMIN_TOKEN", Secret.fromSecretsManager(adminToken)))
                .portMappings(List.of(PortMapping.builder().containerPort(8080).build()))
                .healthCheck(HealthCheck.builder().command(List.of("CMD-SHELL", "curl -fsS localhost:8080/health || exit 1"))
                        .interval(Duration.seconds(15)).retries(4).startPeriod(Duration.seconds(120)).build())
                .logging(LogDrivers.awsLogs(AwsLogDriverProps.builder().logGroup(logs).streamPrefix(role).build()))
                .user(DataStores.POSIX_ID)
                .build());
        container.addMountPoints(MountPoint.builder().containerPath(RoleConfig.DATA_DIR).sourceVolume("hot").readOnly(false).build());
        task.addContainer("cloudwatch-agent", ContainerDefinitionOptions.builder()
                .image(ContainerImage.fromRegistry("public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest"))
                .environment(Map.of("CW_CONFIG_CONTENT", "{\"logs\":{\"metrics_collected\":{\"emf\":{}}}}"))
                .logging(LogDrivers.awsLogs(AwsLogDriverProps.builder().logGroup(logs).streamPrefix(role + "-agent").build()))
                .memoryReservationMiB(64).essential(false)
                .build());
        for (PolicyStatement s : log.access(topicActions, groupPrefix)) task.addToTaskRolePolicy(s);
        for (PolicyStatement s : storage) task.addToTaskRolePolicy(s);
        key.grantEncryptDecrypt(task.getTaskRole());
        stores.hotVolume.grant(task.getTaskRole(), "elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite");
        return FargateService.Builder.create(this, role).cluster(cluster).taskDefinition(task).desiredCount(count)
                .securityGroups(List.of(tasks)).vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build())
                .minHealthyPercent(100).maxHealthyPercent(200).circuitBreaker(software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker.builder().rollback(true).build())
                .build();
    }

    private static PolicyStatement dynamo(DataStores stores, String... actions) {
        List<String> resources = new java.util.ArrayList<>();
        for (var t : stores.tables) {
            resources.add(t.getAttrArn());
            resources.add(t.getAttrArn() + "/index/*");
        }
        return PolicyStatement.Builder.create().actions(List.of(actions)).resources(resources).build();
    }

    private static PolicyStatement s3(DataStores stores, String... actions) {
        return PolicyStatement.Builder.create().actions(List.of(actions))
                .resources(List.of(stores.snapshots.getBucketArn(), stores.snapshots.arnForObjects("*"))).build();
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }
}
