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
        io.cairn.infra.runtime.SqliteNativeLibrary.copyIntoScratchSpace(); // before any SQLite connection
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line, with configuration errors reported as one line (exit code 2), never a stack trace,
     * and no secret repeated when the arguments are refused ({@link SecretArguments}).
     */
    static CommandLine commandLine() {
        return new CommandLine(new CairnCommand()).setParameterExceptionHandler(SecretArguments::handle).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                cmd.getErr().println("cairn: " + e.getMessage());
                return 2;
            }
            // A command whose 1 means something else (migrate: a tenant failed) names its own code, so a script can tell them apart.
            int notReached = cmd.getCommandSpec().userObject() instanceof NotReachedExit own ? own.notReachedExit() : 1;
            String said = cmd.getCommandSpec().qualifiedName(" "); // "cairn tenants ls", as typed
            String unreachable = unreachable(e);
            if (unreachable != null) {
                cmd.getErr().println(unreachableLine(said, unreachable));
                return notReached;
            }
            if (causedBy(e, java.net.http.HttpTimeoutException.class)) {
                cmd.getErr().println(said + ": Cairn did not answer in the time this command waits;"
                        + " what it asked may still be done: look before trying again");
                return notReached;
            }
            java.nio.file.FileSystemException file = fileProblem(e);
            if (file != null) {
                cmd.getErr().println(said + ": " + describe(file));
                return 2;
            }
            if (causedBy(e, org.apache.kafka.common.errors.TimeoutException.class)) {
                cmd.getErr().println(said + ": Kafka did not answer in time: is it running, and is --bootstrap"
                        + " (or the configuration's bootstrap servers) its address?");
                return 1;
            }
            io.cairn.streams.apply.LogBehindFilesException behind = causeOf(e, io.cairn.streams.apply.LogBehindFilesException.class);
            if (behind != null) { // an operator's choice to make, in one paragraph, not a stack trace
                cmd.getErr().println(said + ": " + behind.getMessage());
                return 1;
            }
            if (e instanceof IllegalArgumentException) { // a value the command cannot use (a duration, a target folder): its own words
                cmd.getErr().println(said + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
    }

    /** The one line every command prints when Cairn's HTTP API cannot be reached ({@code why}: "connection refused", ...). */
    static String unreachableLine(String command, String why) {
        return command + ": cannot reach Cairn's HTTP API (" + why + "): is it running, and is --url (or CAIRN_URL) its address?";
    }

    /** Why the API could not be reached (unknown host, no connection or answer in time, refused); null for anything else. */
    static String unreachable(Throwable e) {
        if (causedBy(e, java.nio.channels.UnresolvedAddressException.class) || causedBy(e, java.net.UnknownHostException.class)) return "unknown host";
        if (causedBy(e, java.net.http.HttpConnectTimeoutException.class)) return "no connection in time";
        if (causedBy(e, java.net.ConnectException.class)) return "connection refused";
        return null;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        return causeOf(e, type) != null;
    }

    /** {@code e} or its first cause of {@code type}; null when none is. */
    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    /** A local file or folder the command was told to use and cannot (missing, not allowed, ...); null for anything else. */
    private static java.nio.file.FileSystemException fileProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.file.FileSystemException f) return f;
        }
        return null;
    }

    private static String describe(java.nio.file.FileSystemException e) {
        String what = switch (e) {
            case java.nio.file.NoSuchFileException x -> "no such file or folder";
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.file.FileAlreadyExistsException x when e.getFile() != null
                    && java.nio.file.Files.exists(java.nio.file.Path.of(e.getFile()))
                    && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(e.getFile())) -> "a file is there, where a folder is needed";
            case java.nio.file.FileAlreadyExistsException x -> "already exists";
            case java.nio.file.NotDirectoryException x -> "not a folder";
            default -> e.getReason() == null ? "cannot be used" : e.getReason();
        };
        return what + ": " + e.getFile() + (e.getOtherFile() == null ? "" : " (" + e.getOtherFile() + ")");
    }
}
