package io.cairn.infra.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn fork --from acme --tenant acme-copy [--bookmark 3:1042 | --time ...]}: creates a tenant with
 * the source's content at that point (now, without one) and prints its new API key. Exit 0 created, 1
 * refused or failed, 2 no token or both a bookmark and a time.
 */
@Command(name = "fork", mixinStandardHelpOptions = true, description = "Create a tenant from another's content at a point (default: now).")
public final class ForkCommand implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(names = "--from", required = true, description = "The tenant to copy.")
    String from;

    @Option(names = "--tenant", required = true, description = "The new tenant's id.")
    String tenant;

    @Option(names = "--bookmark", description = "The source's point, e.g. 3:1042.")
    String bookmark;

    @Option(names = "--time", description = "The source's point as a time, ISO-8601.")
    String time;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!api.resolveToken("fork", err)) return 2;
        if (bookmark != null && time != null) {
            err.println("cairn fork: give --bookmark or --time, not both");
            return 2;
        }
        ObjectNode body = ApiOptions.JSON.createObjectNode().put("tenant", tenant);
        ObjectNode source = body.putObject("from").put("tenant", from);
        if (bookmark != null) source.put("bookmark", bookmark);
        if (time != null) source.put("time", time);
        ApiOptions.Response r;
        Progress progress = new Progress(err, "forking " + from + " into " + tenant, () -> 0, -1);
        try {
            r = api.call("POST", "/v1/tenants", body, Duration.ofMinutes(10));
        } finally {
            progress.close();
        }
        if (r.status() != 201) {
            err.println("cairn fork: " + r.errorLine("\"time\"", "--time", "\"bookmark\"", "--bookmark"));
            return 1;
        }
        out.printf("tenant %s created from %s at %s%napi key: %s%n", tenant, from, r.body().path("from").path("bookmark").asText(),
                r.body().path("api_key").asText());
        return 0;
    }
}
