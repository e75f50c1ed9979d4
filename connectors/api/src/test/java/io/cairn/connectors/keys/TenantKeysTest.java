package io.cairn.connectors.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.KeyErasedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantKeysTest {
    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private TenantKeys keys() {
        return new TenantKeys(new LocalDataKeyVault(dir.resolve("vault")), LocalKeyEncryptionKey.open(dir.resolve("kek")), meters);
    }

    private double kekCalls(String op) {
        return meters.get("cairn.keys.kek.calls").tag("op", op).counter().count();
    }

    @Test
    void aKeyMadeByOneProcessOpensInAnotherWithOneKekCallThenFromMemory() {
        TenantKeys edge = keys();
        TenantKeys applier = keys();
        DataKey made = edge.create("acme");
        byte[] sealed = made.seal("secret".getBytes(StandardCharsets.UTF_8), new byte[0]);
        for (int i = 0; i < 100; i++) {
            assertThat(applier.key("acme", made.id()).open(sealed, new byte[0])).asString(StandardCharsets.UTF_8).isEqualTo("secret");
        }
        assertThat(kekCalls("wrap")).isEqualTo(1);
        assertThat(kekCalls("unwrap")).as("one unwrap for a hundred uses").isEqualTo(1);
    }

    @Test
    void aDestroyedKeyIsErasedEverywhereOnceForgotten() {
        TenantKeys edge = keys();
        TenantKeys applier = keys();
        DataKey first = edge.create("acme");
        DataKey second = edge.create("acme");
        assertThat(edge.keyIds("acme")).containsExactlyInAnyOrder(first.id(), second.id());
        applier.key("acme", first.id());
        applier.destroy("acme", List.of(first.id(), second.id()));
        edge.forget("acme");
        assertThatThrownBy(() -> edge.key("acme", first.id())).isInstanceOf(KeyErasedException.class);
        assertThatThrownBy(() -> applier.key("acme", second.id())).isInstanceOf(KeyErasedException.class);
        assertThat(edge.keyIds("acme")).isEmpty();
    }

    @Test
    void rotatingTheKekRewrapsEveryKeyWithoutChangingIt() {
        TenantKeys keys = keys();
        DataKey a = keys.create("acme");
        DataKey g = keys.create("globex");
        byte[] sealed = a.seal(new byte[] {42}, new byte[0]);
        String next = keys.kek().rotate();
        assertThat(keys.rewrapAll()).isEqualTo(2);
        assertThat(keys.rewrapAll()).isZero();
        TenantKeys fresh = keys();
        assertThat(fresh.key("acme", a.id()).open(sealed, new byte[0])).containsExactly(42);
        assertThat(fresh.key("globex", g.id()).id()).isEqualTo(g.id());
        assertThat(new LocalDataKeyVault(dir.resolve("vault")).list("acme")).allSatisfy(w -> assertThat(w.kekVersion()).isEqualTo(next));
    }
}
