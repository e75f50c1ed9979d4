package io.cairn.edge.read;

import io.cairn.topics.Bookmark;
import java.util.List;

/**
 * The rows one read returned, and the position of the tenant's copy the read saw. Values are null,
 * Long, Double, String or byte[].
 */
public record QueryResult(List<String> columns, List<List<Object>> rows, Bookmark position) {}
