package io.cairn.streams.materialize;

import io.cairn.connectors.metadata.ApiKeyRecord;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the keys table in step with the tenants' states, writing a tenant's keys only when they
 * differ from what this process last wrote for it (states repeat the same keys on every write).
 * Remembers at most {@value #REMEMBERED} tenants; one it forgot is written again, which is harmless.
 */
final class KeySync {
    static final int REMEMBERED = 100_000;

    private final MetadataStore store;
    private final Map<String, List<ApiKey>> written = new LinkedHashMap<>(1_024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<ApiKey>> eldest) {
            return size() > REMEMBERED;
        }
    };

    KeySync(MetadataStore store) {
        this.store = store;
    }

    void sync(TenantState state) {
        List<ApiKey> keys = List.copyOf(state.getKeys());
        synchronized (written) {
            if (keys.equals(written.get(state.getTenant()))) return;
        }
        for (ApiKey k : keys) {
            // Revocation is sticky in the store: a revoked key written again stays revoked.
            store.putKey(new ApiKeyRecord(k.getKeyId(), state.getTenant(), k.getSecretSha256(), Set.copyOf(k.getScopes()),
                    k.getCreatedAtMs(), k.getRevoked()));
        }
        synchronized (written) {
            written.put(state.getTenant(), keys);
        }
    }

    void forget(String tenant) {
        synchronized (written) {
            written.remove(tenant);
        }
    }
}
