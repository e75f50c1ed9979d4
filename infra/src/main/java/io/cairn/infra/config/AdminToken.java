package io.cairn.infra.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin token: {@code CAIRN_ADMIN_TOKEN} when set; else the one in {@code <data-dir>/admin-token}
 * (so a restart keeps it); else a new random one (256 bits), written there readable by its owner only.
 */
public final class AdminToken {
    /** The token and where it came from, for the start-up banner. */
    public record Resolved(String token, String source, boolean generated) {}

    /** The shortest admin token accepted (the edge refuses shorter ones too). */
    static final int MIN_LENGTH = 16;

    private AdminToken() {}

    public static Resolved resolve(Path dataDir, String fromEnv) throws IOException {
        if (fromEnv != null && !fromEnv.isBlank()) {
            if (fromEnv.strip().length() < MIN_LENGTH) {
                throw new ConfigException("CAIRN_ADMIN_TOKEN must be at least " + MIN_LENGTH + " characters long (it has "
                        + fromEnv.strip().length() + "); unset it to have one generated");
            }
            return new Resolved(fromEnv.strip(), "CAIRN_ADMIN_TOKEN", false);
        }
        Path file = dataDir.resolve("admin-token");
        if (Files.exists(file)) return new Resolved(Files.readString(file, StandardCharsets.US_ASCII).strip(), file.toString(), false);
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String token = "cairn_admin_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Files.createDirectories(dataDir);
        Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // Not a POSIX file system; the data dir's own permissions protect it.
        }
        return new Resolved(token, file.toString(), true);
    }
}
