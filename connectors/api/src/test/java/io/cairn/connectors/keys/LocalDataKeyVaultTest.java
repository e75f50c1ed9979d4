package io.cairn.connectors.keys;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class LocalDataKeyVaultTest extends DataKeyVaultContract {
    @TempDir
    Path dir;

    @Override
    protected DataKeyVault vault() {
        return new LocalDataKeyVault(dir);
    }
}
