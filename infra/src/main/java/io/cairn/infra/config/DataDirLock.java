package io.cairn.infra.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@code ./cairn dev} per data dir: an exclusive lock on {@code <data-dir>/dev.lock}, taken before anything
 * in the data dir is read or written and held until the process ends (the operating system lets it go then,
 * after a kill too). Two processes applying the same log to the same files, or one rewriting the other's kept
 * ports, would break the data dir; the second is refused instead.
 */
public final class DataDirLock {
    static final String FILE = "dev.lock";
    /** The held channels: closing one (or letting it be collected) would let its lock go. */
    private static final List<FileChannel> HELD = new CopyOnWriteArrayList<>();

    private DataDirLock() {}

    /** Takes the lock of {@code dataDir} for this process; a {@link ConfigException} when another holds it. */
    public static void acquire(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        FileChannel channel = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this process holds it already
        }
        if (lock == null) {
            channel.close();
            throw new ConfigException("another ./cairn dev, or a ./cairn rebuild running its broker, is using the data dir " + dataDir
                    + " (it holds " + FILE + "); stop it first, or give this one another --data-dir");
        }
        HELD.add(channel);
    }
}
