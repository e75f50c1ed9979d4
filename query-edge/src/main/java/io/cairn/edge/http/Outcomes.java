package io.cairn.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.JsonValues;
import io.cairn.edge.write.CommandGateway.Submitted;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.StatementResult;
import java.util.List;
import java.util.Map;

/** Turns a command's outcome (or its absence) into the HTTP answer. */
final class Outcomes {
    private Outcomes() {}

    /** The outcome when it is a success; otherwise throws the error the client should see. */
    static CommandResult successOrThrow(Submitted s) {
        return successOrThrow(s, null);
    }

    /**
     * As {@link #successOrThrow(Submitted)}; a {@code conflict} names {@code bookmark} (the write's own position,
     * nothing of it applied): the point to read the tenant again from before retrying.
     */
    static CommandResult successOrThrow(Submitted s, io.cairn.topics.Bookmark bookmark) {
        if (s.timedOut()) throw writeTimeout(s.bookmark().toString());
        CommandResult r = s.outcome();
        if (r.getOk()) return r;
        CommandError e = r.getError();
        if (e == null) throw new IllegalStateException("failed outcome without an error for command " + r.getCommandId());
        // A code this edge does not know comes from a newer applier: say so rather than guess a status.
        ErrorCode code = ErrorCode.fromWire(e.getCode()).orElse(ErrorCode.INTERNAL);
        // A write whose outcome was lost (the applier stopped after applying it) names its own position, as a timeout does.
        if (code == ErrorCode.WRITE_TIMEOUT) throw new ApiError(code, e.getMessage(), null, Map.of("bookmark", s.bookmark().toString()));
        if (e.getSqliteCode() != null) throw new ApiError(code, e.getMessage(), e.getStatement(), Map.of("sqlite_code", e.getSqliteCode()));
        throw new ApiError(code, e.getMessage(), e.getStatement(),
                code == ErrorCode.CONFLICT && bookmark != null ? Map.of("bookmark", bookmark.toString()) : Map.of());
    }

    static ApiError writeTimeout(String bookmark) {
        // Writes, and admin requests too (a delete, a revoke, a snapshot): "the write" read wrong for them.
        return new ApiError(ErrorCode.WRITE_TIMEOUT, "the request is in the log and will be carried out, but its outcome did not"
                + " arrive in time (the tenant's earlier records may still be applying); read with bookmark " + bookmark
                + " to see it", null, Map.of("bookmark", bookmark));
    }

    /** {@code [{"changes","last_insert_rowid","columns"?,"rows"?}, ...]} */
    static ArrayNode results(List<StatementResult> results) {
        ArrayNode out = Responses.MAPPER.createArrayNode();
        for (StatementResult r : results) {
            ObjectNode o = out.addObject();
            o.put("changes", r.getChanges());
            o.put("last_insert_rowid", r.getLastInsertRowid());
            if (!r.getColumns().isEmpty()) {
                ArrayNode cols = o.putArray("columns");
                r.getColumns().forEach(c -> cols.add(c.toString()));
                ArrayNode rows = o.putArray("rows");
                for (List<Object> row : r.getRows()) {
                    ArrayNode jr = rows.addArray();
                    row.forEach(v -> jr.add(JsonValues.toJson(v)));
                }
            }
        }
        return out;
    }
}
