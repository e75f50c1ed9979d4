package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How Cairn reaches Kafka.
 *
 * @param bootstrapServers comma-separated host:port list (required for {@code serve})
 * @param security {@code plain} (default), {@code tls}, or {@code msk_iam} (Amazon MSK with IAM auth:
 *     SASL_SSL with the AWS_MSK_IAM mechanism; credentials come from the default AWS chain)
 * @param truststorePath optional JKS/PKCS12 truststore for {@code tls}/{@code msk_iam} (default: the JDK's)
 * @param truststorePassword its password, if any
 * @param partitions partitions of each Cairn topic when Cairn creates it (default 8; fixed afterwards)
 * @param replicationFactor replicas of each topic when Cairn creates it (default 3 for serve, 1 for dev)
 * @param properties further client properties, passed through as they are
 */
public record KafkaSettings(
        @JsonProperty("bootstrap_servers") String bootstrapServers,
        @JsonProperty("security") String security,
        @JsonProperty("truststore_path") String truststorePath,
        @JsonProperty("truststore_password") String truststorePassword,
        @JsonProperty("partitions") Integer partitions,
        @JsonProperty("replication_factor") Integer replicationFactor,
        @JsonProperty("properties") Map<String, String> properties) {

    public KafkaSettings {
        security = security == null ? "plain" : security.toLowerCase(Locale.ROOT);
        if (!security.equals("plain") && !security.equals("tls") && !security.equals("msk_iam")) {
            throw new IllegalArgumentException("kafka.security must be plain, tls or msk_iam, not '" + security + "'");
        }
        partitions = partitions == null ? 8 : partitions;
        replicationFactor = replicationFactor == null ? 3 : replicationFactor;
        if (partitions < 1) throw new IllegalArgumentException("kafka.partitions must be >= 1");
        if (replicationFactor < 1) throw new IllegalArgumentException("kafka.replication_factor must be >= 1");
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /** Settings for the embedded single-node broker of {@code ./cairn dev}. */
    public static KafkaSettings embedded(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, "plain", null, null, 8, 1, Map.of());
    }

    /** Client properties shared by every producer, consumer, admin client and Streams app. */
    public Map<String, Object> clientProperties() {
        Objects.requireNonNull(bootstrapServers, "kafka.bootstrap_servers is required");
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        switch (security) {
            case "tls" -> p.put("security.protocol", "SSL");
            case "msk_iam" -> {
                p.put("security.protocol", "SASL_SSL");
                p.put("sasl.mechanism", "AWS_MSK_IAM");
                p.put("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;");
                p.put("sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler");
            }
            default -> p.put("security.protocol", "PLAINTEXT");
        }
        if (truststorePath != null) {
            p.put("ssl.truststore.location", truststorePath);
            if (truststorePassword != null) p.put("ssl.truststore.password", truststorePassword);
        }
        p.putAll(properties);
        return p;
    }
}
