package io.cairn.infra.shell;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where a command connects and with which secret, never printed: flags first, then the environment
 * ({@code CAIRN_URL}, {@code CAIRN_KEY} for a tenant key, {@code CAIRN_ADMIN_TOKEN}), then a profile of the
 * profiles file ({@code CAIRN_PROFILES}, default {@code ~/.cairn/profiles}: properties
 * {@code <profile>.url}, {@code <profile>.key}, {@code <profile>.token}, {@code <profile>.tenant}; profile
 * {@code CAIRN_PROFILE}, default {@code default}), then {@code ./cairn dev}'s admin token file.
 */
public record Profiles(String url, String key, String token, String tenant) {
    /** A resolved connection; {@link #toString()} leaves the secrets out. */
    @Override
    public String toString() {
        return "profile{url=" + url + ", tenant=" + tenant + ", key=" + (key == null ? "none" : "set") + ", token="
                + (token == null ? "none" : "set") + "}";
    }

    /** The secret to use for a tenant's data: its key, else the admin token. */
    public String dataSecret() {
        return key != null ? key : token;
    }

    /** As the class says; a profile named (flag or {@code CAIRN_PROFILE}) that the file does not have is an {@link IllegalArgumentException}. */
    public static Profiles resolve(String url, String key, String token, String tenant, String profile, Path devDataDir, Map<String, String> env)
            throws IOException {
        Properties file = new Properties();
        Path path = Path.of(env.getOrDefault("CAIRN_PROFILES", System.getProperty("user.home") + "/.cairn/profiles"));
        if (Files.exists(path)) {
            try (InputStream in = Files.newInputStream(path)) {
                file.load(in);
            }
        }
        String p = profile != null ? profile : env.getOrDefault("CAIRN_PROFILE", "default");
        if ((profile != null || env.containsKey("CAIRN_PROFILE")) && file.stringPropertyNames().stream().noneMatch(n -> n.startsWith(p + "."))) {
            // Named, it was meant: falling through to the environment or the dev token would act as someone else.
            throw new IllegalArgumentException("no profile '" + p + "' in " + path);
        }
        String u = first(url, env.get("CAIRN_URL"), file.getProperty(p + ".url"), "http://127.0.0.1:8080");
        String k = first(key, env.get("CAIRN_KEY"), file.getProperty(p + ".key"), null);
        String t = first(token, env.get("CAIRN_ADMIN_TOKEN"), file.getProperty(p + ".token"), null);
        if (t == null && devDataDir != null && Files.exists(devDataDir.resolve("admin-token"))) t = Files.readString(devDataDir.resolve("admin-token")).strip();
        return new Profiles(u, k, t, first(tenant, env.get("CAIRN_TENANT"), file.getProperty(p + ".tenant"), null));
    }

    private static String first(String a, String b, String c, String d) {
        return a != null ? a : b != null ? b : c != null ? c : d;
    }
}
