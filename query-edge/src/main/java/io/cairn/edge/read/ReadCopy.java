package io.cairn.edge.read;

import io.cairn.tenantdb.sqlite.CopyPositions;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One copy of the tenants' files an edge may read: the primary hot volume (the applier's) or a replica's
 * directory (an applier in the replica role, its own consumer group, applying the same log). Each has its
 * own read connections and its own published positions ({@link CopyPositions}).
 *
 * @param name how answers and metrics name the copy ({@link #PRIMARY} for the hot volume)
 * @param primary true for the hot volume: it alone is repaired through the log and serves cold tenants
 * @param pool read connections to its files
 * @param queries reads on its files
 * @param positions how far its applier has applied each partition
 */
public record ReadCopy(String name, boolean primary, ReadPool pool, QueryRunner queries, CopyPositions.Reader positions) {
    public static final String PRIMARY = "primary";
    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,31}$");

    public ReadCopy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(queries, "queries");
        Objects.requireNonNull(positions, "positions");
    }

    /**
     * Where a copy is.
     *
     * @param name {@link #PRIMARY}, or a replica's name matching {@code ^[a-z0-9][a-z0-9_-]{0,31}$}
     * @param dir the replica's directory (laid out like a hot volume); null for the primary, which is the edge's hot volume
     */
    public record Spec(String name, Path dir) {
        public Spec {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("a copy's name must match " + NAME.pattern() + ", not '" + name + "'");
            if (PRIMARY.equals(name) != (dir == null)) {
                throw new IllegalArgumentException(PRIMARY.equals(name) ? "the primary copy is the hot volume: it takes no directory"
                        : "replica copy '" + name + "' needs its directory");
            }
        }

        public static Spec primary() {
            return new Spec(PRIMARY, null);
        }

        public static Spec replica(String name, Path dir) {
            return new Spec(name, dir);
        }
    }
}
