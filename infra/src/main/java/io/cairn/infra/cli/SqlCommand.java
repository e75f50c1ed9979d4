package io.cairn.infra.cli;

import io.cairn.client.Cairn;
import io.cairn.client.CairnException;
import io.cairn.client.Database;
import io.cairn.client.ExecuteResult;
import io.cairn.client.QueryResult;
import io.cairn.client.Sql;
import io.cairn.infra.shell.Profiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn sql --tenant acme "SELECT ..."}: one statement for scripts; rows as CSV on stdout. Exit 0, 1 when refused or failed, 2 misuse. */
@Command(name = "sql", mixinStandardHelpOptions = true, description = "Run one SQL statement on a tenant; rows are printed as CSV.")
public final class SqlCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The statement.")
    String sql;

    @Option(names = "--tenant", description = "The tenant (else CAIRN_TENANT or the profile's).")
    String tenant;

    @Option(names = "--url", description = "Cairn's HTTP API (else CAIRN_URL, the profile's, http://127.0.0.1:8080).")
    String url;

    @Option(names = "--key", description = "The tenant's API key (else CAIRN_KEY, the profile's, or the admin token).")
    String key;

    @Option(names = "--profile", description = "A profile of ~/.cairn/profiles.")
    String profile;

    @Option(names = "--data-dir", defaultValue = "${env:CAIRN_DATA_DIR:-.cairn}", description = "The data dir of ./cairn dev, for its admin token.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Profiles p = Profiles.resolve(url, key, null, tenant, profile, dataDir, System.getenv());
        if (p.tenant() == null || p.dataSecret() == null) {
            System.err.println("cairn sql: name the tenant (--tenant) and a key (--key, CAIRN_KEY, a profile, or ./cairn dev's admin token)");
            return 2;
        }
        try (Cairn cairn = Cairn.builder().url(p.url()).token(p.dataSecret()).build()) {
            Database db = cairn.database(p.tenant());
            if (Sql.readsOnly(sql)) {
                QueryResult r = db.query(sql);
                print(r.columns(), r.rows());
            } else {
                ExecuteResult r = db.execute(sql);
                if (!r.results().getFirst().columns().isEmpty()) print(r.results().getFirst().columns(), r.results().getFirst().rows());
                System.err.println(r.changes() + " row(s) changed, bookmark " + r.bookmark());
            }
            return 0;
        } catch (CairnException e) {
            System.err.println("cairn sql: " + e.getMessage());
            return 1;
        }
    }

    private static void print(List<String> columns, List<List<Object>> rows) {
        io.cairn.infra.shell.ResultPrinter.print(new java.io.PrintWriter(System.out, true), io.cairn.infra.shell.ResultPrinter.Mode.CSV, columns, rows);
    }
}
