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
        Path logDir = dir.resolve("log");

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "8");
        p.put("message.max.bytes", Integer.toString(8 * 1024 * 1024));
        // One node: every internal topic has one replica, and few partitions keep start-up quick.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // After an unclean stop (SIGKILL), the controller waits out the dead broker's session before the
        // restarted one may register: keep that short for a single node (default 9 s).
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        KafkaConfig config = KafkaConfig.fromProps(p, false);

        // The broker halts its process when its log directory fails (a full disk): in this JVM that would
        // take the applier and the edge down with it. Report the failure instead (see failure()).
        Exit.setHaltProcedure((code, message) -> recordFailure("halt " + code + ": " + message));
        Exit.setExitProcedure((code, message) -> recordFailure("exit " + code + ": " + message));
        if (!Files.exists(logDir.resolve("meta.properties"))) format(logDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new EmbeddedKafka(server, "127.0.0.1:" + brokerPort);
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

    private static void format(Path logDir) throws Exception {
        Files.createDirectories(logDir);
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
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
