package io.cairn.connectors.metadata;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where an idle-tenant walk over the sharded index stands: the shard being read and, within it, the
 * last item returned (null to start the shard). Opaque to callers.
 */
public record IdleCursor(int shard, String lastTenant, long lastAccessMs) {

    public static IdleCursor start() {
        return new IdleCursor(0, null, 0);
    }

    public String encode() {
        String text = "v1|" + shard + "|" + (lastTenant == null ? "" : lastTenant) + "|" + lastAccessMs;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    public static IdleCursor decode(String cursor) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", -1);
            if (parts.length != 4 || !parts[0].equals("v1")) throw new IllegalArgumentException();
            return new IdleCursor(Integer.parseInt(parts[1]), parts[2].isEmpty() ? null : parts[2], Long.parseLong(parts[3]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor returned by idleTenants", e);
        }
    }
}
