package io.cairn.connectors.dynamodb;

import io.cairn.connectors.metadata.MetadataStoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

/** Sorts DynamoDB SDK failures into retriable and permanent ones. */
final class DynamoDbFailures {
    private DynamoDbFailures() {}

    static MetadataStoreException classify(String operation, RuntimeException e) {
        if (e instanceof MetadataStoreException m) return m;
        if (e instanceof SdkClientException) {
            return new MetadataStoreException(operation + ": DynamoDB unreachable: " + e.getMessage(), true, e);
        }
        if (e instanceof AwsServiceException s) {
            boolean transientFailure = s.statusCode() >= 500 || s.isThrottlingException() || e instanceof TransactionConflictException;
            String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
            return new MetadataStoreException(operation + ": DynamoDB answered " + s.statusCode() + " " + code, transientFailure, e);
        }
        return new MetadataStoreException(operation + ": unexpected failure: " + e, false, e);
    }
}
