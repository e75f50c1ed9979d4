package io.cairn.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.edge.migrate.MigrationCatalog.Run;
import io.cairn.edge.migrate.MigrationCatalog.Version;
import io.cairn.edge.migrate.MigrationSql;
import io.cairn.edge.write.Commands;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RunStarted;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.VersionRegistered;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fleet migrations (admin only): migration sets of numbered versions registered on
 * {@code cairn.migrations} ({@code PUT /v1/migrations/{set}/versions/{n}}, listed with {@code GET}), and
 * runs that append one {@code ApplyMigration} per tenant to its own log ({@code POST
 * /v1/migrations/{set}/runs}), with their status read from the tenants' states ({@code GET
 * .../runs/{id}}).
 */
final class MigrationRoutes {
    /** Failures a run's status lists in full; the counts cover all. */
    static final int MAX_LISTED_FAILURES = 100;

    private final EdgeServices s;
    private final RequestBodies bodies;

    MigrationRoutes(EdgeServices services, RequestBodies bodies) {
        this.s = services;
        this.bodies = bodies;
    }

    /** {@code PUT /v1/migrations/{set}/versions/{n}}: 201 registered, 200 the same content again, 409 otherwise. */
    void putVersion(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        int version = versionParam(ctx);
        JsonNode body = bodies.object(ctx, false);
        List<String> statements = MigrationSql.fromRequest(body);
        MigrationSql.check(statements);
        String description = body.path("description").asText("");
        String checksum = MigrationSql.checksum(statements);
        MigrationCatalog catalog = requireCatalog();
        var existing = catalog.version(set, version);
        if (existing.isPresent()) {
            answerExisting(ctx, existing.get(), checksum);
            return;
        }
        if (version > 1 && catalog.version(set, version - 1).isEmpty()) {
            throw gap(set, version, catalog.latest(set));
        }
        s.requireLog();
        String requestId = UUID.randomUUID().toString();
        MigrationEvent event = MigrationEvent.newBuilder().setRequestId(requestId).setAtMs(System.currentTimeMillis())
                .setPayload(VersionRegistered.newBuilder().setSet(set).setVersion(version).setChecksum(checksum)
                        .setStatements(statements).setDescription(description).build()).build();
        Bookmark at = s.migrationLog().append("version/" + set + "/" + version + "/" + checksum, event, s.config().writeTimeout());
        if (!catalog.awaitConsumed(at.partition(), at.offset(), s.config().writeTimeout())) {
            throw new ApiError(ErrorCode.WRITE_TIMEOUT, "the registration is in the log but this edge has not read it back yet:"
                    + " GET /v1/migrations/" + set + " shows it once it has");
        }
        Version won = catalog.version(set, version).orElseThrow(() -> gap(set, version, catalog.latest(set)));
        if (!won.requestId().equals(requestId)) {
            answerExisting(ctx, won, checksum);
            return;
        }
        Responses.json(ctx, 201, versionJson(won, false).put("registered", true));
    }

    private static void answerExisting(Context ctx, Version existing, String checksum) {
        if (!existing.checksum().equals(checksum)) {
            throw new ApiError(ErrorCode.VERSION_CONFLICT, "version " + existing.version() + " of set '" + existing.set()
                    + "' is registered with other statements (checksum " + existing.checksum() + "); a registered version never"
                    + " changes: register the change as version " + (existing.version() + 1) + "+", null,
                    Map.of("checksum", existing.checksum()));
        }
        Responses.json(ctx, 200, versionJson(existing, false).put("registered", false));
    }

    private static ApiError gap(String set, int version, int latest) {
        return new ApiError(ErrorCode.VERSION_GAP, "set '" + set + "' has versions up to " + latest + ": register version "
                + (latest + 1) + " before " + version, null, Map.of("latest_version", Integer.toString(latest)));
    }

    /** {@code GET /v1/migrations}: every set with its latest version. */
    void listSets(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        MigrationCatalog catalog = requireCatalog();
        ObjectNode out = Responses.object();
        ArrayNode sets = out.putArray("sets");
        for (String set : catalog.sets()) {
            sets.addObject().put("set", set).put("latest_version", catalog.latest(set)).put("runs", catalog.runs(set).size());
        }
        Responses.json(ctx, 200, out);
    }

    /** {@code GET /v1/migrations/{set}}: the versions, with their statements, and the runs. */
    void getSet(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        MigrationCatalog catalog = requireCatalog();
        List<Version> versions = catalog.versions(set);
        if (versions.isEmpty()) throw new ApiError(ErrorCode.NOT_FOUND, "no migration set '" + set + "': register its version 1 first");
        ObjectNode out = Responses.object().put("set", set).put("latest_version", catalog.latest(set));
        ArrayNode arr = out.putArray("versions");
        for (Version v : versions) arr.add(versionJson(v, true));
        ArrayNode runs = out.putArray("runs");
        for (Run r : catalog.runs(set)) {
            runs.addObject().put("run_id", r.runId()).put("target_version", r.targetVersion()).put("tenants", r.tenants().size())
                    .put("started_at", Instant.ofEpochMilli(r.startedAtMs()).toString());
        }
        Responses.json(ctx, 200, out);
    }

    /**
     * {@code POST /v1/migrations/{set}/runs {"target_version": N, "tenants": [...] | "all"}}: one
     * ApplyMigration per tenant on its own log; 202 with the run's id once all are in the log.
     */
    void startRun(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        JsonNode body = bodies.object(ctx, false);
        MigrationCatalog catalog = requireCatalog();
        int latest = catalog.latest(set);
        if (latest == 0) throw new ApiError(ErrorCode.NOT_FOUND, "no migration set '" + set + "': register its version 1 first");
        int target = latest;
        if (body.has("target_version")) {
            JsonNode t = body.get("target_version");
            if (!t.canConvertToInt() || !t.isIntegralNumber() || t.asInt() < 1) {
                throw ApiError.invalidRequest("\"target_version\" must be a version number (1 or more)");
            }
            target = t.asInt();
            if (target > latest) {
                throw new ApiError(ErrorCode.NOT_FOUND, "set '" + set + "' has versions up to " + latest + ", not " + target);
            }
        }
        List<String> tenants = tenants(body.get("tenants"));
        s.requireLog();
        List<MigrationVersion> versions = new ArrayList<>();
        for (Version v : catalog.versions(set)) {
            if (v.version() <= target) {
                versions.add(MigrationVersion.newBuilder().setVersion(v.version()).setChecksum(v.checksum())
                        .setStatements(v.statements()).build());
            }
        }
        String runId = "run-" + Long.toString(System.currentTimeMillis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 8);
        MigrationEvent started = MigrationEvent.newBuilder().setRequestId(runId).setAtMs(System.currentTimeMillis())
                .setPayload(RunStarted.newBuilder().setRunId(runId).setSet(set).setTargetVersion(target).setTenants(tenants).build()).build();
        Bookmark at = s.migrationLog().append("run/" + runId, started, s.config().writeTimeout());
        int finalTarget = target;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Bookmark>> sent = new ArrayList<>(tenants.size());
            for (String tenant : tenants) {
                sent.add(senders.submit(() -> s.gateway().append(Commands.applyMigration(tenant, runId, set, finalTarget, versions),
                        s.config().writeTimeout())));
            }
            for (Future<Bookmark> f : sent) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        catalog.awaitConsumed(at.partition(), at.offset(), s.config().writeTimeout());
        ObjectNode out = Responses.object().put("run_id", runId).put("set", set).put("target_version", target)
                .put("tenants", tenants.size()).put("status", "/v1/migrations/" + set + "/runs/" + runId);
        Responses.json(ctx, 202, out);
    }

    /** The run's tenants: an explicit list (each must exist) or every tenant this edge knows. */
    private List<String> tenants(JsonNode given) {
        if (given == null || given.isNull()) throw ApiError.invalidRequest("\"tenants\" must be \"all\" or an array of tenant ids");
        if (given.isTextual() && given.asText().equals("all")) return s.directory().tenants();
        if (!given.isArray() || given.isEmpty()) throw ApiError.invalidRequest("\"tenants\" must be \"all\" or a non-empty array of tenant ids");
        LinkedHashSet<String> out = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (JsonNode t : given) {
            if (!t.isTextual() || !TenantId.isValid(t.asText())) throw new ApiError(ErrorCode.INVALID_TENANT, "\"tenants\" holds an invalid tenant id: " + t);
            if (s.directory().tenant(t.asText()).isEmpty()) unknown.add(t.asText());
            out.add(t.asText());
        }
        if (!unknown.isEmpty()) {
            throw new ApiError(ErrorCode.TENANT_NOT_FOUND, "no such tenant(s): " + String.join(", ", unknown.subList(0, Math.min(20, unknown.size())))
                    + (unknown.size() > 20 ? ", ..." : ""));
        }
        return List.copyOf(out);
    }

    /** {@code GET /v1/migrations/{set}/runs/{id}}: counts per state, and the failures. */
    void getRun(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        MigrationCatalog catalog = requireCatalog();
        Run run = catalog.run(ctx.pathParam("run")).filter(r -> r.set().equals(set))
                .orElseThrow(() -> new ApiError(ErrorCode.NOT_FOUND, "no run '" + ctx.pathParam("run") + "' of set '" + set + "'"));
        int applied = 0;
        int failed = 0;
        int pending = 0;
        int cold = 0;
        int deleted = 0;
        ObjectNode out = Responses.object();
        ArrayNode failures = Responses.object().arrayNode();
        for (String tenant : run.tenants()) {
            TenantState st = s.directory().tenant(tenant).orElse(null);
            if (st == null) {
                deleted++;
                continue;
            }
            SetVersion sv = st.getMigrations().stream().filter(m -> m.getSet().equals(set)).findFirst().orElse(null);
            if (sv != null && sv.getVersion() >= run.targetVersion()) {
                applied++;
            } else if (sv != null && run.runId().equals(sv.getRunId()) && sv.getFailedVersion() != null) {
                failed++;
                if (failures.size() < MAX_LISTED_FAILURES) {
                    failures.addObject().put("tenant", tenant).put("version", sv.getVersion()).put("failed_version", sv.getFailedVersion())
                            .put("code", sv.getErrorCode()).put("error", sv.getError());
                }
            } else if (st.getTier() == Tier.COLD) {
                cold++;
            } else {
                pending++;
            }
        }
        out.put("run_id", run.runId()).put("set", set).put("target_version", run.targetVersion())
                .put("started_at", Instant.ofEpochMilli(run.startedAtMs()).toString()).put("tenants", run.tenants().size())
                .put("applied", applied).put("failed", failed).put("pending", pending).put("waiting_for_cold", cold)
                .put("deleted", deleted).put("done", pending == 0).put("complete", pending == 0 && cold == 0);
        out.set("failures", failures);
        Responses.json(ctx, 200, out);
    }

    private static ObjectNode versionJson(Version v, boolean withStatements) {
        ObjectNode o = Responses.object().put("set", v.set()).put("version", v.version()).put("checksum", v.checksum())
                .put("description", v.description()).put("registered_at", Instant.ofEpochMilli(v.registeredAtMs()).toString());
        if (withStatements) {
            ArrayNode st = o.putArray("statements");
            v.statements().forEach(st::add);
        }
        return o;
    }

    private MigrationCatalog requireCatalog() {
        if (!s.migrationsReady().getAsBoolean()) throw ApiError.unavailable("the edge is still reading cairn.migrations; retry shortly");
        return s.migrations();
    }

    /** A set's name follows the tenant id's rule. */
    private static String setParam(Context ctx) {
        String set = ctx.pathParam("set");
        if (!TenantId.isValid(set)) throw ApiError.invalidRequest("a migration set's name must match ^[a-z0-9][a-z0-9_-]{0,62}$");
        return set;
    }

    private static int versionParam(Context ctx) {
        try {
            int v = Integer.parseInt(ctx.pathParam("version"));
            if (v >= 1) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiError.invalidRequest("a version is a whole number from 1");
    }
}
