package io.cairn.infra.cluster;

import io.cairn.devstack.EmbeddedKafka;
import io.cairn.devstack.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;

/**
 * Cairn on several nodes, on this machine: every Kafka broker and every {@code cairn serve} role a process
 * of its own (the test's classpath, loopback ports), so a test can kill any of them with SIGKILL and start
 * it again, as a node of a real deployment dies and comes back. The test-only launcher of docs/replicas.md
 * ("Several nodes"). Each process writes its output to {@code <dir>/<name>.log}.
 */
final class ClusterHarness implements AutoCloseable {
    static final String ADMIN = "cluster-admin-token-0123456789";

    /** A process of the cluster: how it was started, so it can be started again. */
    private record Member(String name, List<String> command, Path log, String readyLine, Process process) {}

    private final Path dir;
    private final List<EmbeddedKafka.NodePorts> brokers = new ArrayList<>();
    private final String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
    private final Map<String, Member> members = new LinkedHashMap<>();
    /** How many times each member was started: its log holds one ready line per start. */
    private final Map<String, Integer> starts = new java.util.HashMap<>();
    private final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));

    private ClusterHarness(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code brokers} Kafka nodes (each a broker and a controller) and waits until all serve. */
    static ClusterHarness start(Path dir, int brokers) throws Exception {
        ClusterHarness c = new ClusterHarness(dir);
        int[] ports = Ports.freeDistinct(2 * brokers);
        for (int i = 0; i < brokers; i++) c.brokers.add(new EmbeddedKafka.NodePorts(ports[2 * i], ports[2 * i + 1]));
        try {
            for (int id = 1; id <= brokers; id++) c.launch(brokerName(id), c.brokerCommand(id), "started ", false);
            for (int id = 1; id <= brokers; id++) c.awaitReady(brokerName(id), Duration.ofSeconds(90));
            c.awaitBrokers(brokers);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    static String brokerName(int id) {
        return "kafka-" + id;
    }

    String bootstrapServers() {
        return brokers.stream().map(b -> "127.0.0.1:" + b.broker()).collect(Collectors.joining(","));
    }

    Map<String, Object> kafkaProperties() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }

    /**
     * Starts {@code cairn serve} with {@code yaml} (its config, written to {@code <dir>/<name>.yaml}) as
     * {@code name}; returns once it says it serves.
     */
    void serve(String name, String yaml) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        launch(name, javaCommand("io.cairn.infra.cli.CairnCommand", "serve", "--config", config.toString()), "cairn: serving", true);
        awaitReady(name, Duration.ofSeconds(120));
    }

    /** SIGKILL: the process gets no chance to clean up. */
    void kill(String name) throws InterruptedException {
        Process p = members.get(name).process();
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts a killed member again with the same command; returns once it is ready. */
    void restart(String name) throws Exception {
        Member m = members.get(name);
        if (m.process().isAlive()) throw new IllegalStateException(name + " is still running");
        launch(name, m.command(), m.readyLine(), true);
        awaitReady(name, Duration.ofSeconds(120));
        if (name.startsWith("kafka-")) awaitBrokers(brokers.size());
    }

    /** Starts a killed broker again; returns once it serves (it may still be catching up its replicas). */
    void restartBroker(int id) throws Exception {
        restart(brokerName(id));
    }

    private List<String> brokerCommand(int id) {
        List<String> args = new ArrayList<>(List.of(dir.resolve(brokerName(id)).toString(), Integer.toString(id), clusterId));
        for (EmbeddedKafka.NodePorts b : brokers) args.add(b.broker() + ":" + b.controller());
        return javaCommand("io.cairn.devstack.KafkaClusterNode", args.toArray(String[]::new));
    }

    private List<String> javaCommand(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Xss16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-Dlogback.configurationFile=" + logbackFile(), "-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void launch(String name, List<String> command, String readyLine, boolean append) throws IOException {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().put("CAIRN_ADMIN_TOKEN", ADMIN);
        members.put(name, new Member(name, command, log, readyLine, pb.start()));
        starts.merge(name, 1, Integer::sum);
    }

    /** Waits until {@code name}'s latest start printed its ready line. */
    private void awaitReady(String name, Duration timeout) {
        Member m = members.get(name);
        Awaitility.await(name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!m.process().isAlive()) throw new IllegalStateException(name + " exited with " + m.process().exitValue() + "; see " + m.log());
            // The log is appended across restarts: count ready lines against starts.
            long ready = Files.readAllLines(m.log()).stream().filter(l -> l.contains(m.readyLine())).count();
            return ready >= starts.get(name);
        });
    }

    private void awaitBrokers(int n) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            Awaitility.await("brokers registered").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == n);
        }
    }

    /** Quiet child processes: warnings and errors only, to their log file. */
    private Path logbackFile() {
        Path f = dir.resolve("logback-cluster.xml");
        if (!Files.exists(f)) {
            try {
                Files.writeString(f, """
                        <configuration>
                          <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
                          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n</pattern></encoder>
                          </appender>
                          <logger name="io.cairn" level="INFO"/>
                          <root level="WARN"><appender-ref ref="OUT"/></root>
                        </configuration>
                        """);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return f;
    }

    @Override
    public void close() {
        List<Member> all = new ArrayList<>(members.values());
        java.util.Collections.reverse(all); // Cairn's roles first, the brokers last
        for (Member m : all) m.process().destroy();
        for (Member m : all) {
            try {
                if (!m.process().waitFor(20, TimeUnit.SECONDS)) m.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                m.process().destroyForcibly();
            }
        }
    }
}
