package io.cairn.infra.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn}: the launcher's Java side. Each subcommand is one way to run Cairn. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "One isolated SQLite database per tenant, event-sourced on Kafka.",
        subcommands = {DevCommand.class, ServeCommand.class, RebuildCommand.class})
public final class CairnCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CairnCommand()).execute(args));
    }
}
