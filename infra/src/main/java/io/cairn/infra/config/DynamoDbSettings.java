package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.util.Objects;

/**
 * The control plane's DynamoDB in {@code cairn.yaml}.
 *
 * @param region AWS region of the tables (required)
 * @param endpoint an endpoint override (a VPC endpoint, or DynamoDB Local); default: the region's
 * @param tablePrefix prepended to {@code tenants}, {@code keys}, {@code usage}. Default {@code cairn-}.
 * @param createTables whether Cairn creates missing tables and indexes at start (on-demand billing).
 *     Default true; set false where tables are made by infrastructure code (the CDK app) and the
 *     role may not create them.
 */
public record DynamoDbSettings(
        @JsonProperty("region") String region,
        @JsonProperty("endpoint") String endpoint,
        @JsonProperty("table_prefix") String tablePrefix,
        @JsonProperty("create_tables") Boolean createTables) {

    public DynamoDbSettings {
        Objects.requireNonNull(region, "dynamodb.region is required");
        tablePrefix = tablePrefix == null ? "cairn-" : tablePrefix;
        createTables = createTables == null || createTables;
        Endpoints.check("dynamodb.endpoint", endpoint);
    }

    public URI endpointUri() {
        return Endpoints.uri(endpoint);
    }
}
