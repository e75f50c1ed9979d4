package io.cairn.infra.fault;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The applier as its own JVM ({@code cairn serve} with {@code roles: [applier]}), so a test can SIGKILL
 * it: {@link Process#destroyForcibly()} is SIGKILL on Linux, so nothing in the applier (no shutdown
 * hook, no finally block, no Streams close) runs. Its output is appended to {@code applier.log} beside
 * its config, across restarts.
 *
 * <p>It runs with a stable static membership id, so a restarted applier takes its partitions back at
 * once instead of waiting for the group to evict the killed member after the session timeout.
 */
final class ApplierProcess implements AutoCloseable {
    private final Path config;
    private final Path logFile;
    private final List<String> jvmArgs;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private Process process;
    private int starts;

    private ApplierProcess(Path config, Path logFile, List<String> jvmArgs) {
        this.jvmArgs = List.copyOf(jvmArgs);
        this.config = config;
        this.logFile = logFile;
    }

    /** Writes the applier's YAML for a data dir and a broker; call {@link #start()} to run it. */
    static ApplierProcess configure(Path dataDir, String bootstrapServers, int partitions) throws IOException {
        return configure(dataDir, bootstrapServers, partitions, "", List.of());
    }

    /**
     * As {@link #configure(Path, String, int)}, with more of {@code cairn.yaml} (top-level sections, e.g.
     * {@code snapshots:}) and JVM arguments (e.g. {@code -Daws.accessKeyId=...}).
     */
    static ApplierProcess configure(Path dataDir, String bootstrapServers, int partitions, String moreYaml, List<String> jvmArgs)
            throws IOException {
        Path dir = dataDir.resolve("applier");
        Files.createDirectories(dir);
        Path config = dir.resolve("cairn.yaml");
        Files.writeString(config, String.join("\n",
                "data_dir: " + dataDir.toAbsolutePath(),
                "roles: [applier]",
                "applier_instance_id: fault-applier-1",
                "kafka:",
                "  bootstrap_servers: " + bootstrapServers,
                "  partitions: " + partitions,
                "  replication_factor: 1",
                "  properties:",
                // Only matters if the static rejoin is missed; the broker's minimum is 6 s.
                "    session.timeout.ms: \"6000\"",
                moreYaml,
                ""));
        return new ApplierProcess(config, dir.resolve("applier.log"), jvmArgs);
    }

    /** Sets variables of the applier's environment (e.g. {@code SQLITE_TMPDIR}) for its next starts. */
    synchronized ApplierProcess withEnvironment(java.util.Map<String, String> variables) {
        environment.putAll(variables);
        return this;
    }

    /** Starts a new applier JVM (after a kill, a restart). */
    synchronized void start() throws IOException {
        start(null);
    }

    /**
     * Starts a new applier JVM that halts itself, as a SIGKILL would, the first time it reaches the
     * fault point {@code haltAt} (null: none; see {@code FaultPoints} in stream-apps).
     */
    synchronized void start(String haltAt) throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException("applier already running");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(javaBin, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xss16m", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmArgs);
        if (haltAt != null) command.add("-Dcairn.fault.halt-at=" + haltAt);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "io.cairn.infra.cli.CairnCommand", "serve", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Files.writeString(logFile, "==== start " + (++starts) + " ====" + System.lineSeparator(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = pb.start();
    }

    /** SIGKILL, then waits until the process is gone (its file locks released by the kernel). */
    synchronized void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("applier did not die on SIGKILL");
    }

    /** Waits for the process to end by itself (a fault point halted it); false if it is still alive after {@code seconds}. */
    synchronized boolean awaitExit(int seconds) throws InterruptedException {
        return process == null || process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** The exit status of the process that ended (137: halted at a fault point, or killed). */
    synchronized int exitValue() {
        return process.exitValue();
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    File logFile() {
        return logFile.toFile();
    }

    /** A clean stop (SIGTERM: the applier commits and leaves its group). */
    @Override
    public synchronized void close() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) kill();
    }
}
