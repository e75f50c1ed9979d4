package io.cairn.infra.cli;

import io.cairn.infra.shell.Profiles;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which tenant a data command works on and with which key: a picocli mixin resolved by {@link Profiles}. */
public final class ProfileOptions {
    @Option(names = "--tenant", description = "The tenant (else CAIRN_TENANT or the profile's).")
    String tenant;

    @Option(names = "--url", description = "Cairn's HTTP API (else CAIRN_URL, the profile's, http://127.0.0.1:8080).")
    String url;

    @Option(names = "--key", description = "The tenant's API key (else CAIRN_KEY, the profile's, or the admin token).")
    String key;

    @Option(names = "--token", description = "The admin token (else CAIRN_ADMIN_TOKEN, the profile's, or ./cairn dev's); a key wins over it.")
    String token;

    @Option(names = "--profile", description = "A profile of ~/.cairn/profiles (else CAIRN_PROFILE, 'default').")
    String profile;

    @Option(names = "--data-dir", defaultValue = "${env:CAIRN_DATA_DIR:-.cairn}", description = "The data dir of ./cairn dev, for its admin token.")
    Path dataDir;

    /** The resolved connection; null (after saying why) when it names no tenant or no secret. */
    Profiles resolve(String command, java.io.PrintWriter err) throws IOException {
        Profiles p;
        try {
            p = Profiles.resolve(url, key, token, tenant, profile, dataDir, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("cairn " + command + ": " + e.getMessage());
            return null;
        }
        try {
            io.cairn.client.Cairn.httpUrl(p.url());
        } catch (IllegalArgumentException e) {
            err.println("cairn " + command + ": " + e.getMessage() + " (from --url, CAIRN_URL or the profile)");
            return null;
        }
        if (p.tenant() == null || p.dataSecret() == null) {
            err.println("cairn " + command + ": name the tenant (--tenant) and a key (--key, CAIRN_KEY, a profile, or ./cairn dev's admin token)");
            return null;
        }
        try {
            io.cairn.client.Cairn.credential(p.dataSecret());
        } catch (IllegalArgumentException e) {
            err.println("cairn " + command + ": the key: " + e.getMessage());
            return null;
        }
        return p;
    }
}
