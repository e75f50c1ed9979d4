package io.cairn.connectors.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.seal.SealBrokenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyEncryptionKeyTest {
    @TempDir
    Path dir;

    @Test
    void wrapsForOneTenantUnwrapOnlyForIt() {
        LocalKeyEncryptionKey kek = LocalKeyEncryptionKey.open(dir.resolve("kek"));
        byte[] material = new byte[32];
        material[0] = 7;
        KeyEncryptionKey.Wrapped w = kek.wrap("acme", material);
        assertThat(w.bytes()).isNotEqualTo(material).hasSizeGreaterThan(material.length);
        assertThat(kek.unwrap("acme", w.kekVersion(), w.bytes())).isEqualTo(material);
        assertThatThrownBy(() -> kek.unwrap("globex", w.kekVersion(), w.bytes())).isInstanceOf(SealBrokenException.class);
    }

    @Test
    void rotationKeepsEveryOlderVersionAndAnotherProcessSeesTheNewOne() throws Exception {
        Path file = dir.resolve("kek");
        LocalKeyEncryptionKey a = LocalKeyEncryptionKey.open(file);
        LocalKeyEncryptionKey b = LocalKeyEncryptionKey.open(file); // a second process on the same file
        byte[] material = new byte[32];
        KeyEncryptionKey.Wrapped old = a.wrap("acme", material);
        String next = a.rotate();
        assertThat(next).isNotEqualTo(old.kekVersion());
        KeyEncryptionKey.Wrapped fresh = a.wrap("acme", material);
        assertThat(fresh.kekVersion()).isEqualTo(next);
        assertThat(b.unwrap("acme", fresh.kekVersion(), fresh.bytes())).isEqualTo(material);
        assertThat(b.unwrap("acme", old.kekVersion(), old.bytes())).isEqualTo(material);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
}
