package io.cairn.infra.shell;

import java.io.Console;

/**
 * Text that came from a server, and so possibly from a tenant's data, made safe to print on a terminal.
 * A value holding ESC starts a terminal escape sequence: it can recolour or clear the screen, retitle the
 * window, or hide what follows from the operator reading it. Control characters are shown the way
 * {@code sqlite3 --escape ascii} shows them: C0 as caret notation ({@code ^[} for ESC, {@code ^M} for a
 * carriage return), DEL as {@code ^?}, and the C1 range (U+0080 to U+009F, where U+009B is an 8-bit CSI)
 * as backslash-u and four hex digits. Everything else, other scripts and emoji included, is left alone.
 */
public final class TerminalText {
    private TerminalText() {}

    /** One line of text: every control character escaped, line breaks and tabs too. */
    public static String safe(String s) {
        return escape(s, false);
    }

    /** Text whose lines and tabs are meant (a CREATE statement, a CSV cell): those stay, other controls are escaped. */
    public static String safeLines(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean keepLines) {
        if (s == null) return null;
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String shown = shown(c, keepLines);
            if (shown == null) {
                if (b != null) b.append(c);
                continue;
            }
            if (b == null) b = new StringBuilder(s.length() + 16).append(s, 0, i);
            b.append(shown);
        }
        return b == null ? s : b.toString();
    }

    private static String shown(char c, boolean keepLines) {
        if (keepLines && (c == '\n' || c == '\t')) return null;
        if (c < 0x20) return "^" + (char) (c + 0x40);
        if (c == 0x7f) return "^?";
        if (c >= 0x80 && c < 0xa0) return String.format("\\u%04x", (int) c);
        return null;
    }

    /**
     * Whether this process writes to a terminal (so data printed is read by a person, not a program).
     * Before JDK 22 a console exists only for a terminal; from 22 on it always exists and says so itself.
     */
    public static boolean stdoutIsTerminal() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
