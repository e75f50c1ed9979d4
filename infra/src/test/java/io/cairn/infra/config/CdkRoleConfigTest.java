package io.cairn.infra.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cdk.RoleConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code cairn.yaml} the CDK app renders for each role's task is one {@code cairn serve} accepts: loaded
 * with serve's own loader (unknown keys are errors), with deploy-time values standing in for CDK's tokens.
 */
class CdkRoleConfigTest {
    @TempDir Path dir;

    @Test
    void everyRolesRenderedConfigLoadsAsServeReadsIt() throws Exception {
        for (String role : List.of("edge", "applier", "materializer")) {
            RoleConfig rendered = new RoleConfig(List.of(role), "b-1.cairn.abc.kafka.us-east-1.amazonaws.com:9098", "us-east-1",
                    "cairn-", "cairn-stores-snapshots-1a2b", "master.cairn-cache.abc.use1.cache.amazonaws.com", 48, role.equals("edge"));
            Path file = dir.resolve(role + ".yaml");
            Files.writeString(file, rendered.yaml());
            CairnConfig config = CairnConfig.load(file);
            assertThat(config.roles()).containsExactly(role);
            assertThat(config.regionRole()).as("a standby stack's roles say so").isEqualTo(role.equals("edge")
                    ? io.cairn.topics.RegionRole.STANDBY : io.cairn.topics.RegionRole.PRIMARY);
            assertThat(config.kafka().partitions()).isEqualTo(48);
            assertThat(config.kafka().security()).isEqualTo("msk_iam");
            assertThat(config.dynamodb().createTables()).isFalse();
            assertThat(config.snapshots().bucket()).isEqualTo("cairn-stores-snapshots-1a2b");
            assertThat(config.encryption()).isNotNull();
            assertThat(config.metrics().emf().agentEndpoint()).isEqualTo("tcp://127.0.0.1:25888");
            assertThat(config.logFormat()).isEqualTo("json");
            assertThat(config.redisUrl()).startsWith("rediss://");
        }
    }
}
