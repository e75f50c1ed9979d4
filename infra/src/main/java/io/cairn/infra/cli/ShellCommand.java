package io.cairn.infra.cli;

import io.cairn.client.Cairn;
import io.cairn.infra.shell.Profiles;
import io.cairn.infra.shell.SqlShell;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cairn shell --tenant acme}: an interactive SQL shell on one tenant (see {@link SqlShell}). Exit 0, or 1 when a statement failed. */
@Command(name = "shell", mixinStandardHelpOptions = true, description = "An interactive SQL shell on one tenant (history, multi-line, .tables, .schema, .mode).")
public final class ShellCommand implements Callable<Integer> {
    @Mixin ProfileOptions connection;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Profiles p = connection.resolve("shell", spec.commandLine().getErr());
        if (p == null) return 2;
        if (!io.cairn.infra.shell.TerminalText.stdoutIsTerminal()) return script(p);
        try (Cairn cairn = Cairn.builder().url(p.url()).token(p.dataSecret()).build();
             Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            String refused = refused(cairn.database(p.tenant()));
            if (refused != null) { // a prompt for a tenant that is not there (or a key it does not take) failed only at the first statement
                spec.commandLine().getErr().println("cairn shell: " + refused);
                return 1;
            }
            // Ctrl-C while a statement runs stops waiting for it and comes back to the prompt, as sqlite3 and psql do (it
            // ended the shell); at the prompt, the line reader handles it itself.
            Thread shell = Thread.currentThread();
            terminal.handle(Terminal.Signal.INT, signal -> shell.interrupt());
            LineReader reader = LineReaderBuilder.builder().terminal(terminal)
                    .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".cairn", "shell_history")).build();
            SqlShell.Lines lines = prompt -> {
                try {
                    return reader.readLine(prompt);
                } catch (EndOfFileException e) {
                    return null;
                } catch (UserInterruptException e) {
                    throw new SqlShell.Interrupted();
                }
            };
            return new SqlShell(cairn.database(p.tenant()), lines, terminal.writer()).run() == 0 ? 0 : 1;
        }
    }

    /** Why the shell cannot work on {@code db} (no such tenant, a key it does not take, no server); null when it can. */
    private static String refused(io.cairn.client.Database db) {
        try {
            db.query("SELECT 1");
            return null;
        } catch (io.cairn.client.CairnException e) {
            return "forbidden".equals(e.code()) ? null : io.cairn.infra.shell.TerminalText.safe(e.getMessage()); // a write-only key: writes work
        }
    }

    /**
     * Statements piped in ({@code cairn shell --tenant t < script.sql}), as sqlite3 runs them: no prompts, no
     * line editing, nothing added to the history; the same statements and dot-commands, results on stdout.
     */
    private int script(Profiles p) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        SqlShell.Lines lines = prompt -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try (Cairn cairn = Cairn.builder().url(p.url()).token(p.dataSecret()).build()) {
            return new SqlShell(cairn.database(p.tenant()), lines, new PrintWriter(System.out, true, StandardCharsets.UTF_8)).run() == 0 ? 0 : 1;
        }
    }
}
