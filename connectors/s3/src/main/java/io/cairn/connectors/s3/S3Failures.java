package io.cairn.connectors.s3;

import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.connectors.snapshot.SnapshotUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
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

    /**
     * True only for a missing object, never a missing bucket: reading "no such bucket" as "no
     * snapshot" would make recovery replay from a log whose start may be gone.
     */
    static boolean isMissingObject(Throwable e) {
        if (e instanceof NoSuchKeyException) return true;
        if (!(e instanceof S3Exception s) || s.statusCode() != 404) return false;
        String code = code(s);
        // A HEAD answer has no body, hence no code; HEAD is only sent after a LIST proved the bucket.
        return code.isEmpty() || code.equals("NoSuchKey");
    }

    private static String code(AwsServiceException s) {
        String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
        return code == null ? "" : code;
    }
}
