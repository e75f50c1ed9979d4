package io.cairn.infra.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The ports {@code ./cairn dev} listens on, one per server. Each is what its flag or environment
 * variable says; else what the last start used (kept in {@code <data-dir>/ports.properties}, so clients,
 * the controller quorum and {@code cairn rebuild} find the same addresses after a restart); else a free
 * one, chosen now and kept. HTTP defaults to 8080. {@link #requireFree} checks them all before
 * anything starts and names the flag that moves a taken one.
 */
public final class DevPorts {
    /** One server's port: its key in the file, its flag, its environment variable. */
    public enum Server {
        KAFKA("kafka", "--kafka-port", "CAIRN_KAFKA_PORT", "the Kafka broker"),
        KAFKA_CONTROLLER("kafka_controller", "--kafka-controller-port", "CAIRN_KAFKA_CONTROLLER_PORT", "the Kafka controller"),
        S3("s3", "--s3-port", "CAIRN_S3_PORT", "the S3 server (s3proxy)"),
        DYNAMODB("dynamodb", "--dynamodb-port", "CAIRN_DYNAMODB_PORT", "DynamoDB Local"),
        REDIS("redis", "--redis-port", "CAIRN_REDIS_PORT", "the embedded Redis");

        final String key;
        public final String flag;
        public final String env;
        final String what;

        Server(String key, String flag, String env, String what) {
            this.key = key;
            this.flag = flag;
            this.env = env;
            this.what = what;
        }
    }

    static final String FILE = "ports.properties";

    private final Map<Server, Integer> ports;
    private final Path file;
    private final Properties kept;

    private DevPorts(Map<Server, Integer> ports, Path file, Properties kept) {
        this.ports = ports;
        this.file = file;
        this.kept = kept;
    }

    /**
     * Resolves every port: {@code requested} (flags or environment, 0 or absent for "not given"), else
     * the data dir's kept ones, else a free one. {@link #keep} keeps them in the data dir once they proved free:
     * a port tried once and refused as taken is not the "last one used".
     */
    public static DevPorts resolve(Path dataDir, Map<Server, Integer> requested) {
        Path file = dataDir.resolve(FILE);
        Properties kept = new Properties();
        try {
            if (Files.exists(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    kept.load(in);
                }
            } else {
                migrateKafkaPorts(dataDir.resolve("kafka").resolve(FILE), kept);
            }
            Map<Server, Integer> out = new LinkedHashMap<>();
            for (Server s : Server.values()) {
                int port = requested.getOrDefault(s, 0);
                if (port == 0 && kept.getProperty(s.key) != null) port = Integer.parseInt(kept.getProperty(s.key));
                if (port == 0) port = freePort();
                if (port < 1 || port > 65_535) throw new IllegalArgumentException(s.flag + " must be a port from 1 to 65535");
                out.put(s, port);
                kept.setProperty(s.key, Integer.toString(port));
            }
            return new DevPorts(out, file, kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dev ports in " + file, e);
        }
    }

    /** Keeps these ports in the data dir, for the next start. */
    public void keep() {
        try {
            Files.createDirectories(file.getParent());
            try (OutputStream o = Files.newOutputStream(file)) {
                kept.store(o, "ports of ./cairn dev's embedded servers; kept so a restart finds the same addresses");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the dev ports in " + file, e);
        }
    }

    public int port(Server s) {
        return ports.get(s);
    }

    /**
     * Throws {@link ConfigException} naming the first taken port and the flag that moves it; HTTP
     * ({@code --port}) included. {@code redis} false leaves the embedded Redis' port out.
     */
    public void requireFree(int httpPort, boolean redis) {
        if (!isFree(httpPort)) throw taken(httpPort, "the HTTP API", "--port", "CAIRN_HTTP_PORT");
        for (Map.Entry<Server, Integer> e : ports.entrySet()) {
            if (e.getKey() == Server.REDIS && !redis) continue;
            if (!isFree(e.getValue())) throw taken(e.getValue(), e.getKey().what, e.getKey().flag, e.getKey().env);
        }
    }

    private static ConfigException taken(int port, String what, String flag, String env) {
        return new ConfigException("port " + port + " for " + what + " is taken; stop what holds it, or choose another with "
                + flag + " (env " + env + ")");
    }

    /** Ports an older version kept beside the broker's log. */
    private static void migrateKafkaPorts(Path old, Properties into) throws IOException {
        if (!Files.exists(old)) return;
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(old)) {
            p.load(in);
        }
        if (p.getProperty("broker") != null) into.setProperty(Server.KAFKA.key, p.getProperty("broker"));
        if (p.getProperty("controller") != null) into.setProperty(Server.KAFKA_CONTROLLER.key, p.getProperty("controller"));
    }

    /** Whether {@code port} can be listened on now (every address). */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
