package io.cairn.client.jdbc;

import io.cairn.client.Cairn;
import io.cairn.client.CairnException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * {@code jdbc:cairn://host:port/tenant}: a connection to one tenant over Cairn's HTTP API, with the tenant's
 * API key from the property {@code key} (or {@code password}, so tools' password fields work) or the URL's
 * {@code ?key=}. {@code ?ssl=true} (or {@code https=true}) uses HTTPS. Registered with {@link DriverManager}
 * through {@code META-INF/services/java.sql.Driver}. See {@link JdbcConnection} for transactions. Connecting
 * checks the key and the tenant (one {@code GET /v1/tenants/{t}}): a wrong key fails it with {@code 28000}, an
 * unknown tenant or an unreachable server with {@code 08001}.
 */
public final class CairnDriver implements Driver {
    static final String VERSION = "0.1";
    private static final String PREFIX = "jdbc:cairn://";

    static {
        try {
            DriverManager.registerDriver(new CairnDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) return null;
        URI uri;
        try {
            uri = URI.create("http://" + url.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null) throw new SQLException("not a Cairn URL: " + url + " (write jdbc:cairn://host:port/<tenant>)", "08001");
        Map<String, String> query = query(uri.getRawQuery());
        String tenant = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (tenant.isEmpty()) throw new SQLException("name the tenant: jdbc:cairn://host:port/<tenant>", "08001");
        if (tenant.contains("/")) throw new SQLException("a tenant's name has no '/': jdbc:cairn://host:port/<tenant>, not " + tenant, "08001");
        String key = info == null ? null : info.getProperty("key", info.getProperty("password"));
        if (key == null || key.isBlank()) key = query.get("key");
        if (key == null || key.isBlank()) throw new SQLException("no API key: pass the property 'key' (or 'password'), or ?key= in the URL", "28000");
        try {
            key = Cairn.credential(key);
        } catch (IllegalArgumentException e) {
            throw new SQLException(e.getMessage(), "28000");
        }
        boolean ssl = "true".equals(query.get("ssl")) || "true".equals(query.get("https"));
        String base = (ssl ? "https://" : "http://") + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        Cairn cairn = Cairn.builder().url(base).token(key).build();
        try {
            cairn.tenant(tenant); // as a database checks a password at connect: a wrong key or tenant fails here, not at the first statement
        } catch (CairnException e) {
            cairn.close();
            throw SqlStates.of(e);
        }
        return new JdbcConnection(cairn, tenant, key, PREFIX + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "/" + tenant).proxy();
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        DriverPropertyInfo key = new DriverPropertyInfo("key", info == null ? null : info.getProperty("key"));
        key.description = "the tenant's API key (also accepted as 'password')";
        key.required = true;
        return new DriverPropertyInfo[] {key};
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the driver logs nothing through java.util.logging", "0A000");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }
}
