package io.cairn.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) inside this JVM, for {@code ./cairn
 * dev} and tests. Its log lives under the given directory and survives restarts: the log is the
 * database, so stopping and starting again loses nothing. Ports are chosen once, then kept in
 * {@code ports.properties} so clients and the controller quorum find the same addresses next time.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats the log directory on first use, then starts the broker on the ports kept in {@code dir} (chosen the first time). */
    public static EmbeddedKafka start(Path dir) throws Exception {
        Files.createDirectories(dir);
        Properties ports = ports(dir.resolve("ports.properties"));
        return start(dir, Integer.parseInt(ports.getProperty("broker")), Integer.parseInt(ports.getProperty("controller")));
    }

    /**
     * Formats the log directory on first use, then starts the broker on the given ports (kept in
     * {@code dir/ports.properties} for tools that look for a running dev broker). Returns once started.
     */
    public static EmbeddedKafka start(Path dir, int brokerPort, int controllerPort) throws Exception {
        Files.createDirectories(dir);
        Properties kept = new Properties();
        kept.setProperty("broker", Integer.toString(brokerPort));
        kept.setProperty("controller", Integer.toString(controllerPort));
        try (OutputStream out = Files.newOutputStream(dir.resolve("ports.properties"))) {
            kept.store(out, "ports of the embedded Kafka; kept so restarts and tools find the same addresses");
        }
        return startNode(dir, 1, List.of(new NodePorts(brokerPort, controllerPort)), Uuid.randomUuid().toString());
    }

    /** The ports of one node of a cluster: clients on {@code broker}, the controller quorum on {@code controller}. */
    public record NodePorts(int broker, int controller) {}

    /**
     * Starts node {@code nodeId} (1-based) of a cluster of {@code nodes.size()} nodes, each a broker and a
     * controller (a quorum of all of them), formatting its log directory under {@code dir} with {@code
     * clusterId} on first use. Internal topics get min(3, nodes) replicas, and topics default to {@code
     * min.insync.replicas} 2 when there are 3 nodes or more: a write acknowledged by the cluster survives the
     * loss of any one broker. Returns once started.
     */
    public static EmbeddedKafka startNode(Path dir, int nodeId, List<NodePorts> nodes, String clusterId) throws Exception {
        Files.createDirectories(dir);
        Path logDir = dir.resolve("log");
        NodePorts own = nodes.get(nodeId - 1);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            if (i > 0) voters.append(',');
            voters.append(i + 1).append("@127.0.0.1:").append(nodes.get(i).controller());
        }
        int replicas = Math.min(3, nodes.size());
        String minIsr = Integer.toString(nodes.size() >= 3 ? 2 : 1);

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters.toString());
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + own.broker() + ",CONTROLLER://127.0.0.1:" + own.controller());
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + own.broker());
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "8");
        p.put("message.max.bytes", Integer.toString(8 * 1024 * 1024));
        p.put("min.insync.replicas", minIsr);
        p.put("unclean.leader.election.enable", "false");
        // Few partitions of the internal topics keep start-up quick.
        p.put("offsets.topic.replication.factor", Integer.toString(replicas));
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", Integer.toString(replicas));
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", Integer.toString(replicas));
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        // Lets a group member (an applier) ask for a short session, so a killed one is replaced within seconds.
        p.put("group.min.session.timeout.ms", "1000");
        // After an unclean stop (SIGKILL), the controller waits out the dead broker's session before the
        // restarted one may register, and leaders move off it only then: keep that short (default 9 s).
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        KafkaConfig config = KafkaConfig.fromProps(p, false);

        // The broker halts its process when its log directory fails (a full disk): in this JVM that would
        // take the applier and the edge down with it. Report the failure instead (see failure()).
        Exit.setHaltProcedure((code, message) -> recordFailure("halt " + code + ": " + message));
        Exit.setExitProcedure((code, message) -> recordFailure("exit " + code + ": " + message));
        if (!Files.exists(logDir.resolve("meta.properties"))) format(logDir, nodeId, clusterId);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new EmbeddedKafka(server, "127.0.0.1:" + own.broker());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * What stopped the broker from the inside (its log directory failed, e.g. on a full disk), or null
     * while it is sound. The broker does not recover by itself: free the space and restart.
     */
    public static String failure() {
        return failure;
    }

    private static volatile String failure;

    private static void recordFailure(String what) {
        failure = what;
        org.slf4j.LoggerFactory.getLogger(EmbeddedKafka.class).error("the embedded Kafka broker stopped itself ({});"
                + " Cairn keeps running: free the space, then restart", what);
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static void format(Path logDir, int nodeId, String clusterId) throws Exception {
        Files.createDirectories(logDir);
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setNodeId(nodeId)
                .setClusterId(clusterId)
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setControllerListenerName("CONTROLLER")
                .setIgnoreFormatted(true)
                .run();
    }

    private static Properties ports(Path file) throws IOException {
        Properties ports = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                ports.load(in);
            }
            return ports;
        }
        int[] two = Ports.freeDistinct(2);
        ports.setProperty("broker", Integer.toString(two[0]));
        ports.setProperty("controller", Integer.toString(two[1]));
        try (OutputStream out = Files.newOutputStream(file)) {
            ports.store(out, "ports of the embedded Kafka; kept so restarts find the same addresses");
        }
        return ports;
    }

}
