package io.cairn.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.client.UrlPaths;
import io.cairn.infra.shell.TerminalText;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.SqlScript;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn migrate}: registers a folder of Flyway-style files ({@code V1__create_users.sql},
 * {@code V2__add_email.sql}) as the versions of a migration set, then runs the set on the fleet and
 * follows the run to its end with a progress bar and a final table. Talks to a running Cairn over its
 * HTTP API with the admin token. Exit 0 when every tenant applied (or waits, cold, for its thaw); 1 when
 * any failed or the run halted before reaching every tenant; 2 when the files or the request were refused;
 * 3 when Cairn could not be reached or did not answer in time (what was asked may have been done).
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Register a folder of V<n>__<name>.sql files as a migration set and run it on the tenants.")
public final class MigrateCommand implements Callable<Integer>, NotReachedExit {
    /** Cairn could not be reached, or did not answer in time: nothing is known of the tenants. */
    static final int EXIT_NOT_REACHED = 3;

    @Override
    public int notReachedExit() {
        return EXIT_NOT_REACHED;
    }

    private static final Pattern FILE = Pattern.compile("V(\\d{1,9})__(.+)\\.sql");
    private static final ObjectMapper JSON = ApiOptions.JSON;

    @Option(names = "--set", required = true, description = "The migration set, e.g. app.")
    String set;

    @Option(names = "--dir", description = "Folder of V<n>__<description>.sql files (none: run what is registered).")
    Path dir;

    @Option(names = "--target", description = "Version to bring the tenants to. Default: the latest.")
    Integer target;

    @Option(names = "--tenants", defaultValue = "all", description = "'all' (every tenant of the fleet, those that never used the set too), or tenant ids separated by commas. Default: ${DEFAULT-VALUE}.")
    String tenants;

    @Option(names = "--register-only", description = "Register the files, start no run.")
    boolean registerOnly;

    @Option(names = "--canary", description = "Send the run to this many tenants first; the rest follow once they settled.")
    Integer canary;

    @Option(names = "--wave-size", description = "Tenants per wave after the canary (default: all that are left).")
    Integer waveSize;

    @Option(names = "--max-failure-rate", description = "Halt between waves when more than this share (0 to 1) of settled tenants failed.")
    Double maxFailureRate;

    @Option(names = "--dry-run", description = "Run the versions on a sample of hot tenants and roll them back; report what would fail. With --dir the files are tried without being registered.")
    boolean dryRun;

    @Option(names = "--replace", description = "Replace the set's latest version when its file changed, if no tenant has it nor can still"
            + " get it (a version that failed everywhere); refused otherwise. Without it a changed file is refused.")
    boolean replace;

    @Mixin ApiOptions api;
    private PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!api.resolveToken("migrate", err)) return 2;
        if (dir == null) return registerOnly ? 0 : run(null);
        Map<Integer, Folder> folder = readFolder();
        if (folder == null) return 2;
        // A dry run tries the files without registering them: a registered version never changes, so one found
        // broken here could not be fixed in place (its fix would have to be the next version).
        if (dryRun && !registerOnly) return run(folder);
        if (!register(folder)) return 2;
        if (registerOnly) return 0;
        return run(null);
    }

    /** One file of the folder: its description (from its name) and statements. */
    private record Folder(Path file, String description, List<String> statements) {}

    /** The folder's versions, read and checked whole; null (after saying why) when one is not right. */
    private Map<Integer, Folder> readFolder() throws IOException {
        Map<Integer, Path> files = new TreeMap<>();
        List<String> misnamed = new java.util.ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.sorted().toList()) {
                String name = p.getFileName().toString();
                Matcher m = FILE.matcher(name);
                if (!m.matches()) {
                    if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".sql")) misnamed.add(name);
                } else if (files.put(Integer.parseInt(m.group(1)), p) != null) {
                    err.println("cairn migrate: two files for version " + m.group(1) + " in " + dir);
                    return null;
                }
            }
        }
        if (!misnamed.isEmpty()) {
            // A file skipped in silence is a version the user believes applied: say so, apply nothing.
            err.println("cairn migrate: " + String.join(", ", misnamed) + " in " + dir + " not named V<n>__<description>.sql;"
                    + " rename or move them (only versioned files run: Flyway's repeatable R__ and undo U files are not supported)");
            return null;
        }
        if (files.isEmpty()) {
            err.println("cairn migrate: no V<n>__<description>.sql files in " + dir);
            return null;
        }
        // The whole folder is read and checked first: a gap or an empty file found after the first versions
        // were registered would leave the set half-registered from a folder the user must fix anyway.
        Map<Integer, Folder> versions = new TreeMap<>();
        int expected = 1;
        for (Map.Entry<Integer, Path> e : files.entrySet()) {
            if (e.getKey() != expected) {
                err.println("cairn migrate: version " + expected + " is missing in " + dir + " (versions start at 1, without gaps)");
                return null;
            }
            expected++;
            List<String> statements;
            try {
                statements = SqlScript.split(Files.readString(e.getValue(), StandardCharsets.UTF_8));
            } catch (SqlRefusal r) {
                err.println("cairn migrate: " + e.getValue().getFileName() + ": " + r.getMessage());
                return null;
            }
            if (statements.isEmpty()) {
                err.println("cairn migrate: " + e.getValue().getFileName() + " holds no statement");
                return null;
            }
            try {
                // The server's own registration check, for every file before any is registered: a version never changes,
                // so one registered before a later file's typo was found stayed.
                io.cairn.edge.migrate.MigrationSql.check(statements);
            } catch (io.cairn.edge.error.ApiError r) {
                err.println("cairn migrate: " + e.getValue().getFileName() + ": " + r.code().wire() + ": "
                        + TerminalText.safe(r.getMessage().replace("; nothing was registered", "")) + "; nothing was registered");
                return null;
            }
            Matcher m = FILE.matcher(e.getValue().getFileName().toString());
            m.matches();
            versions.put(e.getKey(), new Folder(e.getValue(), m.group(2).replace('_', ' '), statements));
        }
        return versions;
    }

    private static String statements(Folder f) {
        return f.statements().size() + (f.statements().size() == 1 ? " statement" : " statements");
    }

    /** Registers every version in order; false (after saying why) when one was refused. */
    private boolean register(Map<Integer, Folder> versions) throws IOException, InterruptedException {
        int registered = 0;
        for (Map.Entry<Integer, Folder> v : versions.entrySet()) {
            Folder f = v.getValue();
            ObjectNode body = JSON.createObjectNode().put("description", f.description());
            f.statements().forEach(body.putArray("statements")::add);
            if (replace) body.put("replace", true);
            ApiOptions.Response r = call("PUT", "/v1/migrations/" + UrlPaths.segment(set) + "/versions/" + v.getKey(), body);
            if (r.status() == 201) {
                registered++;
                out.printf("registered  V%d %s (%s)%n", v.getKey(), f.description(), statements(f));
            } else if (r.status() == 200 && r.body().has("replaced")) {
                registered++;
                out.printf("replaced    V%d %s (%s; it was %s)%n", v.getKey(), f.description(), statements(f),
                        r.body().path("replaced").asText());
            } else if (r.status() == 200) {
                out.printf("unchanged   V%d %s%n", v.getKey(), f.description());
            } else {
                err.printf("cairn migrate: %s refused: %s%n", f.file().getFileName(), r.errorLine("send \"replace\": true", "give --replace"));
                err.println("cairn migrate: " + (registered == 0 ? "no file was registered, and no run started"
                        : registered + " file(s) before it were registered (listed above), no later one, and no run started"));
                return false;
            }
        }
        return true;
    }

    /** Starts the run (a dry run tries {@code tried}, unregistered, when not null), follows it, prints the table; the exit code. */
    private int run(Map<Integer, Folder> tried) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        if (tried != null) {
            for (Map.Entry<Integer, Folder> v : tried.entrySet()) {
                ObjectNode version = body.withArray("versions").addObject().put("version", v.getKey()).put("description", v.getValue().description());
                v.getValue().statements().forEach(version.putArray("statements")::add);
            }
        }
        if (target != null) body.put("target_version", target);
        if (canary != null) body.put("canary", canary);
        if (waveSize != null) body.put("wave_size", waveSize);
        if (maxFailureRate != null) body.put("max_failure_rate", maxFailureRate);
        if (dryRun) body.put("dry_run", true);
        if (tenants.equals("all")) body.put("tenants", "all");
        else List.of(tenants.split(",")).forEach(t -> body.withArray("tenants").add(t.strip()));
        ApiOptions.Response started = call("POST", "/v1/migrations/" + UrlPaths.segment(set) + "/runs", body);
        if (dryRun && started.status() == 200) {
            JsonNode d = started.body();
            out.printf("dry run of set %s to version %d on %d sampled tenant(s): %d would apply, %d would fail%n", set,
                    d.path("target_version").asInt(), d.path("sampled").asInt(), d.path("would_apply").asInt(), d.path("would_fail").asInt());
            for (JsonNode f : d.path("failures")) out.printf("  %-24s %s%n", f.path("tenant").asText(), TerminalText.safe(f.path("error").asText()));
            if (d.path("not_sampled_cold").asInt() > 0) out.printf("  %d cold tenant(s) of the list not tried (a dry run thaws nobody)%n", d.path("not_sampled_cold").asInt());
            if (d.path("already_at_target").asInt() > 0) out.printf("  %d tenant(s) already at version %d or past it%n",
                    d.path("already_at_target").asInt(), d.path("target_version").asInt());
            if (d.path("sampled").asInt() == 0 && d.path("already_at_target").asInt() > 0 && d.path("not_sampled_cold").asInt() == 0) {
                return 0; // every tenant listed that exists is there already: nothing a run would do
            }
            if (d.path("sampled").asInt() == 0) { // a pass that tried nothing is no pass
                err.println("cairn migrate: no hot tenant to try the versions on (cold tenants are not sampled): nothing was tried");
                return 2;
            }
            return d.path("would_fail").asInt() > 0 ? 1 : 0;
        }
        if (started.status() != 202) {
            err.printf("cairn migrate: the run was refused: %d %s: %s%n", started.status(),
                    started.body().path("error").path("code").asText(), TerminalText.safe(started.body().path("error").path("message").asText()));
            return 2;
        }
        String runId = started.body().path("run_id").asText();
        out.printf("run %s: set %s to version %d on %d tenant(s)%n", runId, set, started.body().path("target_version").asInt(),
                started.body().path("tenants").asInt());
        JsonNode status;
        boolean live = TerminalText.stdoutIsTerminal(); // a bar redrawn in a log or a pipe is only noise: the table says it all
        while (true) {
            status = call("GET", "/v1/migrations/" + UrlPaths.segment(set) + "/runs/" + UrlPaths.segment(runId), null).body();
            if (live) progress(status);
            if (status.path("done").asBoolean()) break;
            Thread.sleep(500);
        }
        if (live) err.println();
        out.printf("%-18s %8s%n", "tenants", status.path("tenants").asInt());
        if (status.path("unsent").asInt() > 0) out.printf("%-18s %8d  (run %s: %s)%n", "never sent", status.path("unsent").asInt(),
                status.path("phase").asText(), TerminalText.safe(status.path("reason").asText()));
        for (String k : List.of("applied", "failed", "waiting_for_cold", "deleted", "superseded", "reverted")) {
            out.printf("%-18s %8d%n", k.replace('_', ' '), status.path(k).asInt());
        }
        int waiting = status.path("waiting_for_cold").asInt();
        if (waiting > 0) {
            out.println();
            out.printf("%d cold tenant%s the versions when each next thaws (a write, or POST /v1/tenants/{t}/tier): a failure"
                    + " shows then, in GET /v1/migrations/%s/runs/%s%n", waiting, waiting == 1 ? " applies" : "s apply", set, runId);
        }
        if (status.path("failed").asInt() > 0) {
            out.println();
            // Both versions: the one that failed, and the one the tenant stays at (the whole run rolled back there).
            out.printf("%-24s %-10s %-6s %s%n", "failed tenant", "failed at", "is at", "error");
            for (JsonNode f : status.path("failures")) {
                out.printf("%-24s %-10s %-6s %s%n", f.path("tenant").asText(), "V" + f.path("failed_version").asInt(), "V" + f.path("version").asInt(),
                        TerminalText.safe(f.path("error").asText()));
            }
            return 1;
        }
        return status.path("unsent").asInt() > 0 ? 1 : 0;
    }

    private void progress(JsonNode s) {
        int total = Math.max(1, s.path("tenants").asInt());
        int settled = s.path("applied").asInt() + s.path("failed").asInt() + s.path("waiting_for_cold").asInt() + s.path("deleted").asInt()
                + s.path("superseded").asInt() + s.path("reverted").asInt();
        int width = 30;
        int filled = (int) Math.round(width * (double) settled / total);
        err.printf("\r[%s%s] %d/%d applied, %d failed, %d waiting (cold)", "#".repeat(filled), ".".repeat(width - filled),
                s.path("applied").asInt(), total, s.path("failed").asInt(), s.path("waiting_for_cold").asInt());
    }

    private ApiOptions.Response call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        return api.call(method, path, body, Duration.ofSeconds(60));
    }
}
