package io.cairn.cdk;

import java.util.List;

/**
 * The {@code cairn.yaml} a role's task runs with (docs/configuration.md), rendered from the stack's
 * resources. Values that exist only at deploy time (bucket name, broker string) are CloudFormation
 * tokens that CDK resolves inside the string. Plain Java (no CDK type): the infra module's tests load what
 * it renders with {@code cairn serve}'s own configuration loader. {@code standby}: the standby region's roles
 * ({@code region: standby}, docs/replicas.md).
 */
public record RoleConfig(List<String> roles, String bootstrapServers, String region, String tablePrefix, String bucket,
                  String redisHost, int partitions, boolean standby) {
    /** The hot volume inside every container (the role's EFS access point). */
    static final String DATA_DIR = "/mnt/efs/cairn";
    /** Where the CloudWatch agent sidecar listens for EMF (docs/operations.md). */
    static final String EMF_AGENT = "tcp://127.0.0.1:25888";

    public String yaml() {
        return String.join("\n",
                "data_dir: " + DATA_DIR,
                "http_port: 8080",
                "roles: [" + String.join(", ", roles) + "]",
                "region: " + (standby ? "standby" : "primary"),
                "log_format: json",
                "redis_url: rediss://" + redisHost + ":6379",
                "dynamodb:",
                "  region: " + region,
                "  table_prefix: " + tablePrefix,
                "  create_tables: false",
                "snapshots:",
                "  bucket: " + bucket,
                "  region: " + region,
                "encryption:",
                "  key_file: " + DATA_DIR + "/kek.keys",
                "  vault_dir: " + DATA_DIR + "/keys",
                "metrics:",
                "  emf:",
                "    agent_endpoint: " + EMF_AGENT,
                "kafka:",
                "  bootstrap_servers: " + bootstrapServers,
                "  security: msk_iam",
                "  partitions: " + partitions,
                "  replication_factor: 3",
                "");
    }
}
