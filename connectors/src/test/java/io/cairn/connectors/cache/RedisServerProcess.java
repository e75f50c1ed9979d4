package io.cairn.connectors.cache;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a fixed port, which tests can kill and start again on
 * the same port. No persistence, so a restarted server is empty.
 */
final class RedisServerProcess implements AutoCloseable {
    private final int port;
    private final long maxMemoryBytes;
    private final Path log;
    private Process process;

    RedisServerProcess(long maxMemoryBytes) throws Exception {
        this.port = freePort();
        this.maxMemoryBytes = maxMemoryBytes;
        this.log = Files.createTempFile("redis-" + port, ".log");
        start();
    }

    int port() {
        return port;
    }

    void start() throws Exception {
        String binary = findOnPath("redis-server");
        process = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--maxmemory", Long.toString(maxMemoryBytes), "--maxmemory-policy", "allkeys-lru"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"+PONG".equals(command("PING"))) {
            if (!process.isAlive()) throw new IllegalStateException("redis-server exited: " + Files.readString(log));
            if (System.nanoTime() > deadline) throw new IllegalStateException("redis-server did not answer PING on " + port);
            Thread.sleep(20);
        }
    }

    /** Kills the server without a chance to say goodbye, as a crash or a network cut would. */
    void kill() throws Exception {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    /** Sends one inline command and returns the first reply line, or null if the server is not there. */
    String command(String inline) {
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
    public void close() throws Exception {
        if (process != null) kill();
        Files.deleteIfExists(log);
    }

    static String findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, name);
            if (candidate.canExecute()) return candidate.getPath();
        }
        throw new IllegalStateException(name + " is not on PATH; the Redis tests start a real server. "
                + "Install it (Debian: apt-get install -y redis-server) and run again.");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
