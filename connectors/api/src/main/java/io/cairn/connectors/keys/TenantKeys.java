package io.cairn.connectors.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cairn.connectors.snapshot.SnapshotSeal;
import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.Keyring;
import io.cairn.topics.seal.StripedRandom;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * Tenants' data keys: made at creation and rotation (random AES-256, wrapped by the KEK, stored in the
 * vault), unwrapped on first use and kept in memory for a bounded time ({@code cacheFor} after last use,
 * at most {@code maxCached} keys), destroyed when a tenant is deleted. In a steady state the KEK (KMS) is
 * called once per active tenant per {@code cacheFor}: {@code cairn.keys.kek.calls} counts every call.
 */
public final class TenantKeys implements Keyring, SnapshotSeal {

    private record Ref(String tenant, String keyId) {}

    private final DataKeyVault vault;
    private final KeyEncryptionKey kek;
    private final Cache<Ref, DataKey> cache;
    /** Each tenant's newest key id (empty: none), for {@link #current}: a rotation by another process shows within a minute. */
    private final Cache<String, java.util.Optional<String>> newest =
            Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(1)).maximumSize(100_000).build();
    private final Counter wraps;
    private final Counter unwraps;

    public TenantKeys(DataKeyVault vault, KeyEncryptionKey kek, Duration cacheFor, long maxCached, MeterRegistry registry) {
        this.vault = vault;
        this.kek = kek;
        this.cache = Caffeine.newBuilder().expireAfterAccess(cacheFor).maximumSize(maxCached).build();
        MeterRegistry r = registry == null ? new SimpleMeterRegistry() : registry;
        this.wraps = Counter.builder("cairn.keys.kek.calls").tag("op", "wrap").description("Calls to the key encryption key (KMS)").register(r);
        this.unwraps = Counter.builder("cairn.keys.kek.calls").tag("op", "unwrap").description("Calls to the key encryption key (KMS)").register(r);
    }

    /** Defaults: keys stay in memory for an hour after last use, at most 100,000 of them. */
    public TenantKeys(DataKeyVault vault, KeyEncryptionKey kek, MeterRegistry registry) {
        this(vault, kek, Duration.ofHours(1), 100_000, registry);
    }

    /** A new data key for {@code tenant}, stored (wrapped) in the vault before this returns. */
    public DataKey create(String tenant) {
        byte[] material = new byte[DataKey.BYTES];
        StripedRandom.nextBytes(material);
        byte[] id = new byte[12];
        StripedRandom.nextBytes(id);
        String keyId = "dk-" + HexFormat.of().formatHex(id);
        KeyEncryptionKey.Wrapped w = kek.wrap(tenant, material);
        wraps.increment();
        vault.put(tenant, new WrappedKey(keyId, w.kekVersion(), w.bytes(), System.currentTimeMillis()));
        DataKey key = new DataKey(keyId, material);
        cache.put(new Ref(tenant, keyId), key);
        newest.put(tenant, java.util.Optional.of(keyId));
        return key;
    }

    @Override
    public DataKey key(String tenant, String keyId) {
        return cache.get(new Ref(tenant, keyId), ref -> {
            WrappedKey w = vault.get(tenant, keyId).orElseThrow(() -> new KeyErasedException(tenant, keyId));
            unwraps.increment();
            return new DataKey(keyId, kek.unwrap(tenant, w.kekVersion(), w.wrapped()));
        });
    }

    /** The tenant's newest key (what its new snapshots are sealed with), or null when it has none. */
    @Override
    public DataKey current(String tenant) {
        java.util.Optional<String> id = newest.get(tenant, t -> {
            List<WrappedKey> all = vault.list(t);
            return all.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(all.getLast().keyId());
        });
        return id.isEmpty() ? null : key(tenant, id.get());
    }

    /** Destroys {@code keyIds} of {@code tenant} in the vault and forgets them here: what they sealed is erased. */
    public void destroy(String tenant, Collection<String> keyIds) {
        for (String id : keyIds) {
            vault.destroy(tenant, id);
            cache.invalidate(new Ref(tenant, id));
        }
        newest.invalidate(tenant);
    }

    /**
     * Erasure: destroys every key of {@code tenant} made at or before {@code timeMs} (a tenant created
     * again later under the same id has newer keys, which stay). Returns how many were destroyed.
     */
    public int destroyMadeUpTo(String tenant, long timeMs) {
        List<String> ids = vault.list(tenant).stream().filter(k -> k.createdAtMs() <= timeMs).map(WrappedKey::keyId).toList();
        destroy(tenant, ids);
        return ids.size();
    }

    /** Forgets the cached keys of {@code tenant} (another process destroyed them). */
    public void forget(String tenant) {
        cache.asMap().keySet().removeIf(r -> r.tenant().equals(tenant));
        newest.invalidate(tenant);
    }

    /** The ids of the tenant's keys in the vault, oldest first. */
    public List<String> keyIds(String tenant) {
        return vault.list(tenant).stream().map(WrappedKey::keyId).toList();
    }

    /**
     * After a KEK rotation: re-wraps every stored key still under an older KEK version with the current
     * one; the data (log, snapshots) is not touched. Returns how many keys were re-wrapped.
     */
    public int rewrapAll() {
        String current = kek.currentVersion();
        int n = 0;
        for (String tenant : vault.tenants()) {
            for (WrappedKey w : vault.list(tenant)) {
                if (w.kekVersion().equals(current)) continue;
                byte[] material = kek.unwrap(tenant, w.kekVersion(), w.wrapped());
                KeyEncryptionKey.Wrapped again = kek.wrap(tenant, material);
                java.util.Arrays.fill(material, (byte) 0);
                if (vault.replace(tenant, new WrappedKey(w.keyId(), again.kekVersion(), again.bytes(), w.createdAtMs()))) n++;
            }
        }
        return n;
    }

    /** The vault (to list a tenant's keys). */
    public DataKeyVault vault() {
        return vault;
    }

    /** The key encryption key (for its rotation). */
    public KeyEncryptionKey kek() {
        return kek;
    }
}
