package io.cairn.infra.shell;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Prints a result's rows as an aligned table, CSV (RFC 4180) or JSON (one object per row). Values are a
 * tenant's data, so none reaches a terminal as a control sequence ({@link TerminalText}): the table, read
 * by a person, always shows them escaped; CSV is data and keeps every character unless it goes to a
 * terminal; JSON escapes them as JSON does (ESC as backslash-u001b), DEL and U+0080 to U+009F included.
 */
public final class ResultPrinter {
    public enum Mode { TABLE, CSV, JSON }

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setCharacterEscapes(new ControlEscapes());
    }

    private ResultPrinter() {}

    /** Prints for a person at a terminal: CSV cells escaped too. */
    public static void print(PrintWriter out, Mode mode, List<String> columns, List<List<Object>> rows) {
        print(out, mode, columns, rows, true);
    }

    /** {@code terminal}: whether {@code out} is read on a terminal (CSV is then escaped; else it keeps every character). */
    public static void print(PrintWriter out, Mode mode, List<String> columns, List<List<Object>> rows, boolean terminal) {
        switch (mode) {
            case TABLE -> table(out, columns, rows);
            case CSV -> csv(out, columns, rows, terminal);
            case JSON -> json(out, columns, rows);
        }
        out.flush();
    }

    private static void table(PrintWriter out, List<String> columns, List<List<Object>> rows) {
        if (columns.isEmpty()) return;
        int[] width = new int[columns.size()];
        List<List<String>> cells = new ArrayList<>();
        List<String> titles = columns.stream().map(TerminalText::safe).toList();
        for (int i = 0; i < titles.size(); i++) width[i] = titles.get(i).length();
        for (List<Object> r : rows) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                String s = text(r.get(i));
                width[i] = Math.max(width[i], s.length());
                line.add(s);
            }
            cells.add(line);
        }
        StringBuilder rule = new StringBuilder("+");
        for (int w : width) rule.append("-".repeat(w + 2)).append('+');
        out.println(rule);
        out.println(line(titles, width));
        out.println(rule);
        for (List<String> line : cells) out.println(line(line, width));
        out.println(rule);
    }

    private static String line(List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < cells.size(); i++) b.append(' ').append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length())).append(" |");
        return b.toString();
    }

    private static String text(Object v) {
        if (v == null) return "NULL";
        if (v instanceof byte[] b) return "x'" + HexFormat.of().formatHex(b) + "'";
        return TerminalText.safe(v.toString());
    }

    private static void csv(PrintWriter out, List<String> columns, List<List<Object>> rows, boolean terminal) {
        out.println(String.join(",", columns.stream().map(c -> csvCell(c, terminal)).toList()));
        for (List<Object> r : rows) {
            out.println(String.join(",", r.stream().map(v -> v == null ? "" : csvCell(v instanceof byte[] b ? Base64.getEncoder().encodeToString(b)
                    : v.toString(), terminal)).toList()));
        }
    }

    private static String csvCell(String value, boolean terminal) {
        String s = terminal ? TerminalText.safeLines(value) : value;
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static void json(PrintWriter out, List<String> columns, List<List<Object>> rows) {
        for (List<Object> r : rows) {
            ObjectNode o = JSON.createObjectNode();
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.get(i);
                if (v instanceof byte[] b) o.putObject(columns.get(i)).put("base64", Base64.getEncoder().encodeToString(b));
                else o.set(columns.get(i), JSON.valueToTree(v));
            }
            try {
                out.println(JSON.writeValueAsString(o));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** JSON's own escapes, plus DEL and the C1 controls, which JSON allows raw but a terminal may act on. */
    private static final class ControlEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        ControlEscapes() {
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch >= 0x80 && ch < 0xa0 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
