package io.cairn.client;

import java.util.ArrayList;
import java.util.List;

/** A read's answer: its columns and rows, and the bookmark of the state they came from ({@code asOf}: the past point asked, if any). */
public record QueryResult(List<String> columns, List<List<Object>> rows, String bookmark, String asOf) {
    /** The rows with typed access. */
    public List<Row> list() {
        List<Row> out = new ArrayList<>(rows.size());
        for (List<Object> r : rows) out.add(new Row(columns, r));
        return out;
    }
}
