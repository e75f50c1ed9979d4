package io.cairn.devstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} as a child process, for {@code ./cairn dev --redis embedded} and the
 * tests. The binary is the one on the PATH when there is one, else the linux-amd64 Redis 6.2 that
 * {@code com.github.codemonstur:embedded-redis} ships in its jar (so a machine with only a JDK runs
 * it). No persistence: a restarted server is empty, as a cache may be.
 *
 * <p>Tests can {@link #kill()} it (as a crash or a network cut would) and {@link #start()} it again
 * on the same port.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);

    private final int port;
    private final long maxMemoryBytes;
    private final String binary;
    private final Path logFile;
    private Process process;

    private EmbeddedRedis(int port, long maxMemoryBytes, String binary, Path logFile) {
        this.port = port;
        this.maxMemoryBytes = maxMemoryBytes;
        this.binary = binary;
        this.logFile = logFile;
    }

    /**
     * Starts a server on loopback and returns once it answers PING.
     *
     * @param port           port to listen on, 0 for a free one
     * @param maxMemoryBytes the server's {@code maxmemory}, evicting with {@code allkeys-lru} as
     *                       ElastiCache is configured for the query cache
     */
    public static EmbeddedRedis start(int port, long maxMemoryBytes) throws IOException {
        int listen = port == 0 ? Ports.free() : port;
        EmbeddedRedis redis = new EmbeddedRedis(listen, maxMemoryBytes, binary(), Files.createTempFile("cairn-redis-" + listen, ".log"));
        redis.start();
        log.info("embedded Redis on 127.0.0.1:{} ({})", listen, redis.binary);
        return redis;
    }

    /** Starts the server process again on the same port (after {@link #kill()}). */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) return;
        List<String> args = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--maxmemory", Long.toString(maxMemoryBytes), "--maxmemory-policy", "allkeys-lru"));
        process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"+PONG".equals(command("PING"))) {
            if (!process.isAlive()) throw new IOException("redis-server exited: " + Files.readString(logFile));
            if (System.nanoTime() > deadline) throw new IOException("redis-server did not answer PING on port " + port);
            try {
                process.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting redis-server", e);
            }
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the server without a chance to say goodbye. */
    public synchronized void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    /** Sends one inline command and returns the first reply line, or null if the server does not answer. */
    public String command(String inline) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\r'; ) line.append((char) c);
            return line.toString();
        } catch (IOException notUp) {
            return null;
        }
    }

    @Override
    public synchronized void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException ignored) {
            // A log file in the temp directory left behind.
        }
    }

    /** {@code redis-server} from the PATH, else the binary in the embedded-redis jar (extracted once per run). */
    static String binary() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "redis-server");
            if (!dir.isEmpty() && candidate.canExecute()) return candidate.getPath();
        }
        File bundled = ExecutableProvider.newJarResourceProvider().get();
        if (!bundled.canExecute() && !bundled.setExecutable(true)) throw new IOException("cannot make " + bundled + " executable");
        return bundled.getPath();
    }
}
