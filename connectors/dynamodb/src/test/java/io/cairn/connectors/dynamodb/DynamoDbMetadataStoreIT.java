package io.cairn.connectors.dynamodb;

import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.metadata.MetadataStoreException;
import io.cairn.connectors.metadata.MetadataStoreContract;
import io.cairn.connectors.metadata.TenantQuery;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.topics.avro.Tier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Runs the contract against DynamoDB Local over HTTP, with the same SDK client setup as production. */
class DynamoDbMetadataStoreIT extends MetadataStoreContract {
    private static DynamoDBProxyServer server;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void startDynamoDbLocal() throws Exception {
        int port = freePort();
        server = ServerRunner.createServerFromCommandLineArgs(new String[] {"-inMemory", "-disableTelemetry", "-port", Integer.toString(port)});
        server.start();
        dynamo = client(URI.create("http://127.0.0.1:" + port));
    }

    @AfterAll
    static void stopDynamoDbLocal() throws Exception {
        if (dynamo != null) dynamo.close();
        if (server != null) server.stop();
    }

    @Override
    protected MetadataStore newStore() {
        // A fresh prefix per test instead of dropping tables: creation is the slow part.
        return new DynamoDbMetadataStore(dynamo, new DynamoDbMetadataConfig("t" + UUID.randomUUID().toString().substring(0, 8) + "-", 4));
    }

    @Test
    void tablesGetTheConfiguredPrefix() {
        DynamoDbMetadataConfig config = new DynamoDbMetadataConfig("prefixed-", 1);
        assertThat(new DynamoDbMetadataStore(dynamo, config).createTablesIfMissing()).as("made now: the view is to be built").isTrue();
        assertThat(new DynamoDbMetadataStore(dynamo, config).createTablesIfMissing()).as("there already: nothing to build").isFalse();

        assertThat(dynamo.listTables().tableNames()).contains("prefixed-tenants", "prefixed-keys");
    }

    @Test
    void unreachableDynamoDbIsARetriableError() throws Exception {
        try (DynamoDbClient dead = client(URI.create("http://127.0.0.1:" + freePort()))) {
            MetadataStore unreachable = new DynamoDbMetadataStore(dead, DynamoDbMetadataConfig.defaults());

            assertThatThrownBy(() -> unreachable.get("acme"))
                    .isInstanceOf(MetadataStoreException.class)
                    .satisfies(e -> assertThat(((MetadataStoreException) e).retriable()).isTrue());
        }
    }

    /** A start whose DynamoDB answers late (a loaded machine) waits for it: the first timeout ended the process. */
    @Test
    void creatingTheTablesWaitsForADynamoDbThatAnswersLate() throws Exception {
        int port = freePort();
        try (DynamoDbClient late = client(URI.create("http://127.0.0.1:" + port))) {
            var creating = java.util.concurrent.CompletableFuture.runAsync(
                    () -> new DynamoDbMetadataStore(late, new DynamoDbMetadataConfig("late-", 1)).createTablesIfMissing());
            DynamoDBProxyServer later = ServerRunner.createServerFromCommandLineArgs(
                    new String[] {"-inMemory", "-disableTelemetry", "-port", Integer.toString(port)});
            // Refused for the second or so DynamoDB Local takes to start: without the retries the first refusal ended it.
            later.start();
            try {
                creating.get(90, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(late.listTables().tableNames()).contains("late-tenants");
            } finally {
                later.stop();
            }
        }
    }

    @Test
    void missingTableIsANonRetriableError() {
        MetadataStore noTables = new DynamoDbMetadataStore(dynamo, new DynamoDbMetadataConfig("never-created-", 1));

        assertThatThrownBy(() -> noTables.get("acme"))
                .isInstanceOf(MetadataStoreException.class)
                .satisfies(e -> assertThat(((MetadataStoreException) e).retriable()).isFalse());
    }

    @Test
    @SuppressWarnings("unchecked") // the SDK's varargs of lambdas
    void aTenantsTableOfAnEarlierVersionGetsTheSchemaIndex() {
        DynamoDbMetadataConfig config = new DynamoDbMetadataConfig("old-", 2);
        dynamo.createTable(r -> r.tableName(config.tenantsTable()).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("tenant").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("idle_shard").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("last_access_ms").attributeType(ScalarAttributeType.N))
                .keySchema(k -> k.attributeName("tenant").keyType(KeyType.HASH))
                .globalSecondaryIndexes(g -> g.indexName("tier-last-access").projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))
                        .keySchema(k -> k.attributeName("idle_shard").keyType(KeyType.HASH),
                                k -> k.attributeName("last_access_ms").keyType(KeyType.RANGE))));
        MetadataStore upgraded = new DynamoDbMetadataStore(dynamo, config);

        upgraded.createTablesIfMissing();
        upgraded.upsert(state("acme", 1, Tier.HOT, 0));

        assertThat(upgraded.listTenants(new TenantQuery(null, null, 1), 10, null).tenants())
                .extracting(TenantRecord::tenant).containsExactly("acme");
    }

    static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(1)))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(5)).retryStrategy(r -> r.maxAttempts(1)))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
