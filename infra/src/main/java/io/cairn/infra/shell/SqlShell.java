package io.cairn.infra.shell;

import io.cairn.client.CairnException;
import io.cairn.client.Database;
import io.cairn.client.ExecuteResult;
import io.cairn.client.QueryResult;
import io.cairn.client.Session;
import io.cairn.client.Sql;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.SqlScript;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * An interactive SQL shell on one tenant, like sqlite3's: statements end with {@code ;} and may span
 * lines (a {@code ;} inside a string, a comment or a trigger's body ends nothing:
 * {@link SqlScript#complete}); several on one line run one after the other; blank lines between
 * statements are skipped. Reads print their rows ({@code .mode table|csv|json}), writes what they
 * changed; {@code .tables [pattern]}, {@code .schema [table]}, {@code .timer on|off}, {@code .help}, {@code .quit}.
 * Lines come from a {@link Lines}: JLine's line reader in {@code cairn shell} (history, line editing),
 * scripted lines in tests. Runs through a {@link Session}, so every read sees the shell's own writes. An
 * error is printed with its code and the shell goes on.
 */
public final class SqlShell {
    /** Where the shell's lines come from. */
    public interface Lines {
        /** The next line, shown {@code prompt}; null at the end of input; throws {@link Interrupted} on Ctrl-C. */
        String read(String prompt);
    }

    /** The user interrupted the line being typed: the statement being typed is dropped. */
    public static final class Interrupted extends RuntimeException {
        public Interrupted() {
            super(null, null, false, false);
        }
    }

    private final Session session;
    private final Lines reader;
    private final PrintWriter out;
    private final String tenant;
    private ResultPrinter.Mode mode = ResultPrinter.Mode.TABLE;
    private boolean timer;
    /** Dot-commands that failed or were not understood: they count as failed statements do. */
    private int refused;

    public SqlShell(Database db, Lines reader, PrintWriter out) {
        this.session = db.session();
        this.reader = reader;
        this.out = out;
        this.tenant = db.tenant();
    }

    /** Reads and runs until {@code .quit} or end of input; returns the number of statements and dot-commands that failed. */
    public int run() {
        int failed = 0;
        StringBuilder pending = new StringBuilder();
        while (true) {
            String line;
            try {
                line = reader.read(pending.isEmpty() ? tenant + "> " : "   ...> ");
            } catch (Interrupted e) {
                pending.setLength(0);
                continue;
            }
            if (line == null) {
                // The input ended inside a statement (no ';' after the last one, or a string left open): as sqlite3 does,
                // it is run, and the server's refusal of what is not whole is reported, never dropped in silence.
                if (!pending.toString().isBlank()) {
                    for (String sql : statements(pending.toString())) {
                        if (!run(sql)) failed++;
                    }
                }
                break;
            }
            if (pending.isEmpty() && line.isBlank()) continue;
            if (pending.isEmpty() && line.strip().startsWith(".")) {
                if (!command(line.strip())) break;
                continue;
            }
            pending.append(line).append('\n');
            if (!SqlScript.complete(pending.toString())) continue;
            String text = pending.toString();
            pending.setLength(0);
            for (String sql : statements(text)) {
                if (!run(sql)) failed++;
            }
        }
        out.flush();
        return failed + refused;
    }

    /** The statements of a complete text, each without its ';'; text that cannot be split goes whole, for the server to refuse. */
    private static List<String> statements(String text) {
        try {
            return SqlScript.split(text);
        } catch (SqlRefusal e) {
            return List.of(text.strip());
        }
    }

    private boolean run(String sql) {
        if (sql.isBlank()) return true;
        long start = System.nanoTime();
        try {
            if (Sql.readsOnly(sql)) {
                QueryResult r = session.query(sql);
                ResultPrinter.print(out, mode, r.columns(), r.rows());
                if (timer) out.printf("(%d row%s, %.1f ms)%n", r.rows().size(), r.rows().size() == 1 ? "" : "s", (System.nanoTime() - start) / 1e6);
            } else {
                ExecuteResult r = session.execute(sql);
                ExecuteResult.StatementResult one = r.results().getFirst();
                if (!one.columns().isEmpty()) ResultPrinter.print(out, mode, one.columns(), one.rows());
                out.printf("%d row%s changed%s%n", one.changes(), one.changes() == 1 ? "" : "s",
                        timer ? String.format(" (%.1f ms, bookmark %s)", (System.nanoTime() - start) / 1e6, r.bookmark()) : "");
            }
            out.flush();
            return true;
        } catch (CairnException e) {
            if ("interrupted".equals(e.code()) && Thread.interrupted()) { // Ctrl-C: back to the prompt
                out.println("interrupted: no longer waiting for it (a write may still be applied: read to see)");
                out.flush();
                return false;
            }
            out.println("error: " + TerminalText.safe(e.getMessage()));
            out.flush();
            return false;
        }
    }

    /** A dot-command; false to quit. */
    private boolean command(String line) {
        String[] words = line.split("\\s+");
        switch (words[0].toLowerCase(Locale.ROOT)) {
            case ".quit", ".exit" -> {
                return false;
            }
            case ".tables" -> refused += run("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                    + " AND name NOT LIKE '\\_cairn\\_%' ESCAPE '\\'" + (words.length > 1 ? " AND name LIKE '" + words[1].replace("'", "''") + "'" : "")
                    + " ORDER BY name") ? 0 : 1;
            case ".schema" -> {
                String where = words.length > 1 ? " AND tbl_name = '" + words[1].replace("'", "''") + "'" : "";
                ResultPrinter.Mode was = mode;
                try {
                    QueryResult r = session.query("SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                            + " AND tbl_name NOT LIKE '\\_cairn\\_%' ESCAPE '\\'" + where + " ORDER BY rowid");
                    for (List<Object> row : r.rows()) out.println(TerminalText.safeLines(String.valueOf(row.getFirst())));
                } catch (CairnException e) {
                    out.println("error: " + TerminalText.safe(e.getMessage()));
                    refused++;
                }
                mode = was;
            }
            case ".mode" -> {
                if (words.length < 2) {
                    out.println("mode " + mode.name().toLowerCase(Locale.ROOT));
                } else {
                    try {
                        mode = ResultPrinter.Mode.valueOf(words[1].toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        out.println("error: .mode table|csv|json");
                        refused++;
                    }
                }
            }
            case ".timer" -> {
                if (words.length > 1 && (words[1].equalsIgnoreCase("on") || words[1].equalsIgnoreCase("off"))) {
                    timer = words[1].equalsIgnoreCase("on");
                } else {
                    out.println("error: .timer on|off");
                    refused++;
                }
            }
            case ".help" -> out.println(String.join("\n", "SQL statements end with ';' and may span lines.", ".tables [pattern]  the tenant's tables and views (LIKE pattern)",
                    ".schema [table]    their CREATE statements", ".mode table|csv|json  how rows are printed", ".timer on|off      print how long each took",
                    ".quit              leave"));
            default -> {
                out.println("error: unknown command " + words[0] + " (.help lists them)");
                refused++;
            }
        }
        out.flush();
        return true;
    }
}
