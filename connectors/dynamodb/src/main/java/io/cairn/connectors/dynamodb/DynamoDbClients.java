package io.cairn.connectors.dynamodb;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * The DynamoDB clients Cairn uses: short timeouts (a call that cannot finish in seconds fails as
 * retriable, and the caller's own backoff takes over) and a connection pool sized for the
 * materializer's parallel writes.
 */
public final class DynamoDbClients {
    private DynamoDbClients() {}

    /** DynamoDB in AWS: {@code region}, the default credential chain (instance or task role), an endpoint override or null. */
    public static DynamoDbClient aws(String region, URI endpoint) {
        DynamoDbClientBuilder b = base().region(Region.of(region)).credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (endpoint != null) b.endpointOverride(endpoint);
        return b.build();
    }

    /** DynamoDB Local at {@code endpoint} (any region and static credentials do). */
    public static DynamoDbClient local(URI endpoint) {
        return base().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
    }

    private static DynamoDbClientBuilder base() {
        return DynamoDbClient.builder()
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).maxConnections(64))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(10)).apiCallAttemptTimeout(Duration.ofSeconds(3)));
    }
}
