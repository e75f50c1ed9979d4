package io.cairn.cdk;

import java.util.Map;
import java.util.Objects;

/**
 * What an operator chooses about the production topology; everything else follows from Cairn's own
 * code (topic catalog, table definitions, metric names). Read from CDK context ({@code -c key=value}
 * on {@code ./cairn cdk synth}); every key has a default.
 *
 * @param name          prefix of every physical name (tables, cluster, bucket ids); default {@code cairn}
 * @param image         the Cairn container image (the same image runs every role); default an ECR
 *                      repository made by the stack, tag {@code latest}
 * @param kafkaVersion  MSK broker version; default {@code 3.9.x}
 * @param brokerType    MSK broker instance type; default {@code kafka.m7g.large}
 * @param brokers       broker count, a multiple of the availability zones (3); default 3
 * @param partitions    partitions of each Cairn topic (fixed at creation); default 48
 * @param edges         edge tasks at start (autoscaling adds up to 4x); default 2
 * @param appliers      applier tasks (each owns a share of the partitions; lag scales them up to the
 *                      partition count); default 2
 * @param standbyRegion a second region for the standby stack, or null for none
 * @param alarmEmail    where alarms are mailed (an SNS subscription), or null
 */
public record StackSettings(String name, String image, String kafkaVersion, String brokerType, int brokers,
                            int partitions, int edges, int appliers, String standbyRegion, String alarmEmail) {
    public StackSettings {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z][a-z0-9-]{0,19}")) throw new IllegalArgumentException("name: lowercase letters, digits and '-', at most 20, got " + name);
        if (brokers < 3 || brokers % 3 != 0) throw new IllegalArgumentException("brokers: a multiple of 3 (one per availability zone), got " + brokers);
        if (partitions < 1) throw new IllegalArgumentException("partitions must be positive");
        if (edges < 1 || appliers < 1) throw new IllegalArgumentException("edges and appliers: at least 1");
    }

    public static StackSettings defaults() {
        return new StackSettings("cairn", null, "3.9.x", "kafka.m7g.large", 3, 48, 2, 2, null, null);
    }

    /** The defaults with every key present in {@code context} replaced (unknown keys are refused). */
    public static StackSettings from(Map<String, String> context) {
        StackSettings d = defaults();
        for (String key : context.keySet()) {
            if (!KEYS.contains(key)) throw new IllegalArgumentException("unknown setting '" + key + "'; known: " + KEYS);
        }
        return new StackSettings(context.getOrDefault("name", d.name()), context.getOrDefault("image", d.image()),
                context.getOrDefault("kafka_version", d.kafkaVersion()), context.getOrDefault("broker_type", d.brokerType()),
                integer(context, "brokers", d.brokers()), integer(context, "partitions", d.partitions()),
                integer(context, "edges", d.edges()), integer(context, "appliers", d.appliers()),
                context.getOrDefault("standby_region", d.standbyRegion()), context.getOrDefault("alarm_email", d.alarmEmail()));
    }

    static final java.util.List<String> KEYS = java.util.List.of("name", "image", "kafka_version", "broker_type", "brokers",
            "partitions", "edges", "appliers", "standby_region", "alarm_email");

    private static int integer(Map<String, String> context, String key, int fallback) {
        String v = context.get(key);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": an integer, got '" + v + "'");
        }
    }
}
