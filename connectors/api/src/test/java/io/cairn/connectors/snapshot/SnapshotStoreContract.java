package io.cairn.connectors.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.KeyUnavailableException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guarantees every {@link SnapshotStore} gives; one subclass per implementation supplies the store
 * and a way to tamper with the stored bytes behind its back.
 */
public abstract class SnapshotStoreContract {
    private static final Logger log = LoggerFactory.getLogger(SnapshotStoreContract.class);
    private static final long SEED = 42;

    @TempDir
    protected Path work;
    protected MutableClock clock;
    protected SnapshotStore store;

    /** A fresh, empty store using {@code clock} for put times. */
    protected abstract SnapshotStore newStore(MutableClock clock) throws Exception;

    /** Replaces the stored (compressed) object's bytes, keeping its recorded metadata. */
    protected abstract void tamperWithStoredObject(String tenant, long offset, UnaryOperator<byte[]> change) throws Exception;

    /** {@code store}'s implementation over the same storage, sealing with {@code seal}. */
    protected abstract SnapshotStore sealed(SnapshotStore store, SnapshotSeal seal);

    /** A seal with one key per tenant, which {@link #erase} destroys. */
    private static final class OneKeySeal implements SnapshotSeal {
        private final byte[] material = incompressible(DataKey.BYTES, 7);
        private boolean erased;

        @Override
        public DataKey current(String tenant) {
            return key(tenant, "dk-1");
        }

        @Override
        public DataKey key(String tenant, String keyId) {
            if (erased || !keyId.equals("dk-1")) throw new KeyErasedException(tenant, keyId);
            return new DataKey("dk-1", material.clone());
        }

        void erase() {
            erased = true;
        }
    }

    @Test
    void aSealedObjectHoldsNoClearBytesReadsBackWithItsKeyAndNeverOnceTheKeyIsDestroyed() throws Exception {
        OneKeySeal seal = new OneKeySeal();
        SnapshotStore sealedStore = sealed(store, seal);
        byte[] db = incompressible(300_000, 3); // zstd stores incompressible blocks raw: clear bytes would show
        sealedStore.put("acme", 9, file("secret.db", db));
        byte[][] stored = new byte[1][];
        tamperWithStoredObject("acme", 9, b -> stored[0] = b);
        byte[] probe = Arrays.copyOfRange(db, 100_000, 100_064);
        assertThat(indexOf(stored[0], probe)).as("a 64-byte run of the content in the stored object").isEqualTo(-1);

        Path target = work.resolve("opened.db");
        assertThat(sealedStore.download("acme", 9, target)).isPresent();
        assertThat(Files.readAllBytes(target)).isEqualTo(db);
        assertThatThrownBy(() -> store.download("acme", 9, work.resolve("no-key.db"))).isInstanceOf(KeyUnavailableException.class);
        seal.erase();
        assertThatThrownBy(() -> sealedStore.download("acme", 9, work.resolve("erased.db"))).isInstanceOf(KeyErasedException.class);
    }

    @Test
    void aSealedObjectPassedOffAsAnotherOffsetDoesNotOpen() throws Exception {
        SnapshotStore sealedStore = sealed(store, new OneKeySeal());
        byte[] db = incompressible(50_000, 4);
        sealedStore.put("acme", 1, file("one.db", db));
        sealedStore.put("acme", 2, file("two.db", db));
        byte[][] first = new byte[1][];
        tamperWithStoredObject("acme", 1, b -> first[0] = b);
        tamperWithStoredObject("acme", 2, b -> first[0]);
        assertThatThrownBy(() -> sealedStore.download("acme", 2, work.resolve("moved.db"))).isInstanceOf(SnapshotCorruptException.class);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @BeforeEach
    void setUpStore() throws Exception {
        clock = new MutableClock(Instant.parse("2025-01-01T10:00:00Z"));
        store = newStore(clock);
    }

    @Test
    void downloadReturnsExactlyTheBytesPut() throws Exception {
        byte[] db = randomDatabase(200_000);
        SnapshotInfo put = store.put("acme", 7, file("acme.db", db));

        Path target = work.resolve("restored.db");
        assertThat(store.download("acme", 7, target)).contains(put);
        assertThat(Files.readAllBytes(target)).isEqualTo(db);
        assertThat(put.sizeBytes()).isEqualTo(db.length);
        assertThat(put.sha256()).isEqualTo(sha256(db));
    }

    @Test
    void putFromStreamStoresTheSameAsFromFile() throws Exception {
        byte[] db = randomDatabase(50_000);
        SnapshotInfo put = store.put("acme", 3, new ByteArrayInputStream(db));

        assertThat(store.latest("acme")).contains(put);
        Path target = work.resolve("restored.db");
        store.download("acme", 3, target);
        assertThat(Files.readAllBytes(target)).isEqualTo(db);
    }

    @Test
    void latestIsTheHighestOffsetWhateverTheOrderOfPuts() throws Exception {
        for (long offset : new long[] {100, 9, 10_000_000_000L, 10}) store.put("acme", offset, stream(offset));

        assertThat(store.latest("acme")).map(SnapshotInfo::offset).contains(10_000_000_000L);
    }

    @Test
    void atOrBeforeOffsetPicksTheNewestNotAfterIt() throws Exception {
        for (long offset : new long[] {10, 20, 30}) store.put("acme", offset, stream(offset));

        assertThat(store.atOrBefore("acme", 25)).map(SnapshotInfo::offset).contains(20L);
        assertThat(store.atOrBefore("acme", 20)).map(SnapshotInfo::offset).contains(20L);
        assertThat(store.atOrBefore("acme", 1_000)).map(SnapshotInfo::offset).contains(30L);
        assertThat(store.atOrBefore("acme", 9)).isEmpty();
    }

    @Test
    void atOrBeforeTimePicksTheNewestPutNoLaterThanIt() throws Exception {
        Instant first = clock.instant();
        store.put("acme", 10, stream(10));
        clock.advance(Duration.ofMinutes(5));
        Instant second = clock.instant();
        store.put("acme", 20, stream(20));

        assertThat(store.atOrBefore("acme", first.minusMillis(1))).isEmpty();
        assertThat(store.atOrBefore("acme", first)).map(SnapshotInfo::offset).contains(10L);
        assertThat(store.atOrBefore("acme", second.minusSeconds(1))).map(SnapshotInfo::offset).contains(10L);
        assertThat(store.atOrBefore("acme", second)).map(SnapshotInfo::offset).contains(20L);
        assertThat(store.atOrBefore("acme", second).orElseThrow().createdAt()).isEqualTo(second);
    }

    @Test
    void listIsInAscendingOffsetOrder() throws Exception {
        for (long offset : new long[] {30, 2, 11}) store.put("acme", offset, stream(offset));

        assertThat(store.list("acme")).extracting(SnapshotInfo::offset).containsExactly(2L, 11L, 30L);
        assertThat(store.offsets("acme")).as("the same snapshots, from one listing").containsExactly(2L, 11L, 30L);
    }

    @Test
    void aLongListHasEverySnapshotWithItsOwnDetailsInOrder() throws Exception {
        // A tenant keeps dozens over its restore window: more than a store may read at once.
        List<Long> offsets = new ArrayList<>();
        for (long offset = 100; offset > 0; offset -= 4) offsets.add(offset);
        for (long offset : offsets) store.put("acme", offset, stream(offset));

        List<SnapshotInfo> listed = store.list("acme");
        assertThat(listed).extracting(SnapshotInfo::offset).containsExactlyElementsOf(offsets.reversed());
        for (SnapshotInfo info : listed) {
            assertThat(info.tenant()).isEqualTo("acme");
            assertThat(store.atOrBefore("acme", info.offset()).orElseThrow()).as("the details of %s", info.offset()).isEqualTo(info);
        }
    }

    @Test
    void unknownTenantHasNothingAndDownloadOfMissingSnapshotIsEmpty() throws Exception {
        store.put("acme", 5, stream(5));
        Path target = work.resolve("never.db");

        assertThat(store.latest("nobody")).isEmpty();
        assertThat(store.list("nobody")).isEmpty();
        assertThat(store.offsets("nobody")).isEmpty();
        assertThat(store.atOrBefore("nobody", Instant.now())).isEmpty();
        assertThat(store.download("acme", 6, target)).isEmpty();
        assertThat(store.downloadLatest("nobody", target)).isEmpty();
        assertThat(target).doesNotExist();
    }

    @Test
    void putAtTheSameOffsetTwiceIsIdempotent() throws Exception {
        byte[] db = randomDatabase(10_000);
        store.put("acme", 5, new ByteArrayInputStream(db));
        store.put("acme", 5, new ByteArrayInputStream(db));

        assertThat(store.list("acme")).hasSize(1);
        Path target = work.resolve("restored.db");
        store.download("acme", 5, target);
        assertThat(Files.readAllBytes(target)).isEqualTo(db);
    }

    @Test
    void deleteAllRemovesOnlyThatTenantNotOnesWithTheSamePrefix() throws Exception {
        store.put("a", 1, stream(1));
        store.put("a", 2, stream(2));
        store.put("ab", 1, stream(1));

        assertThat(store.deleteAll("a")).isEqualTo(2);
        assertThat(store.list("a")).isEmpty();
        assertThat(store.list("ab")).hasSize(1);
        assertThat(store.offsets("a")).isEmpty();
        assertThat(store.offsets("ab")).containsExactly(1L);
        assertThat(store.deleteAll("a")).isZero();
    }

    @Test
    void deleteRemovesOneSnapshotAndLeavesTheOthers() throws Exception {
        store.put("a", 1, stream(1));
        store.put("a", 2, stream(2));
        store.put("a", 3, stream(3));

        assertThat(store.delete("a", 2)).isTrue();
        assertThat(store.list("a")).extracting(SnapshotInfo::offset).containsExactly(1L, 3L);
        assertThat(store.offsets("a")).containsExactly(1L, 3L);
        assertThat(store.atOrBefore("a", 2)).map(SnapshotInfo::offset).contains(1L);
        assertThat(store.download("a", 2, work.resolve("gone.db"))).isEmpty();
        assertThat(store.delete("a", 2)).as("deleting what is gone").isFalse();
        assertThat(store.delete("nobody", 7)).isFalse();
    }

    @Test
    void getRejectsFlippedObject() throws Exception {
        store.put("acme", 5, new ByteArrayInputStream(randomDatabase(100_000)));
        tamperWithStoredObject("acme", 5, bytes -> {
            byte[] copy = bytes.clone();
            copy[copy.length / 2] ^= 0x01;
            return copy;
        });
        Path target = work.resolve("restored.db");

        assertThatThrownBy(() -> store.download("acme", 5, target))
                .isInstanceOf(SnapshotCorruptException.class)
                .satisfies(e -> assertThat(((SnapshotStoreException) e).retriable()).isFalse());
        assertThat(target).doesNotExist();
    }

    @Test
    void getRejectsTruncatedObject() throws Exception {
        store.put("acme", 5, new ByteArrayInputStream(randomDatabase(100_000)));
        tamperWithStoredObject("acme", 5, bytes -> Arrays.copyOf(bytes, bytes.length - 100));
        Path target = work.resolve("restored.db");

        assertThatThrownBy(() -> store.downloadLatest("acme", target)).isInstanceOf(SnapshotCorruptException.class);
        assertThat(target).doesNotExist();
    }

    @Test
    void getRejectsObjectWhoseContentWasReplaced() throws Exception {
        store.put("acme", 5, new ByteArrayInputStream(incompressible(1_000, 1)));
        byte[] other;
        try (SnapshotStore scratch = new LocalSnapshotStore(work.resolve("scratch"))) {
            scratch.put("acme", 5, new ByteArrayInputStream(incompressible(1_000, 2)));
            other = Files.readAllBytes(((LocalSnapshotStore) scratch).objectPath("acme", 5));
        }
        // A valid zstd frame of the same compressed size but other content: only the SHA-256 can tell.
        tamperWithStoredObject("acme", 5, bytes -> bytes.length == other.length ? other : bytes);

        assertThatThrownBy(() -> store.download("acme", 5, work.resolve("x.db"))).isInstanceOf(SnapshotCorruptException.class);
    }

    @Test
    void anImportRoundTripsApartFromTheSnapshots() throws Exception {
        byte[] db = randomDatabase(120_000);
        store.put("acme", 5, stream(5));
        SnapshotInfo put = store.putImport("acme", "imp-1", new ByteArrayInputStream(db));
        assertThat(put.offset()).isEqualTo(-1);
        assertThat(put.sha256()).isEqualTo(sha256(db));

        Path target = work.resolve("imported.db");
        assertThat(store.downloadImport("acme", "imp-1", target)).map(SnapshotInfo::sha256).contains(sha256(db));
        assertThat(Files.readAllBytes(target)).isEqualTo(db);
        assertThat(store.list("acme")).extracting(SnapshotInfo::offset).as("imports are not snapshots").containsExactly(5L);
        assertThat(store.offsets("acme")).as("imports are not snapshots").containsExactly(5L);
        assertThat(store.downloadImport("acme", "imp-2", work.resolve("none.db"))).isEmpty();
        assertThat(store.deleteImport("acme", "imp-1")).isTrue();
        assertThat(store.downloadImport("acme", "imp-1", target)).isEmpty();
        assertThat(store.deleteImport("acme", "imp-1")).isFalse();
        assertThatThrownBy(() -> store.putImport("acme", "../x", stream(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidTenantIdsAndOffsetsAreRefused() {
        assertThatThrownBy(() -> store.put("../etc", 1, stream(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.latest("Acme")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("acme", -1, stream(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tenMegabyteSnapshotRoundTrips() throws Exception {
        byte[] db = randomDatabase(10 * 1024 * 1024);
        Path source = file("big.db", db);
        Path target = work.resolve("big-restored.db");

        long t0 = System.nanoTime();
        store.put("big", 1, source);
        long t1 = System.nanoTime();
        store.download("big", 1, target);
        long t2 = System.nanoTime();

        log.info("10 MB snapshot on {}: put {} ms, download+verify {} ms (seed {})", getClass().getSimpleName(),
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, SEED);
        assertThat(Files.mismatch(source, target)).isEqualTo(-1);
    }

    /** Half random, half repetitive bytes: compresses roughly like SQLite pages do. */
    protected static byte[] randomDatabase(int size) {
        byte[] bytes = new byte[size];
        Random random = new Random(SEED + size);
        random.nextBytes(bytes);
        for (int i = 0; i < size; i += 8) bytes[i] = bytes[i + 1 < size ? i + 1 : i] = 0;
        return bytes;
    }

    protected static byte[] incompressible(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    protected Path file(String name, byte[] content) throws IOException {
        return Files.write(work.resolve(name), content);
    }

    protected static ByteArrayInputStream stream(long offset) {
        return new ByteArrayInputStream(("snapshot at " + offset).getBytes());
    }

    protected static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
