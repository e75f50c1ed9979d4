package io.cairn.bench;

import io.cairn.bench.report.MarkdownTable;
import io.cairn.bench.report.Report;
import io.cairn.bench.report.ResultsFiles;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/**
 * {@code ./cairn bench [--quick] [--root DIR]}: runs the bench in a temporary data dir, prints the table,
 * writes {@code bench/RESULTS.md} (full run) or {@code bench/results/quick.md}, and JSON beside it.
 * {@code --cold-fleet [N]} runs only {@link ColdFleetRun} (N tenants, 99% cold; results in
 * {@code bench/results/cold-fleet.md}). Exits 0 whenever every scenario worked, whatever the timings; 1 when one failed.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        io.cairn.edge.VirtualThreadCarriers.configure(); // before any virtual thread exists: the edge runs in this JVM
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        boolean quick = false;
        String target = null;
        int coldFleet = 0;
        Path root = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--root" -> root = Path.of(args[++i]).toAbsolutePath();
                case "--target" -> target = i + 1 < args.length ? args[++i] : null;
                case "--cold-fleet" -> coldFleet = i + 1 < args.length && args[i + 1].matches("[0-9]+") ? Integer.parseInt(args[++i]) : 100_000;
                default -> {
                    System.err.println("usage: cairn bench [--quick] [--target http://host:port] [--cold-fleet [TENANTS]]"
                            + "  (--target reads CAIRN_ADMIN_TOKEN)");
                    System.exit(2);
                }
            }
        }
        if (target != null) {
            System.exit(againstTarget(target, quick ? BenchPlan.quick() : BenchPlan.full(), root));
        }
        if (coldFleet > 0) {
            System.exit(coldFleet(coldFleet, root));
        }
        BenchPlan plan = quick ? BenchPlan.quick() : BenchPlan.full();
        Path data = Files.createTempDirectory("cairn-bench-");
        int status = 0;
        try {
            BenchRun run = new BenchRun(plan, data, step -> System.out.println(
                    "bench " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": " + step));
            Report report = run.run(root, "./cairn bench" + (quick ? " --quick" : ""));
            report = run.charts().withPictures(report, root.resolve("bench"), !quick);
            System.out.println();
            System.out.println(MarkdownTable.render(report));
            Path written = ResultsFiles.write(report, root.resolve("bench"), !quick);
            System.out.println("bench: written to " + written);
        } catch (Exception e) {
            System.err.println("bench: a scenario failed: " + e);
            e.printStackTrace();
            status = 1;
        } finally {
            deleteTree(data);
        }
        // Kafka and Jetty leave non-daemon threads behind after close; the run is over.
        System.exit(status);
    }

    /** {@code --target}: the HTTP scenarios against a running Cairn; results in bench/results/target-<plan>.md, never RESULTS.md. */
    private static int againstTarget(String target, BenchPlan plan, Path root) {
        String token = System.getenv("CAIRN_ADMIN_TOKEN");
        if (token == null || token.isBlank() || !target.matches("https?://[^/]+/?")) {
            System.err.println("bench: --target needs a base URL (http://host:port) and the target's admin token in CAIRN_ADMIN_TOKEN");
            return 2;
        }
        try {
            TargetRun run = new TargetRun(plan, target, token, step -> System.out.println(
                    "bench " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": " + step));
            Report report = run.run(root, "./cairn bench --target " + target + (plan.name().equals("quick") ? " --quick" : ""));
            report = run.charts().withPictures(report, root.resolve("bench"), false);
            System.out.println();
            System.out.println(MarkdownTable.render(report));
            System.out.println("bench: written to " + ResultsFiles.write(report, root.resolve("bench"), false));
            return 0;
        } catch (Exception e) {
            System.err.println("bench: a scenario failed against " + target + ": " + e);
            e.printStackTrace();
            return 1;
        }
    }

    /** {@code --cold-fleet}: many tenants, 99% cold, on one node; results in bench/results/cold-fleet.md, never RESULTS.md. */
    private static int coldFleet(int tenants, Path root) throws IOException {
        Path data = Files.createTempDirectory("cairn-bench-fleet-");
        try {
            ColdFleetRun run = new ColdFleetRun(tenants, 64, data, step -> System.out.println(
                    "bench " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": " + step));
            Report report = run.run(root, "./cairn bench --cold-fleet " + tenants);
            System.out.println();
            System.out.println(MarkdownTable.render(report));
            System.out.println("bench: written to " + ResultsFiles.write(report, root.resolve("bench"), false));
            return 0;
        } catch (Exception e) {
            System.err.println("bench: the cold-fleet run failed: " + e);
            e.printStackTrace();
            return 1;
        } finally {
            deleteTree(data);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
