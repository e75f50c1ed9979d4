package io.cairn.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * This process's footprint as Linux and the JVM see it: resident memory ({@code /proc/self/status}
 * VmRSS), open file descriptors ({@code /proc/self/fd}), heap in use after a full GC, and the heap the JVM
 * has committed then (part of the RSS, which G1 gives back to the OS only slowly).
 */
public record ProcessStats(long rssBytes, long openFiles, long heapUsedBytes, long heapCommittedBytes) {

    public static ProcessStats now() throws IOException, InterruptedException {
        System.gc();
        Thread.sleep(200); // let G1 finish uncommitting before RSS is read
        Runtime rt = Runtime.getRuntime();
        long heap = rt.totalMemory() - rt.freeMemory();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        return new ProcessStats(rss, fds, heap, rt.totalMemory());
    }
}
