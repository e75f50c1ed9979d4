package io.cairn.connectors.snapshot;

import java.time.Instant;

/**
 * What is known about one stored snapshot.
 *
 * @param sizeBytes   size of the database file (uncompressed)
 * @param sha256      lower-case hex SHA-256 of the database file (uncompressed)
 * @param storedBytes size of the stored, compressed object
 * @param createdAt   the store's clock when the snapshot was put
 */
public record SnapshotInfo(String tenant, long offset, long sizeBytes, String sha256, long storedBytes, Instant createdAt) {}
