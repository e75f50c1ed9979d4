package io.cairn.infra.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Keeps secrets given on the command line (an admin token, an API key) out of what a refused command line
 * prints. picocli repeats the arguments it could not match ({@code Unmatched arguments: 'statuss',
 * '--token', 'cairn_admin_...'}), and such output ends up in shared terminals, CI logs and tickets.
 */
final class SecretArguments {
    static final String HIDDEN = "<redacted>";
    /** Cairn's own secrets: admin tokens ({@code cairn_admin_...}) and API keys ({@code cairn_<key id>_...}). */
    private static final Pattern CAIRN_SECRET = Pattern.compile("cairn_(admin|[0-9a-f]{16})_[A-Za-z0-9_-]{16,}");

    private SecretArguments() {}

    /**
     * {@code message} without the values of options named like secrets (--token, --key, ...) or unknown to
     * {@code spec} (a misspelled {@code --tokn}: its value may be anything), nor anything shaped like a Cairn key.
     */
    static String redact(String message, String[] args, CommandLine.Model.CommandSpec spec) {
        if (message == null) return null;
        String out = message;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            if (a.startsWith("-") && eq > 0) {
                if (mayBeSecret(a.substring(0, eq), spec)) out = hide(out, a.substring(eq + 1));
            } else if (i > 0 && args[i - 1].startsWith("-") && args[i - 1].indexOf('=') < 0 && mayBeSecret(args[i - 1], spec)) {
                out = hide(out, a);
            }
        }
        return CAIRN_SECRET.matcher(out).replaceAll(HIDDEN);
    }

    /** picocli's parameter exception handler, with {@link #redact}: the message, then suggestions or the usage; exit 2. */
    static int handle(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String variable = fromEnvironment(ex, args);
        if (variable != null) {
            // The value came from the environment, not the command line: name the variable, not the usage.
            err.println(redact(ex.getMessage(), args, cmd.getCommandSpec()) + ", taken from the environment variable " + variable
                    + ": fix it or unset it");
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        }
        err.println(redact(ex.getMessage(), args, cmd.getCommandSpec()));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) cmd.usage(err);
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * The environment variable an option's refused value came from ({@code CAIRN_HTTP_PORT} for {@code --port}
     * when its default is {@code ${env:CAIRN_HTTP_PORT:-8080}}), or null when the option was on the command line.
     */
    static String fromEnvironment(CommandLine.ParameterException ex, String[] args) {
        if (!(ex.getArgSpec() instanceof CommandLine.Model.OptionSpec option) || option.defaultValueString(false) == null) return null;
        java.util.regex.Matcher env = ENV_DEFAULT.matcher(option.defaultValueString(false));
        if (!env.find()) return null; // off the command line, an option takes its default, valid unless its variable was set
        for (String a : args) {
            for (String name : option.names()) {
                if (a.equals(name) || a.startsWith(name + "=")) return null;
            }
        }
        return env.group(1);
    }

    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)");

    private static boolean mayBeSecret(String option, CommandLine.Model.CommandSpec spec) {
        if (spec.findOption(option) == null) return true;
        String n = option.toLowerCase(Locale.ROOT);
        return n.contains("token") || n.contains("key") || n.contains("secret") || n.contains("password");
    }

    private static String hide(String message, String secret) {
        return secret.length() < 4 ? message : message.replace(secret, HIDDEN);
    }
}
