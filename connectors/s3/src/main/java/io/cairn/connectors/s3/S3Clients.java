package io.cairn.connectors.s3;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The S3 clients Cairn uses: a short connection timeout (an unreachable store fails as retriable and
 * the caller's backoff takes over), generous per-call time (a snapshot may be hundreds of MB).
 */
public final class S3Clients {
    private S3Clients() {}

    /** S3 in AWS: {@code region}, the default credential chain (instance or task role), an endpoint override or null. */
    public static S3Client aws(String region, URI endpoint) {
        S3ClientBuilder b = base().region(Region.of(region)).credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (endpoint != null) b.endpointOverride(endpoint).forcePathStyle(true);
        return b.build();
    }

    /** An S3-protocol server such as s3proxy at {@code endpoint}, with static credentials (path-style addressing). */
    public static S3Client local(URI endpoint, String accessKey, String secretKey) {
        return base().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))).build();
    }

    private static S3ClientBuilder base() {
        return S3Client.builder()
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).maxConnections(16))
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(Duration.ofMinutes(2)));
    }
}
