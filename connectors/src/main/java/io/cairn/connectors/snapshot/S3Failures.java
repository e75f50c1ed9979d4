package io.cairn.connectors.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Sorts S3 SDK failures into the store's taxonomy: transient (retriable) or not. */
final class S3Failures {
    private S3Failures() {}

    static SnapshotStoreException classify(String op, String tenant, long offset, Throwable e) {
        if (e instanceof SnapshotStoreException s) return s;
        if (e instanceof SdkClientException || e instanceof IOException || e instanceof UncheckedIOException) {
            // Connection refused/reset, timeouts, a body cut short: the request never got a real answer.
            return new SnapshotUnavailableException(op, tenant, offset, "S3 unreachable: " + e.getMessage(), e);
        }
        if (e instanceof AwsServiceException s) {
            int status = s.statusCode();
            if (status >= 500 || status == 429 || s.isThrottlingException()) {
                return new SnapshotUnavailableException(op, tenant, offset, "S3 answered " + status + " " + code(s), e);
            }
            return new SnapshotStoreException(op, tenant, offset, "S3 refused: " + status + " " + code(s), e);
        }
        if (e instanceof RuntimeException r) {
            return new SnapshotStoreException(op, tenant, offset, "unexpected failure: " + r, r);
        }
        return new SnapshotStoreException(op, tenant, offset, "unexpected failure: " + e, e);
    }

    static boolean isNotFound(Throwable e) {
        return e instanceof S3Exception s && s.statusCode() == 404;
    }

    private static String code(AwsServiceException s) {
        return s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
    }
}
