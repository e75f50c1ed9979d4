package io.cairn.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.Sealing;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sealed form of an object: written with 64 KiB segments under the {@code CAIRN-SEALED-2} header; an
 * object sealed with 1 MiB segments under {@code CAIRN-SEALED-1} (every sealed snapshot and import made
 * before) still opens to the same bytes; the header decides the segment size, so a header that lies does
 * not open.
 */
class SnapshotEncodingTest {
    private static final byte[] MATERIAL = bytes(DataKey.BYTES, 1);
    private static final String OBJECT = "acme/00000000000000000009";

    @TempDir Path work;

    private final SnapshotSeal seal = new SnapshotSeal() {
        @Override
        public DataKey current(String tenant) {
            return new DataKey("dk-1", MATERIAL.clone());
        }

        @Override
        public DataKey key(String tenant, String keyId) {
            return new DataKey(keyId, MATERIAL.clone());
        }
    };

    @Test
    void anObjectIsSealedUnderTheNewHeaderAndOpensToTheSameBytes() throws Exception {
        byte[] db = bytes(3_000_000, 2); // spans several 64 KiB segments and more than one 1 MiB one
        SnapshotEncoding.Encoded e = SnapshotEncoding.encode(new ByteArrayInputStream(db), work, 3, seal, "acme", OBJECT);
        byte[] stored = Files.readAllBytes(e.file());
        assertThat(new String(stored, 0, SnapshotEncoding.SEALED_MAGIC.length(), StandardCharsets.US_ASCII)).isEqualTo("CAIRN-SEALED-2 ");

        assertThat(decode(stored, expected(db, stored))).isEqualTo(db);
    }

    @Test
    void anObjectSealedWith1MiBSegmentsBeforeStillOpens() throws Exception {
        byte[] db = bytes(3_000_000, 3);
        byte[] stored = sealedWith1MiBSegments(db, SnapshotEncoding.SEALED_MAGIC_1MIB);

        assertThat(decode(stored, expected(db, stored))).isEqualTo(db);
    }

    @Test
    void aHeaderNamingTheOtherSegmentSizeDoesNotOpen() throws Exception {
        byte[] db = bytes(200_000, 4);
        byte[] stored = sealedWith1MiBSegments(db, SnapshotEncoding.SEALED_MAGIC);

        assertThatThrownBy(() -> decode(stored, expected(db, stored))).isInstanceOf(SnapshotCorruptException.class);
    }

    /** What the code before 64 KiB segments stored: {@code magic}, the key id, then the zstd frame sealed with 1 MiB segments. */
    private static byte[] sealedWith1MiBSegments(byte[] db, String magic) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        out.write((magic + "dk-1\n").getBytes(StandardCharsets.US_ASCII));
        DataKey key = new DataKey("dk-1", MATERIAL.clone());
        try (OutputStream sealed = key.streamingWith1MiBSegments().newEncryptingStream(out, Sealing.aad("object", "acme", OBJECT));
                ZstdOutputStream zstd = new ZstdOutputStream(sealed, 3)) {
            zstd.setChecksum(true);
            zstd.write(db);
        }
        return out.toByteArray();
    }

    private byte[] decode(byte[] stored, SnapshotEncoding.Expected expected) throws Exception {
        Path target = work.resolve("decoded-" + System.nanoTime() + ".db");
        SnapshotEncoding.decodeVerified(new ByteArrayInputStream(stored), stored.length, expected, target, "acme", 9, seal, OBJECT);
        return Files.readAllBytes(target);
    }

    private static SnapshotEncoding.Expected expected(byte[] db, byte[] stored) throws Exception {
        return new SnapshotEncoding.Expected(db.length, HexFormat.of().formatHex(SnapshotEncoding.sha256().digest(db)), stored.length);
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
