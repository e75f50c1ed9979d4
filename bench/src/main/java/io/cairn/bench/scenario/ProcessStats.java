package io.cairn.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * This process's footprint as Linux and the JVM see it: resident memory ({@code /proc/self/status}
 * VmRSS), open files and sockets ({@code /proc/self/fd}: a descriptor naming a path is a file, one naming
 * {@code socket:[inode]} a socket; pipes and event descriptors are neither), heap in use after a full GC, and the
 * heap the JVM has committed then (part of the RSS, which G1 gives back to the OS only slowly). Files and sockets are
 * told apart because the load generator shares the process: its HTTP connections (each one two sockets here, the
 * client's and the edge's) come and go with its connection pool, hundreds at a time, whatever the tenants hold.
 */
public record ProcessStats(long rssBytes, long openFiles, long sockets, long heapUsedBytes, long heapCommittedBytes) {

    public static ProcessStats now() throws IOException, InterruptedException {
        System.gc();
        Thread.sleep(200); // let G1 finish uncommitting before RSS is read
        Runtime rt = Runtime.getRuntime();
        long heap = rt.totalMemory() - rt.freeMemory();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        long files = 0;
        long sockets = 0;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                String target = target(fd);
                if (target.startsWith("/")) files++;
                else if (target.startsWith("socket:")) sockets++;
            }
        }
        return new ProcessStats(rss, files, sockets, heap, rt.totalMemory());
    }

    /** What a descriptor refers to; empty when it closed while the list was read. */
    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return "";
        }
    }
}
