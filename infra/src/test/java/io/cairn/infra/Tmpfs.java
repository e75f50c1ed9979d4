package io.cairn.infra;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs a fault test mounts to fill a disk for real. Mounting needs root and mount rights: without
 * them {@link #mount} is false and the test skips, saying so.
 */
public final class Tmpfs {
    private Tmpfs() {}

    /** Mounts a tmpfs of {@code mib} MiB at {@code at} (an existing directory); false when this machine does not allow it. */
    public static boolean mount(Path at, long mib) {
        return run("mount", "-t", "tmpfs", "-o", "size=" + mib + "m", "tmpfs", at.toString());
    }

    /** Gives the tmpfs at {@code at} a new size; false when that failed. */
    public static boolean resize(Path at, long mib) {
        return run("mount", "-o", "remount,size=" + mib + "m", at.toString());
    }

    /** Unmounts it (lazily: whatever still holds a file there lets go later). */
    public static void unmount(Path at) {
        run("umount", "-l", at.toString());
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
