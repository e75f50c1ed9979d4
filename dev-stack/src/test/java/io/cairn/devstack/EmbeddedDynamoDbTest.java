package io.cairn.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DynamoDB Local's own file, damaged while stopped, is set aside, and the server starts on a new one; the server listens
 * on the loopback address only.
 */
class EmbeddedDynamoDbTest {
    @TempDir Path dir;

    @Test
    void aDamagedFileIsSetAsideAndTheServerStarts() throws Exception {
        Path file = dir.resolve(EmbeddedDynamoDb.SHARED_DB);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (a TEXT)");
            s.execute("INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 2000) SELECT printf('%.200c', 'x') FROM n");
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() / 2);
            raf.write(new byte[8192]); // 8 KiB of zeros over the middle of its pages
        }

        try (EmbeddedDynamoDb server = EmbeddedDynamoDb.start(0, dir)) {
            try (Socket probe = new Socket(server.endpoint().getHost(), server.endpoint().getPort())) {
                assertThat(probe.isConnected()).isTrue();
            }
        }
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith(EmbeddedDynamoDb.SHARED_DB + ".damaged-"));
        }
        assertThat(EmbeddedDynamoDb.setAsideIfDamaged(file)).as("the new file is sound").isNull();
    }

    @Test
    void listensOnTheLoopbackAddressOnly() throws Exception {
        List<InetAddress> outside = NetworkInterface.networkInterfaces()
                .filter(EmbeddedDynamoDbTest::isUp)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .toList();
        assumeThat(outside).as("this machine has an address other than loopback").isNotEmpty();
        try (EmbeddedDynamoDb server = EmbeddedDynamoDb.start(0, null)) {
            int port = server.endpoint().getPort();
            try (Socket inside = new Socket("127.0.0.1", port)) {
                assertThat(inside.isConnected()).isTrue();
            }
            for (InetAddress address : outside) {
                assertThatThrownBy(() -> new Socket(address, port).close())
                        .as("DynamoDB Local reached on %s", address).isInstanceOf(ConnectException.class);
            }
        }
    }

    private static boolean isUp(NetworkInterface nic) {
        try {
            return nic.isUp();
        } catch (SocketException e) {
            return false;
        }
    }
}
