package io.cairn.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where and when a run happened: a number without its machine and commit means nothing. */
public record Machine(int cores, long memoryMb, String cpu, String jdk, String os, String date, String gitCommit,
        String loadAverage) {

    public static Machine describe(Path repo) {
        return new Machine(Runtime.getRuntime().availableProcessors(), memTotalMb(), cpuModel(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                Instant.now().toString(), gitCommit(repo), currentLoadAverage());
    }

    /** The 1-, 5- and 15-minute load averages now (other work on the machine makes numbers noisy). */
    public static String currentLoadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long memTotalMb() {
        return procLine("/proc/meminfo", "MemTotal:").map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).orElse(-1L);
    }

    private static String cpuModel() {
        return procLine("/proc/cpuinfo", "model name").map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
    }

    private static java.util.Optional<String> procLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static String gitCommit(Path repo) {
        try {
            String head = run(repo, "git", "rev-parse", "--short=12", "HEAD");
            String dirty = run(repo, "git", "status", "--porcelain", "--untracked-files=no");
            return head.isEmpty() ? "unknown" : head + (dirty.isEmpty() ? "" : " (with uncommitted changes)");
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return "";
        return out;
    }
}
