package io.cairn.infra.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

/**
 * Whether a command that reads or writes Kafka itself ({@code rebuild}, {@code promote}) can reach a broker at
 * all, asked before any Kafka client starts: a client would log a warning a second for a minute, then time out.
 */
final class KafkaReach {
    private static final int CONNECT_TIMEOUT_MS = 3_000;

    private KafkaReach() {}

    /** True when a TCP connection to {@code hostPort} opens within a second. */
    static boolean reachable(String hostPort) {
        return reachable(hostPort, 1_000);
    }

    /**
     * Null when one of the client settings' {@code bootstrap.servers} takes a connection; else the one line that
     * says none did, naming them, for a command to print before it stops (exit code 1).
     */
    static String unreachable(String command, Map<String, Object> kafka) {
        String servers = String.valueOf(kafka.get("bootstrap.servers"));
        for (String server : servers.split(",")) {
            if (!server.isBlank() && reachable(server.strip(), CONNECT_TIMEOUT_MS)) return null;
        }
        return "cairn " + command + ": cannot reach Kafka at " + servers + ": is it running, and is --bootstrap (or the"
                + " configuration's bootstrap servers) its address?";
    }

    private static boolean reachable(String hostPort, int timeoutMs) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) return false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))), timeoutMs);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
