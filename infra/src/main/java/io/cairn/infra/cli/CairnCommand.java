package io.cairn.infra.cli;

import io.cairn.infra.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn}: the launcher's Java side. Each subcommand is one way to run Cairn. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "One isolated SQLite database per tenant, event-sourced on Kafka.",
        footer = {"", "Also, from the launcher: ./cairn test, ./cairn bench [--quick], ./cairn cdk synth [--out DIR] [-c key=value] (docs/deploy.md)."},
        subcommands = {DevCommand.class, ServeCommand.class, RebuildCommand.class, MigrateCommand.class, RestoreCommand.class,
                ForkCommand.class, ExportCommand.class, ImportCommand.class, ShellCommand.class, SqlCommand.class, TenantsCommand.class,
                KeysCommand.class, PromoteCommand.class})
public final class CairnCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        io.cairn.edge.VirtualThreadCarriers.configure(); // before any virtual thread exists
        System.exit(commandLine().execute(args));
    }

    /** The command line, with configuration errors reported as one line (exit code 2), never a stack trace. */
    static CommandLine commandLine() {
        return new CommandLine(new CairnCommand()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                cmd.getErr().println("cairn: " + e.getMessage());
                return 2;
            }
            throw e;
        });
    }
}
