package io.cairn.connectors.dynamodb;

import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/**
 * The control plane's tables as {@code CreateTableRequest}s (names, keys, indexes, billing): the one
 * description that {@link DynamoDbMetadataStore#createTablesIfMissing()} creates in {@code ./cairn dev}
 * and the CDK app declares in AWS, so the two cannot drift.
 */
public final class DynamoDbTables {
    private DynamoDbTables() {}

    public static List<CreateTableRequest> definitions(DynamoDbMetadataConfig config) {
        return DynamoDbSchema.tables(config);
    }
}
