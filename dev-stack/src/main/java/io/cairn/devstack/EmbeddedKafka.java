package io.cairn.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>A broker whose log directory fails (a full disk) takes it offline for good; this one is then
 * stopped and started again on the same directory and ports, once the directory's volume has room
 * again ({@link #roomToRestart}), so writes resume without restarting the process. Its clients
 * reconnect to the same address; Kafka's recovery of the unclean log drops what was never acknowledged.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedKafka.class);
    /** How long a failed broker's shutdown may take before it is left behind. */
    private static final long STOP_WAIT_SECONDS = 60;
    private static final long MAX_RETRY_SECONDS = 60;

    private final KafkaConfig config;
    private final Path logDir;
    private final String bootstrapServers;
    private final ScheduledExecutorService recovery;
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile KafkaRaftServer server;
    private volatile boolean closed;
    private long nextTryNanos;
    private long retrySeconds = 1;
    /** Whether the wait for room was logged since the broker failed (logged once per wait). */
    private boolean waitLogged;

    private EmbeddedKafka(KafkaConfig config, Path logDir, KafkaRaftServer server, String bootstrapServers) {
        this.config = config;
        this.logDir = logDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.recovery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-kafka-recovery");
            t.setDaemon(true);
            return t;
        });
        recovery.scheduleWithFixedDelay(this::recoverIfDue, 1, 1, TimeUnit.SECONDS);
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
        failure = null; // one broker per process: what failed before this start is not this broker's
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new EmbeddedKafka(config, logDir, server, "127.0.0.1:" + own.broker());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * What stopped the broker from the inside (its log directory failed, e.g. on a full disk), or null
     * while it is sound. The broker is restarted once its volume has room again ({@link #roomToRestart}).
     */
    public static String failure() {
        return failure;
    }

    /** How many times this broker was restarted after its log directory failed. */
    public int restarts() {
        return restarts.get();
    }

    private static volatile String failure;

    private static void recordFailure(String what) {
        if (failure == null) {
            LOG.error("the embedded Kafka broker stopped itself ({}); Cairn keeps running, and restarts the broker"
                    + " once its log directory's volume has room again", what);
        }
        failure = what;
    }

    /**
     * The free bytes the log directory's volume needs before a failed broker is restarted: 256 MiB (the
     * edge's own guard on the hot volume), or an eighth of a volume smaller than 2 GiB. Restarting into a
     * volume still full would fail it again at its first append.
     */
    static long roomToRestart(long volumeBytes) {
        return Math.min(256L << 20, volumeBytes / 8);
    }

    private void recoverIfDue() {
        String what = failure;
        if (what == null || closed || System.nanoTime() < nextTryNanos) return;
        long free, total;
        try {
            var store = Files.getFileStore(logDir);
            free = store.getUsableSpace();
            total = store.getTotalSpace();
        } catch (IOException | RuntimeException e) {
            return; // the volume itself is gone: nothing to restart into
        }
        long need = roomToRestart(total);
        if (free < need) {
            if (!waitLogged) LOG.warn("the embedded Kafka broker waits for {} MiB free on {} to restart ({} MiB free)",
                    need >> 20, logDir, free >> 20);
            waitLogged = true;
            return;
        }
        waitLogged = false;
        LOG.warn("restarting the embedded Kafka broker: its log directory failed ({}), and {} MiB are free again", what, free >> 20);
        stopWithin(server);
        if (closed) return;
        failure = null;
        KafkaRaftServer fresh = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            fresh.startup();
            server = fresh;
            restarts.incrementAndGet();
            retrySeconds = 1;
            LOG.warn("the embedded Kafka broker is back on {}", bootstrapServers);
        } catch (RuntimeException e) {
            recordFailure("restart failed: " + e);
            server = fresh;
            nextTryNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(retrySeconds);
            retrySeconds = Math.min(MAX_RETRY_SECONDS, retrySeconds * 2);
        }
    }

    /** Stops a broker, waiting for it a bounded time: a failed one may not finish its shutdown. */
    private static void stopWithin(KafkaRaftServer broker) {
        Thread stopping = Thread.ofPlatform().daemon().name("cairn-kafka-stop").start(() -> {
            try {
                withoutControlledShutdown(broker);
                broker.shutdown();
                broker.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("the failed Kafka broker did not stop cleanly", e);
            }
        });
        try {
            if (!stopping.join(java.time.Duration.ofSeconds(STOP_WAIT_SECONDS))) {
                Throwable where = new Throwable("where its shutdown waits");
                where.setStackTrace(stopping.getStackTrace());
                LOG.warn("the failed Kafka broker did not stop within {} s; starting another anyway", STOP_WAIT_SECONDS, where);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the broker half of {@code server} without its controlled shutdown: that waits (up to 5 minutes) for the
     * controller to fence the broker, and a controller whose log directory failed never answers. Kafka keeps the
     * broker private, so it is reached by reflection; when that fails, the whole server's shutdown waits as usual.
     */
    private static void withoutControlledShutdown(KafkaRaftServer server) {
        try {
            var field = KafkaRaftServer.class.getDeclaredField("broker");
            field.setAccessible(true);
            if (field.get(server) instanceof scala.Option<?> broker && broker.isDefined()
                    && broker.get() instanceof kafka.server.BrokerServer b) {
                b.shutdown(java.time.Duration.ZERO);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("the failed broker is stopped the usual way: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        recovery.shutdownNow();
        try {
            recovery.awaitTermination(STOP_WAIT_SECONDS * 2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
