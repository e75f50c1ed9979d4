package io.cairn.edge.read;

import io.cairn.connectors.keys.TenantKeys;
import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.KeyUnavailableException;
import io.cairn.topics.seal.SealBrokenException;
import io.cairn.topics.seal.Sealing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * How a cached read result is kept in the query cache (which may be a Redis shared by the fleet): sealed
 * with its tenant's newest data key when the tenant has one, as its log records and snapshots are, so
 * that erasing the tenant (its keys destroyed) erases its cached results too, and a cache's operator
 * reads no rows. A tenant without keys (encryption off, or created before it was on) is cached clear, as
 * its records are. Each entry is bound to its cache key: an entry moved under another key does not open.
 *
 * <p>Stored form: one tag byte ({@code 0} clear, {@code 1} sealed), then the clear bytes, or the key id
 * (two-byte length, UTF-8) and the sealed bytes. Thread-safe.
 */
final class CacheSeal {
    /** No encryption: every entry is kept clear. */
    static final CacheSeal CLEAR = new CacheSeal(null);

    private static final byte CLEAR_TAG = 0;
    private static final byte SEALED_TAG = 1;
    private static final String AAD_KIND = "query-cache";

    private final TenantKeys keys;

    /** @param keys the tenants' data keys; null: encryption is off */
    CacheSeal(TenantKeys keys) {
        this.keys = keys;
    }

    /** What to store for {@code plain} under {@code entryKey}; empty when the tenant's key cannot be had now (do not cache). */
    Optional<byte[]> seal(String tenant, String entryKey, byte[] plain) {
        DataKey key;
        try {
            key = keys == null ? null : keys.current(tenant);
        } catch (KeyErasedException | KeyUnavailableException e) {
            return Optional.empty();
        }
        if (key == null) {
            byte[] out = new byte[plain.length + 1];
            out[0] = CLEAR_TAG;
            System.arraycopy(plain, 0, out, 1, plain.length);
            return Optional.of(out);
        }
        byte[] id = key.id().getBytes(StandardCharsets.UTF_8);
        byte[] sealed = key.seal(plain, Sealing.aad(AAD_KIND, tenant, entryKey));
        return Optional.of(ByteBuffer.allocate(3 + id.length + sealed.length)
                .put(SEALED_TAG).putShort((short) id.length).put(id).put(sealed).array());
    }

    /** The clear bytes of a stored entry; empty when it cannot be opened (its key erased or out of reach, altered, unknown form). */
    Optional<byte[]> open(String tenant, String entryKey, byte[] stored) {
        if (stored.length == 0) return Optional.empty();
        if (stored[0] == CLEAR_TAG) return Optional.of(Arrays.copyOfRange(stored, 1, stored.length));
        if (stored[0] != SEALED_TAG || keys == null || stored.length < 3) return Optional.empty();
        ByteBuffer in = ByteBuffer.wrap(stored, 1, stored.length - 1);
        int idLength = Short.toUnsignedInt(in.getShort());
        if (in.remaining() < idLength) return Optional.empty();
        byte[] id = new byte[idLength];
        in.get(id);
        byte[] sealed = new byte[in.remaining()];
        in.get(sealed);
        try {
            DataKey key = keys.key(tenant, new String(id, StandardCharsets.UTF_8));
            return Optional.of(key.open(sealed, Sealing.aad(AAD_KIND, tenant, entryKey)));
        } catch (KeyErasedException | KeyUnavailableException | SealBrokenException e) {
            return Optional.empty();
        }
    }
}
