package io.cairn.connectors.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link DataKeyVault} contract; every implementation runs it against its real backend. */
public abstract class DataKeyVaultContract {
    protected abstract DataKeyVault vault();

    private DataKeyVault vault;
    private String tenant;

    @BeforeEach
    void setUp() {
        vault = vault();
        tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static WrappedKey key(String id, long created) {
        return new WrappedKey(id, "kek-1", new byte[] {1, 2, 3, (byte) created}, created);
    }

    @Test
    void aPutKeyComesBackAsPutAndListsOldestFirst() {
        vault.put(tenant, key("dk-b", 20));
        vault.put(tenant, key("dk-a", 10));
        WrappedKey got = vault.get(tenant, "dk-b").orElseThrow();
        assertThat(got.kekVersion()).isEqualTo("kek-1");
        assertThat(got.wrapped()).containsExactly(1, 2, 3, 20);
        assertThat(got.createdAtMs()).isEqualTo(20);
        assertThat(vault.list(tenant)).extracting(WrappedKey::keyId).containsExactly("dk-a", "dk-b");
        assertThat(vault.tenants()).contains(tenant);
    }

    @Test
    void anExistingKeyIsNeverReplacedByAPut() {
        vault.put(tenant, key("dk-a", 10));
        assertThatThrownBy(() -> vault.put(tenant, key("dk-a", 99))).isInstanceOf(IllegalStateException.class);
        assertThat(vault.get(tenant, "dk-a").orElseThrow().createdAtMs()).isEqualTo(10);
    }

    @Test
    void concurrentPutsAllLandAndOneKeyIdIsWonOnce() throws Exception {
        java.util.List<java.util.concurrent.Callable<Boolean>> puts = new java.util.ArrayList<>();
        for (int t = 0; t < 16; t++) {
            String who = tenant + "-" + t;
            for (int k = 0; k < 4; k++) {
                String id = "dk-" + k;
                puts.add(() -> { vault.put(who, key(id, 1)); return true; });
            }
        }
        for (int i = 0; i < 8; i++) { // the same key of one tenant from 8 threads: exactly one put wins
            puts.add(() -> {
                try {
                    vault.put(tenant, key("dk-same", 5));
                    return true;
                } catch (IllegalStateException alreadyThere) {
                    return false;
                }
            });
        }
        int won = 0;
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (var f : threads.invokeAll(puts)) if (f.get()) won++;
        }
        assertThat(won).isEqualTo(16 * 4 + 1);
        for (int t = 0; t < 16; t++) assertThat(vault.list(tenant + "-" + t)).hasSize(4);
        assertThat(vault.list(tenant)).extracting(WrappedKey::keyId).containsExactly("dk-same");
    }

    @Test
    void aDestroyedKeyIsGoneForGoodAndOnlyIt() {
        String other = tenant + "-x";
        vault.put(tenant, key("dk-a", 10));
        vault.put(tenant, key("dk-b", 11));
        vault.put(other, key("dk-a", 12));
        vault.destroy(tenant, "dk-a");
        vault.destroy(tenant, "dk-a"); // idempotent
        assertThat(vault.get(tenant, "dk-a")).isEmpty();
        assertThat(vault.list(tenant)).extracting(WrappedKey::keyId).containsExactly("dk-b");
        assertThat(vault.get(other, "dk-a")).isPresent();
        assertThat(vault.replace(tenant, key("dk-a", 13))).as("a destroyed key cannot come back by replace").isFalse();
        assertThat(vault.get(tenant, "dk-a")).isEmpty();
        vault.destroy(tenant, "dk-b");
        assertThat(vault.list(tenant)).isEmpty();
        assertThat(vault.tenants()).doesNotContain(tenant);
    }

    @Test
    void replaceSwapsTheWrapOfAnExistingKey() {
        vault.put(tenant, key("dk-a", 10));
        assertThat(vault.replace(tenant, new WrappedKey("dk-a", "kek-2", new byte[] {9}, 10))).isTrue();
        WrappedKey got = vault.get(tenant, "dk-a").orElseThrow();
        assertThat(got.kekVersion()).isEqualTo("kek-2");
        assertThat(got.wrapped()).containsExactly(9);
    }

    @Test
    void anUnknownKeyOrTenantIsEmpty() {
        assertThat(vault.get(tenant, "dk-none")).isEmpty();
        assertThat(vault.list(tenant)).isEmpty();
    }
}
