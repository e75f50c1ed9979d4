package io.cairn.infra.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.client.UrlPaths;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn restore --tenant acme --bookmark 3:1042 | --time 2026-11-30T10:15:00Z}: restores the tenant in
 * place to that point (its keys and URL stay) and prints the bookmark that undoes it. Exit 0 restored, 1
 * refused or failed (the error's code and message), 2 no token.
 */
@Command(name = "restore", mixinStandardHelpOptions = true, description = "Restore a tenant in place to a bookmark or a time.")
public final class RestoreCommand implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(names = "--tenant", required = true, description = "The tenant to restore.")
    String tenant;

    @ArgGroup(multiplicity = "1")
    Point point;

    /** Exactly one way to name the point. */
    static final class Point {
        @Option(names = "--bookmark", required = true, description = "The bookmark to restore to, e.g. 3:1042 (a write's or read's bookmark).")
        String bookmark;

        @Option(names = "--time", required = true, description = "The time to restore to, ISO-8601, e.g. 2026-11-30T10:15:00Z.")
        String time;

        void into(ObjectNode body) {
            if (bookmark != null) body.put("bookmark", bookmark);
            else body.put("time", time);
        }
    }

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!api.resolveToken("restore", err)) return 2;
        ObjectNode body = ApiOptions.JSON.createObjectNode();
        point.into(body);
        ApiOptions.Response r;
        Progress progress = new Progress(err, "restoring " + tenant, () -> 0, -1);
        try {
            r = api.call("POST", "/v1/tenants/" + UrlPaths.segment(tenant) + "/restore", body, Duration.ofMinutes(10));
        } finally {
            progress.close();
        }
        if (r.status() != 200) {
            err.println("cairn restore: " + r.errorLine("\"time\"", "--time", "\"bookmark\"", "--bookmark"));
            return 1;
        }
        out.printf("tenant %s restored to %s (record %s); undo with: cairn restore --tenant %s --bookmark %s%n", tenant,
                r.body().path("restored_to").asText(), r.body().path("bookmark").asText(), tenant, r.body().path("undo_bookmark").asText());
        return 0;
    }
}
