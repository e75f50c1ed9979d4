package io.cairn.infra.cli;

import io.cairn.client.UrlPaths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn keys ls|issue|revoke}: a tenant's API keys (admin token). The new key is printed once. Exit 0, 1 refused, 2 no token. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "List, issue and revoke a tenant's API keys.",
        subcommands = {KeysCommand.Ls.class, KeysCommand.Issue.class, KeysCommand.Revoke.class})
public final class KeysCommand {
    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List a tenant's keys: id, scopes, creation time, revoked (never secrets).")
    static final class Ls implements Callable<Integer> {
        @Mixin ApiOptions api;

        @Option(names = "--tenant", required = true, description = "The tenant whose keys these are.")
        String tenant;

        @Override
        public Integer call() throws Exception {
            if (!api.resolveToken("keys", System.err)) return 2;
            ApiOptions.Response r = api.call("GET", "/v1/tenants/" + UrlPaths.segment(tenant) + "/keys", null, Duration.ofSeconds(60));
            if (r.status() != 200) {
                System.err.println("cairn keys: " + r.errorLine());
                return 1;
            }
            System.out.printf("%-18s %-12s %-26s %s%n", "KEY ID", "SCOPES", "CREATED", "STATE");
            for (var k : r.body().path("keys")) {
                List<String> scopes = new ArrayList<>();
                k.path("scopes").forEach(s -> scopes.add(s.asText()));
                System.out.printf("%-18s %-12s %-26s %s%n", k.path("key_id").asText(), String.join(",", scopes),
                        k.path("created_at").asText(), k.path("revoked").asBoolean() ? "revoked" : "active");
            }
            return 0;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true, description = "Issue a key; it is printed once.")
    static final class Issue implements Callable<Integer> {
        @Mixin ApiOptions api;

        @Option(names = "--tenant", required = true, description = "The tenant whose keys these are.")
        String tenant;

        @Option(names = "--scope", split = ",", description = "read, write (default both).")
        List<String> scopes;

        @Override
        public Integer call() throws Exception {
            if (!api.resolveToken("keys", System.err)) return 2;
            var body = ApiOptions.JSON.createObjectNode();
            if (scopes != null) scopes.forEach(body.putArray("scopes")::add);
            ApiOptions.Response r = api.call("POST", "/v1/tenants/" + UrlPaths.segment(tenant) + "/keys", body, Duration.ofSeconds(60));
            if (r.status() != 201) {
                System.err.println("cairn keys: " + r.errorLine());
                return 1;
            }
            System.out.println("key id:  " + r.body().path("key_id").asText() + "\napi key: " + r.body().path("api_key").asText());
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key: refused from the next request on.")
    static final class Revoke implements Callable<Integer> {
        @Mixin ApiOptions api;

        @Option(names = "--tenant", required = true, description = "The tenant whose keys these are.")
        String tenant;

        @Option(names = "--key-id", required = true, description = "The key's id, as `cairn keys list` shows it (in an API key cairn_<id>_<secret>, the <id>).")
        String keyId;

        @Override
        public Integer call() throws Exception {
            java.util.regex.Matcher whole = java.util.regex.Pattern.compile("cairn_([0-9a-f]{16})_.+").matcher(keyId);
            if (whole.matches()) { // not sent: a secret does not belong in a URL (or the logs that keep them)
                System.err.println("cairn keys: --key-id takes the key's id, " + whole.group(1) + ", not the whole API key");
                return 2;
            }
            if (!api.resolveToken("keys", System.err)) return 2;
            ApiOptions.Response r = api.call("DELETE", "/v1/tenants/" + UrlPaths.segment(tenant) + "/keys/" + UrlPaths.segment(keyId), null, Duration.ofSeconds(60));
            if (r.status() != 200) {
                System.err.println("cairn keys: " + r.errorLine());
                return 1;
            }
            System.out.println("key " + keyId + " revoked");
            return 0;
        }
    }
}
