package io.cairn.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class Sha256Test {
    @Test
    void digestsAreSha256() throws Exception {
        // FIPS 180-2's vector for "abc".
        assertThat(Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        byte[] text = "tenant-é".getBytes(StandardCharsets.UTF_8);
        assertThat(Sha256.of("tenant-é")).isEqualTo(MessageDigest.getInstance("SHA-256").digest(text));
    }

    @Test
    void eachDigestIsItsOwn() {
        MessageDigest a = Sha256.digest();
        MessageDigest b = Sha256.digest();
        a.update((byte) 'a');
        b.update((byte) 'b');
        a.update((byte) 'b');
        b.update((byte) 'c');
        assertThat(HexFormat.of().formatHex(a.digest())).isEqualTo(Sha256.hex("ab".getBytes(StandardCharsets.US_ASCII)));
        assertThat(HexFormat.of().formatHex(b.digest())).isEqualTo(Sha256.hex("bc".getBytes(StandardCharsets.US_ASCII)));
        // The prototype is never touched: a digest after those is still of nothing but its own input.
        assertThat(Sha256.hex(new byte[0])).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void threadsDigestingAtOnceGetTheirOwnResults() {
        ConcurrentHashMap<Integer, String> seen = new ConcurrentHashMap<>();
        IntStream.range(0, 2_000).parallel().forEach(i -> seen.put(i, Sha256.hex(("text " + i).getBytes(StandardCharsets.UTF_8))));
        for (int i : List.of(0, 1, 999, 1_999)) {
            assertThat(seen.get(i)).isEqualTo(reference("text " + i));
        }
        assertThat(seen.values()).doesNotHaveDuplicates();
    }

    private static String reference(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
