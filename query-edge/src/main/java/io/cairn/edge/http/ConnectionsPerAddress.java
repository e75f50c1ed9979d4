package io.cairn.edge.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;

/**
 * At most {@code max} open connections from one client address (an IPv6 client: its /64, which one host is
 * commonly given whole): past it, a new connection is closed as soon
 * as it opens. Without it one client opening 4,096 idle sockets (no key needed, 0.2 s) took every connection
 * the edge allows, and every tenant's requests hung until the idle timeout. Many addresses together can
 * still fill the edge: then idle connections are closed after 5 s ({@code HttpServer.IDLE_TIMEOUT_AT_LIMIT}). Behind a load balancer all
 * connections come from its few addresses: set the limit to 0 (off) there and let the balancer limit clients.
 * Thread-safe: Jetty calls it from its selector threads.
 */
final class ConnectionsPerAddress implements Connection.Listener {
    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    /** Each counted connection's address: once closed, its endpoint no longer tells it. */
    private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();

    ConnectionsPerAddress(int max) {
        this.max = max;
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress from = address(connection);
        if (from == null) return;
        counted.put(connection, from);
        int now = open.merge(from, 1, Integer::sum);
        if (now > max) connection.getEndPoint().close(); // onClosed takes it off the count
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress from = counted.remove(connection);
        if (from != null) open.computeIfPresent(from, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** The client's address; an IPv6 one as its /64 network, which one host is commonly given whole. */
    private static InetAddress address(Connection connection) {
        SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) return null;
        return network(inet.getAddress());
    }

    /** {@code address} itself for IPv4, its /64 prefix (the rest zero) for IPv6. */
    static InetAddress network(InetAddress address) {
        if (!(address instanceof java.net.Inet6Address)) return address;
        byte[] b = address.getAddress();
        java.util.Arrays.fill(b, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }
}
