package io.cairn.bench.report;

import java.util.Locale;

/** Numbers as the table shows them: three significant digits for small values, grouped thousands for large. */
final class Format {
    private Format() {}

    static String number(double v) {
        if (Double.isNaN(v)) return "n/a";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 1) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String ratio(Double r) {
        if (r == null) return "";
        return String.format(Locale.ROOT, r >= 10 ? "%.0f×" : "%.2f×", r);
    }
}
