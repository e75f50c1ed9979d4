package io.cairn.infra.runtime;

import io.cairn.tenantdb.sqlite.ScratchSpace;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Where sqlite-jdbc puts its native library. It copies the library (about 1.1 MB) to {@code java.io.tmpdir} at
 * every start of a process and removes it only at a normal exit, so each killed Cairn process left one there
 * for good (hundreds on a host that runs the fault suite). The copy goes to a {@link ScratchSpace} instead,
 * which the next process to start removes once its owner is gone.
 */
public final class SqliteNativeLibrary {
    /** sqlite-jdbc's own setting for the directory it copies its library to. */
    static final String TMPDIR_PROPERTY = "org.sqlite.tmpdir";

    private SqliteNativeLibrary() {
    }

    /**
     * Call before any SQLite connection is opened. Leaves a directory the operator set with the property alone, and
     * leaves sqlite-jdbc to its own default when no space can be claimed (a command that needs no SQLite still runs).
     */
    public static void copyIntoScratchSpace() {
        if (System.getProperty(TMPDIR_PROPERTY) != null) return;
        ScratchSpace space;
        try {
            space = ScratchSpace.claim(Path.of(System.getProperty("java.io.tmpdir")), "cairn-native-");
        } catch (UncheckedIOException e) {
            return; // sqlite-jdbc meets the same directory and says what is wrong with it, when SQLite is needed at all
        }
        System.setProperty(TMPDIR_PROPERTY, space.dir().toString());
        Runtime.getRuntime().addShutdownHook(new Thread(space::close, "cairn-native-library-cleanup"));
    }
}
