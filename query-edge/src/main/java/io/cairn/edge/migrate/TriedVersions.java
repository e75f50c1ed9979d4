package io.cairn.edge.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.JsonFields;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.MigrationVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Versions a dry run tries without registering them ({@code "versions"} of a dry run's request): a registered
 * version never changes, so a dry run that registered what it tried (as {@code cairn migrate --dry-run --dir}
 * did) left a version found broken in the set for good, and its fix had to become the next version. Each is
 * {@code {"version", "sql"|"statements"|"operations", "description"?}}, checked as a registration is; one
 * already registered must be the same (else {@code version_conflict}) and is tried as registered; the others
 * continue the set's versions without a gap.
 */
public final class TriedVersions {
    private static final Set<String> FIELDS = Set.of("version", "sql", "statements", "operations", "description");

    private TriedVersions() {}

    /** The versions given that are not registered, in order, after the set's {@code latest}; empty for none given. */
    public static List<MigrationVersion> parse(JsonNode given, MigrationCatalog catalog, String set) {
        if (given == null) return List.of();
        if (!given.isArray() || given.isEmpty()) throw ApiError.invalidRequest("\"versions\" must be a non-empty array of versions");
        List<MigrationVersion> tried = new ArrayList<>();
        int next = catalog.latest(set) + 1;
        for (int i = 0; i < given.size(); i++) {
            JsonNode v = given.get(i);
            String where = "versions[" + i + "]";
            if (!v.isObject()) throw ApiError.invalidRequest(where + " must be an object with \"version\" and its statements");
            JsonFields.only(v, where + ".", FIELDS);
            if (!v.path("version").canConvertToInt() || !v.path("version").isIntegralNumber() || v.path("version").asInt() < 1) {
                throw new ApiError(ErrorCode.INVALID_REQUEST, where + ".version must be a whole number from 1", null, Map.of("field", where + ".version"));
            }
            int number = v.get("version").asInt();
            ObjectNode body = ((ObjectNode) v).deepCopy();
            body.remove("version");
            List<String> statements = MigrationSql.fromRequest(body);
            MigrationSql.check(statements);
            String checksum = MigrationSql.checksum(statements);
            var registered = catalog.version(set, number);
            if (registered.isPresent()) {
                if (!MigrationSql.same(registered.get(), statements)) {
                    throw new ApiError(ErrorCode.VERSION_CONFLICT, "version " + number + " of set '" + set + "' is registered with other"
                            + " statements (checksum " + registered.get().checksum() + "); a registered version never changes: try the"
                            + " change as version " + (catalog.latest(set) + 1) + "+", null, Map.of("checksum", registered.get().checksum()));
                }
                continue;
            }
            if (number != next) {
                throw new ApiError(ErrorCode.VERSION_GAP, "set '" + set + "' has versions up to " + (next - 1) + ": the versions tried next"
                        + " start at " + next + ", without gaps, not at " + number, null, Map.of("latest_version", next - 1));
            }
            tried.add(MigrationVersion.newBuilder().setVersion(number).setChecksum(checksum).setStatements(statements).build());
            next++;
        }
        return tried;
    }
}
