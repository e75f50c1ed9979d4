package io.cairn.connectors.snapshot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

class LocalSnapshotStoreTest extends SnapshotStoreContract {
    private LocalSnapshotStore local;

    @Override
    protected SnapshotStore newStore(MutableClock clock) {
        local = new LocalSnapshotStore(work.resolve("store"), clock);
        return local;
    }

    @Override
    protected SnapshotStore sealed(SnapshotStore store, SnapshotSeal seal) {
        return store.sealedWith(seal);
    }

    @Override
    protected void tamperWithStoredObject(String tenant, long offset, UnaryOperator<byte[]> change) throws Exception {
        Path object = local.objectPath(tenant, offset);
        Files.write(object, change.apply(Files.readAllBytes(object)));
    }
}
