package io.cairn.infra.shell;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/** Prints a result's rows as an aligned table, CSV (RFC 4180) or JSON (one object per row). */
public final class ResultPrinter {
    public enum Mode { TABLE, CSV, JSON }

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultPrinter() {}

    public static void print(PrintWriter out, Mode mode, List<String> columns, List<List<Object>> rows) {
        switch (mode) {
            case TABLE -> table(out, columns, rows);
            case CSV -> csv(out, columns, rows);
            case JSON -> json(out, columns, rows);
        }
        out.flush();
    }

    private static void table(PrintWriter out, List<String> columns, List<List<Object>> rows) {
        if (columns.isEmpty()) return;
        int[] width = new int[columns.size()];
        List<List<String>> cells = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) width[i] = columns.get(i).length();
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
        out.println(line(columns, width));
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
        return v.toString();
    }

    private static void csv(PrintWriter out, List<String> columns, List<List<Object>> rows) {
        out.println(String.join(",", columns.stream().map(ResultPrinter::csvCell).toList()));
        for (List<Object> r : rows) {
            out.println(String.join(",", r.stream().map(v -> v == null ? "" : csvCell(v instanceof byte[] b ? Base64.getEncoder().encodeToString(b)
                    : v.toString())).toList()));
        }
    }

    private static String csvCell(String s) {
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
            out.println(o);
        }
    }
}
