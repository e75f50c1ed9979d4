package io.cairn.connectors.snapshot;

import java.net.ServerSocket;
import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** An in-JVM s3proxy over an in-memory blob store: the real S3 protocol, no Docker. */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS_KEY = "cairn-test";
    static final String SECRET_KEY = "cairn-test-secret";

    private final S3Proxy proxy;
    private final URI endpoint;

    S3ProxyServer() throws Exception {
        Properties props = new Properties();
        BlobStore blobStore = BlobStores.create("transient-nio2", props);
        endpoint = URI.create("http://127.0.0.1:" + freePort());
        proxy = S3Proxy.builder().blobStore(blobStore).endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) Thread.sleep(10);
    }

    URI endpoint() {
        return endpoint;
    }

    S3Client client() {
        return client(endpoint);
    }

    static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .httpClientBuilder(Apache5HttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
