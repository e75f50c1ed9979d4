package io.cairn.connectors.s3;

import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/** Adds the configured server-side encryption headers to the requests that create objects. */
final class S3Encryption {
    private S3Encryption() {}

    static void apply(S3SnapshotConfig config, PutObjectRequest.Builder request) {
        switch (config.encryption()) {
            case NONE -> {}
            case SSE_S3 -> request.serverSideEncryption(ServerSideEncryption.AES256);
            case SSE_KMS -> request.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(config.kmsKeyId());
        }
    }

    static void apply(S3SnapshotConfig config, CreateMultipartUploadRequest.Builder request) {
        switch (config.encryption()) {
            case NONE -> {}
            case SSE_S3 -> request.serverSideEncryption(ServerSideEncryption.AES256);
            case SSE_KMS -> request.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(config.kmsKeyId());
        }
    }
}
