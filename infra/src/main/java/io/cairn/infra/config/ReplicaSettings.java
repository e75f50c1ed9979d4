package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cairn.edge.read.ReadCopy;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The replica this process runs (role {@code replica}), in {@code cairn.yaml}: an applier in its own
 * consumer group applying the same log into a directory of its own (see docs/replicas.md).
 *
 * @param name the replica's name: its consumer group is {@code cairn-replica-<name>}, and edges reading it name it
 *     so in {@code read_copies}; {@code ^[a-z0-9][a-z0-9_-]{0,31}$}. Required.
 * @param dir its directory, laid out like a hot volume, on the node's own disk. Required.
 */
public record ReplicaSettings(@JsonProperty("name") String name, @JsonProperty("dir") String dir) {
    public ReplicaSettings {
        Objects.requireNonNull(name, "replica.name is required");
        Objects.requireNonNull(dir, "replica.dir is required");
        if (ReadCopy.PRIMARY.equals(name)) throw new IllegalArgumentException("replica.name must not be 'primary': that names the hot volume");
        ReadCopy.Spec.replica(name, Path.of(dir)); // the same rules as an edge's copies
    }

    /** The replica's consumer group (Kafka Streams application id). */
    public String applicationId() {
        return "cairn-replica-" + name;
    }

    public Path dirPath() {
        return Path.of(dir);
    }
}
