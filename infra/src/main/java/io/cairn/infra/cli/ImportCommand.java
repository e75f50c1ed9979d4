package io.cairn.infra.cli;

import io.cairn.client.UrlPaths;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn import --tenant acme --file acme.sqlite|dump.sql [--format sqlite|sql]}: replaces the tenant's
 * content with the file (or creates the tenant with it, printing its API key). A file ending in .sql is sent
 * as SQL text unless --format says otherwise. Exit 0 imported, 1 refused or failed, 2 no token or no file.
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Replace a tenant's content with a SQLite file or SQL text (or create it).")
public final class ImportCommand implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(names = "--tenant", required = true, description = "The tenant to import into (created when it does not exist).")
    String tenant;

    @Option(names = "--file", required = true, description = "A SQLite database file, or a SQL script (e.g. sqlite3's .dump); - reads"
            + " standard input.")
    Path file;

    @Option(names = "--format", description = "sqlite or sql. Default: sql for a file ending in .sql (from standard input: unless"
            + " it starts as a SQLite file does), else sqlite.")
    String format;

    InputStream in = System.in;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!api.resolveToken("import", err)) return 2;
        Path stdin = null;
        if (file.toString().equals("-")) { // a file named "-" was imported instead of standard input: cairn sql - reads it
            stdin = Files.createTempFile("cairn-import-", ".part");
            try (InputStream from = in) {
                Files.copy(from, stdin, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            file = stdin;
        }
        try {
            return send(stdin != null);
        } finally {
            if (stdin != null) Files.deleteIfExists(stdin);
        }
    }

    private int send(boolean fromStdin) throws Exception {
        if (Files.isDirectory(file)) {
            err.println("cairn import: " + file + " is a folder; name a SQLite file or a SQL script");
            return 2;
        }
        if (!Files.isRegularFile(file)) {
            err.println("cairn import: no file " + file);
            return 2;
        }
        String f = format != null ? format : fromStdin ? (startsAsSqlite() ? "sqlite" : "sql")
                : file.getFileName().toString().endsWith(".sql") ? "sql" : "sqlite";
        long size = Files.size(file);
        if (f.equals("sqlite") && size > 0 && !startsAsSqlite()) { // refused here, not after uploading it all
            err.println("cairn import: " + file + " is not a SQLite database file (it does not start as one does); for a SQL script,"
                    + " add --format sql");
            return 1;
        }
        AtomicLong sent = new AtomicLong();
        // An empty file goes as an empty body (the JDK takes no length of 0): the server says why it refuses it.
        HttpRequest.BodyPublisher body = size == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> counting(sent)), size);
        ApiOptions.Response r;
        Progress progress = new Progress(err, "importing " + (fromStdin ? "standard input" : file.getFileName()) + " into " + tenant, sent::get, size);
        try {
            r = ApiOptions.read(api.http.send(api.request("/v1/tenants/" + UrlPaths.segment(tenant) + "/import?format=" + f, Duration.ofMinutes(30))
                    .header("Content-Type", f.equals("sql") ? "application/sql" : "application/vnd.sqlite3").POST(body).build(),
                    HttpResponse.BodyHandlers.ofString()));
        } finally {
            progress.close();
        }
        if (r.status() != 200 && r.status() != 201) {
            err.println("cairn import: " + r.errorLine());
            return 1;
        }
        out.printf("tenant %s %s: %d table(s), %s, at %s%n", tenant, r.status() == 201 ? "created" : "replaced", r.body().path("tables").asInt(),
                Progress.size(r.body().path("size_bytes").asLong()), r.body().path("bookmark").asText());
        if (r.status() == 201) out.println("api key: " + r.body().path("api_key").asText());
        else out.printf("undo with: cairn restore --tenant %s --bookmark %s%n", tenant, r.body().path("undo_bookmark").asText());
        return 0;
    }

    private boolean startsAsSqlite() throws java.io.IOException {
        byte[] header = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (InputStream i = Files.newInputStream(file)) {
            return java.util.Arrays.equals(i.readNBytes(header.length), header);
        }
    }

    private InputStream counting(AtomicLong sent) {
        try {
            return new java.io.FilterInputStream(Files.newInputStream(file)) {
                @Override
                public int read(byte[] b, int off, int len) throws java.io.IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) sent.addAndGet(n);
                    return n;
                }
            };
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
