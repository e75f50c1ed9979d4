package io.cairn.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.client.UrlPaths;
import io.cairn.infra.shell.ResultPrinter;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn tenants ls|create|rm}: the fleet from the command line (admin token). Exit 0, 1 refused, 2 no token. */
@Command(name = "tenants", mixinStandardHelpOptions = true, description = "List, create and delete tenants.",
        subcommands = {TenantsCommand.Ls.class, TenantsCommand.Create.class, TenantsCommand.Rm.class})
public final class TenantsCommand {
    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List tenants (from the control plane), with tier, size and schema version.")
    static final class Ls implements Callable<Integer> {
        @Mixin ApiOptions api;

        @Option(names = "--tier", description = "hot or cold.")
        String tier;

        @Override
        public Integer call() throws Exception {
            if (!api.resolveToken("tenants", System.err)) return 2;
            List<List<Object>> rows = new ArrayList<>();
            String cursor = null;
            do {
                String q = "?limit=1000" + (tier == null ? "" : "&tier=" + tier) + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                ApiOptions.Response r = api.call("GET", "/v1/tenants" + q, null, Duration.ofSeconds(60));
                if (r.status() != 200) {
                    System.err.println("cairn tenants ls: " + r.errorLine());
                    return 1;
                }
                for (JsonNode t : r.body().path("tenants")) {
                    rows.add(Arrays.asList(t.path("tenant").asText(), t.path("tier").asText(), t.path("size_bytes").asLong(),
                            t.path("schema_version").asLong(), t.path("last_write_at").asText(null)));
                }
                cursor = r.body().hasNonNull("next_cursor") ? r.body().get("next_cursor").asText() : null;
            } while (cursor != null);
            ResultPrinter.print(new PrintWriter(System.out, true), ResultPrinter.Mode.TABLE,
                    List.of("tenant", "tier", "size_bytes", "schema_version", "last_write_at"), rows);
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant and print its first API key.")
    static final class Create implements Callable<Integer> {
        @Mixin ApiOptions api;

        @Mixin TenantName name;

        @Option(names = "--template", description = "Start at a migration set's latest version.")
        String template;

        @Override
        public Integer call() throws Exception {
            String tenant = name.resolve("tenants create", System.err);
            if (tenant == null) return 2;
            if (!api.resolveToken("tenants", System.err)) return 2;
            var body = ApiOptions.JSON.createObjectNode().put("tenant", tenant);
            if (template != null) body.put("template", template);
            ApiOptions.Response r = api.call("POST", "/v1/tenants", body, Duration.ofSeconds(60));
            if (r.status() != 201) {
                System.err.println("cairn tenants create: " + r.errorLine("\"template\"", "--template"));
                return 1;
            }
            System.out.println("tenant " + tenant + " created\napi key: " + r.body().path("api_key").asText());
            return 0;
        }
    }

    @Command(name = "rm", aliases = {"delete", "remove"}, mixinStandardHelpOptions = true, description = "Delete a tenant and its data.")
    static final class Rm implements Callable<Integer> {
        @Mixin ApiOptions api;

        @Mixin TenantName name;

        @picocli.CommandLine.Option(names = {"-y", "--yes"}, description = "Do not ask at a terminal (a script never is asked).")
        boolean yes;

        @Override
        public Integer call() throws Exception {
            String tenant = name.resolve("tenants rm", System.err);
            if (tenant == null) return 2;
            if (!api.resolveToken("tenants", System.err)) return 2;
            if (!yes && io.cairn.infra.shell.TerminalText.stdoutIsTerminal()) {
                // A delete destroys the tenant's data keys: no restore or fork brings it back (410 tenant_erased).
                String typed = System.console().readLine("Delete tenant %s and all its data? Its keys are destroyed: no restore or fork"
                        + " can bring it back. Type its name to confirm: ", tenant);
                if (typed == null || !typed.strip().equals(tenant)) {
                    System.err.println("cairn tenants rm: not confirmed; nothing was deleted (--yes skips the question)");
                    return 1;
                }
            }
            ApiOptions.Response r = api.call("DELETE", "/v1/tenants/" + UrlPaths.segment(tenant), null, Duration.ofSeconds(60));
            if (r.status() != 200) {
                System.err.println("cairn tenants rm: " + r.errorLine());
                return 1;
            }
            System.out.println("tenant " + tenant + " deleted");
            return 0;
        }
    }
}
