package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cairn.edge.read.ReadCopy;
import java.nio.file.Path;

/**
 * A copy the edge reads, in {@code cairn.yaml}'s {@code read_copies} (in order of preference):
 * {@code {name: primary}} for the hot volume, {@code {name: <replica>, dir: <its directory>}} for a replica.
 */
public record ReadCopySettings(@JsonProperty("name") String name, @JsonProperty("dir") String dir) {
    public ReadCopySettings {
        spec(name, dir); // refuses a bad name, a primary with a directory, a replica without one
    }

    public ReadCopy.Spec spec() {
        return spec(name, dir);
    }

    private static ReadCopy.Spec spec(String name, String dir) {
        if (name == null) throw new IllegalArgumentException("read_copies: each copy needs a name (primary, or a replica's)");
        try {
            return new ReadCopy.Spec(name, dir == null ? null : Path.of(dir));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("read_copies: " + e.getMessage(), e);
        }
    }
}
