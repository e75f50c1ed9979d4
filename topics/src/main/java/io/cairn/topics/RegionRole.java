package io.cairn.topics;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The role of a region's Kafka cluster, kept in {@link TopicCatalog#REGION} (key {@link #KEY}, value the
 * role's name in UTF-8; the latest record counts). A cluster without such a record is a primary. A
 * standby's log is fed by MirrorMaker from the primary region; its edges take no writes and its applier
 * applies as a replica until {@code cairn promote} writes {@link #PRIMARY} (docs/replicas.md).
 */
public enum RegionRole {
    PRIMARY,
    STANDBY;

    /** The one key of the region topic. */
    public static final String KEY = "role";

    public byte[] encode() {
        return name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    }

    /** The role a record names; null for a value that names none (ignored by readers). */
    public static RegionRole decode(byte[] value) {
        if (value == null) return null;
        return switch (new String(value, StandardCharsets.UTF_8)) {
            case "primary" -> PRIMARY;
            case "standby" -> STANDBY;
            default -> null;
        };
    }
}
