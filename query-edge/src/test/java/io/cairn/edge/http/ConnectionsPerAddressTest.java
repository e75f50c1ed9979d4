package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.edge.QueryEdge;
import io.cairn.edge.config.EdgeConfig;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client address holds at most its share of the edge's connections: one that opened its share of idle
 * sockets gets its next connection closed at once, while a client at another address is still answered (it
 * used to wait, with every tenant, until the idle timeout freed a connection). No broker is needed for HTTP.
 */
class ConnectionsPerAddressTest {
    private static final int PER_ADDRESS = 4;
    @TempDir Path hot;
    private QueryEdge edge;

    @BeforeEach
    void start() {
        EdgeConfig config = EdgeConfig.defaults("per-address-test-token", hot).withHost("0.0.0.0").withPort(0)
                .withHttp(new EdgeConfig.HttpLimits(Duration.ofSeconds(60), 1024, 8).withMaxConnectionsPerAddress(PER_ADDRESS));
        edge = QueryEdge.start(config, Map.of("bootstrap.servers", "127.0.0.1:1"), List.of(), null);
    }

    @AfterEach
    void stop() {
        if (edge != null) edge.close();
    }

    @Test
    void oneAddressCannotTakeEveryConnection() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                // Answered once and kept open: the server holds it before the next one comes (its selectors open connections in parallel).
                Socket held = connect("127.0.0.1");
                idle.add(held);
                held.setSoTimeout(10_000);
                held.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(statusLine(held.getInputStream())).startsWith("HTTP/1.1 ");
            }
            try (Socket over = connect("127.0.0.1")) {
                over.setSoTimeout(10_000);
                assertThat(over.getInputStream().read()).as("the connection past the share is closed, unanswered").isEqualTo(-1);
            }
            try (Socket other = connect("127.0.0.2")) {
                other.setSoTimeout(10_000);
                other.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(statusLine(other.getInputStream())).as("another address is answered").startsWith("HTTP/1.1 ");
            }
        } finally {
            for (Socket s : idle) s.close();
        }
        // The server sees each close a moment later; until then the address still has its share open.
        String answered = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::healthFromLocalhost,
                line -> line.startsWith("HTTP/1.1 "));
        assertThat(answered).as("its connections closed, the address is served again").startsWith("HTTP/1.1 ");
    }

    private String healthFromLocalhost() throws Exception {
        try (Socket again = connect("127.0.0.1")) {
            again.setSoTimeout(10_000);
            again.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return statusLine(again.getInputStream());
        } catch (java.io.IOException closed) {
            return "";
        }
    }

    private Socket connect(String from) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", edge.port()), 5_000);
        return s;
    }

    private static String statusLine(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) b.append((char) c);
        return b.toString();
    }
}
