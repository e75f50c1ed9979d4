package io.cairn.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The directory an edge under test makes its copies in ({@code EdgeConfig.scratchDir}), and what is in it. */
record EdgeScratch(Path dir) {
    /** Leaves what an edge killed mid-copy left: its space, its lock file free, a past copy of {@code tenant} in it. */
    void plantKilledEdgesSpace(String tenant) throws IOException {
        Path past = Files.createDirectories(dir.resolve("cairn-edge-killed").resolve("past"));
        Files.writeString(past.getParent().resolve("owner.lock"), "");
        Files.writeString(past.resolve(tenant + ".db"), "a tenant's data");
    }

    /** The spaces in the directory (each edge's, and any a killed one left). */
    List<Path> spaces() throws IOException {
        return names(dir);
    }

    /** What {@code dir} holds, by path. */
    static List<Path> names(Path dir) throws IOException {
        try (var listed = Files.list(dir)) {
            return listed.toList();
        }
    }
}
