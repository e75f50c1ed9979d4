package io.cairn.infra.cli;

import io.cairn.client.Cairn;
import io.cairn.client.CairnException;
import io.cairn.client.Database;
import io.cairn.client.ExecuteResult;
import io.cairn.client.QueryResult;
import io.cairn.client.Sql;
import io.cairn.infra.shell.Profiles;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cairn sql --tenant acme "SELECT ..."}: one statement for scripts; rows as CSV on stdout. Exit 0, 1 when refused or failed, 2 misuse. */
@Command(name = "sql", mixinStandardHelpOptions = true, description = "Run one SQL statement on a tenant; rows are printed as CSV.")
public final class SqlCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "<sql>",
            description = "The statement; omitted or '-', it is read from standard input (echo 'SELECT 1' | cairn sql --tenant t).")
    String sql;

    @Mixin ProfileOptions connection;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter err = spec.commandLine().getErr();
        if (sql == null || sql.equals("-")) {
            if (sql == null && io.cairn.infra.shell.TerminalText.stdoutIsTerminal()) {
                err.println("cairn sql: give the statement: cairn sql --tenant t \"SELECT ...\" (or pipe it in; cairn shell for a session)");
                return 2;
            }
            try { // strictly: a byte that is not UTF-8 was replaced by U+FFFD and the changed text committed
                sql = java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(System.in.readAllBytes())).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                err.println("cairn sql: the statement on standard input is not UTF-8; convert it first (e.g. iconv -f latin1 -t utf-8)");
                return 2;
            }
        }
        if (sql.isBlank() || onlyCommentsAndSemicolons(sql)) {
            err.println("cairn sql: the statement is empty");
            return 2;
        }
        Profiles p = connection.resolve("sql", err);
        if (p == null) return 2;
        try (Cairn cairn = Cairn.builder().url(p.url()).token(p.dataSecret()).build()) {
            Database db = cairn.database(p.tenant());
            if (Sql.readsOnly(sql)) {
                QueryResult r = db.query(sql);
                print(r.columns(), r.rows());
            } else {
                ExecuteResult r = db.execute(sql);
                if (!r.results().getFirst().columns().isEmpty()) print(r.results().getFirst().columns(), r.results().getFirst().rows());
                err.println(r.changes() + " row(s) changed, bookmark " + r.bookmark());
            }
            return 0;
        } catch (CairnException e) {
            if ("unreachable".equals(e.code())) { // the Java client's "cannot reach <url>: <why>", said as every command says it
                String message = String.valueOf(e.getMessage());
                err.println(CairnCommand.unreachableLine("cairn sql", message.substring(message.lastIndexOf(": ") + 2)));
                return 1;
            }
            err.println("cairn sql: " + io.cairn.infra.shell.TerminalText.safe(e.getMessage()));
            return 1;
        }
    }

    /** ";" or "-- a note": nothing to send (text that cannot be split is sent, for the server to refuse). */
    private static boolean onlyCommentsAndSemicolons(String text) {
        try {
            return io.cairn.tenantdb.sql.SqlScript.split(text).isEmpty();
        } catch (io.cairn.tenantdb.sql.SqlRefusal e) {
            return false;
        }
    }

    private static void print(List<String> columns, List<List<Object>> rows) {
        io.cairn.infra.shell.ResultPrinter.print(new java.io.PrintWriter(System.out, true), io.cairn.infra.shell.ResultPrinter.Mode.CSV, columns, rows,
                io.cairn.infra.shell.TerminalText.stdoutIsTerminal());
    }
}
