package io.cairn.infra.cli;

import java.io.PrintStream;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The tenant a command acts on, named either way: {@code cairn tenants create acme} or, as every other command
 * names it ({@code cairn sql --tenant acme}), {@code cairn tenants create --tenant acme}.
 */
final class TenantName {
    @Parameters(index = "0", arity = "0..1", paramLabel = "<tenant>", description = "The tenant id (or --tenant).")
    String positional;

    @Option(names = "--tenant", paramLabel = "<tenant>", description = "The tenant id.")
    String option;

    /** The tenant named, or null after saying on {@code err} what is wrong (none named, or two different ones). */
    String resolve(String command, PrintStream err) {
        if (positional != null && option != null && !positional.equals(option)) {
            err.println("cairn " + command + ": two tenants named ('" + positional + "' and --tenant '" + option + "'): name one");
            return null;
        }
        String tenant = option != null ? option : positional;
        if (tenant == null) err.println("cairn " + command + ": name the tenant: cairn " + command + " <tenant> (or --tenant <tenant>)");
        return tenant;
    }
}
