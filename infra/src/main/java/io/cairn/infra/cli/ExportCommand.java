package io.cairn.infra.cli;

import io.cairn.client.UrlPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn export --tenant acme [--format sqlite|sql] [--as-of 3:1042|<time>] [--out acme.sqlite]}: a
 * consistent copy of the tenant's content, now or at a past point, written to a file (only once complete).
 * Exit 0 written, 1 refused or failed, 2 no token or no folder to write in.
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Download a tenant's content as a SQLite file or SQL text.")
public final class ExportCommand implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(names = "--tenant", required = true, description = "The tenant to export.")
    String tenant;

    @Option(names = "--format", description = "sqlite or sql. Default: sql for an --out ending in .sql (as cairn import reads it), else sqlite.")
    String format;

    @Option(names = "--as-of", description = "A past point: a bookmark (3:1042) or an ISO-8601 time.")
    String asOf;

    @Option(names = "--out", description = "The file to write, or - for standard output. Default: <tenant>.sqlite or <tenant>.sql.")
    Path outFile;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!api.resolveToken("export", err)) return 2;
        boolean toStdout = outFile != null && outFile.toString().equals("-"); // as cairn sql - reads standard input
        // As cairn import chooses: a file named .sql is SQL text, so an export and its import agree without --format.
        if (format == null) format = outFile != null && outFile.getFileName() != null && outFile.getFileName().toString().endsWith(".sql") ? "sql" : "sqlite";
        Path target = outFile != null ? outFile : Path.of(tenant + (format.equals("sql") ? ".sql" : ".sqlite"));
        Path folder = target.toAbsolutePath().getParent();
        if (!toStdout && folder != null && !Files.isDirectory(folder)) {
            err.println("cairn export: no folder " + folder + " to write " + target.getFileName() + " in");
            return 2; // before asking the edge for a copy that could not be kept
        }
        String query = "?format=" + URLEncoder.encode(format, StandardCharsets.UTF_8)
                + (asOf == null ? "" : "&as_of=" + URLEncoder.encode(asOf, StandardCharsets.UTF_8));
        HttpResponse<InputStream> r = api.http.send(api.request("/v1/tenants/" + UrlPaths.segment(tenant) + "/export" + query, Duration.ofMinutes(30)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                byte[] answer = in.readAllBytes();
                err.println("cairn export: " + new ApiOptions.Response(r.statusCode(), answer.length == 0 ? ApiOptions.JSON.nullNode()
                        : ApiOptions.JSON.readTree(answer)).errorLine("\"as_of\"", "--as-of", "\"format\"", "--format"));
            }
            return 1;
        }
        if (toStdout) {
            long written;
            try (InputStream in = r.body()) {
                written = in.transferTo(out);
            }
            out.flush();
            err.printf("%s of tenant %s at %s%n", Progress.size(written), tenant, r.headers().firstValue("Cairn-Bookmark").orElse("?"));
            return 0;
        }
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        AtomicLong copied = new AtomicLong();
        Progress progress = new Progress(err, "exporting " + tenant, copied::get, r.headers().firstValueAsLong("Content-Length").orElse(-1));
        try (InputStream in = r.body(); OutputStream o = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                o.write(buffer, 0, n);
                copied.addAndGet(n);
            }
        } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw e;
        } finally {
            progress.close();
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        out.printf("%s: %s of tenant %s at %s%n", target, Progress.size(copied.get()), tenant, r.headers().firstValue("Cairn-Bookmark").orElse("?"));
        return 0;
    }
}
