package io.cairn.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.JsonFields;
import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.edge.migrate.MigrationCatalog.Run;
import io.cairn.edge.migrate.MigrationCatalog.Version;
import io.cairn.edge.migrate.MigrationSql;
import io.cairn.edge.migrate.RunStatus;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.Commands;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RunStarted;
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
    /** The fields of a run's request ({@code POST /v1/migrations/{set}/runs}). */
    private static final java.util.Set<String> RUN_FIELDS = java.util.Set.of("target_version", "tenants", "canary", "wave_size", "versions",
            "max_failure_rate", "dry_run", "sample");

    private final EdgeServices s;
    private final RequestBodies bodies;

    MigrationRoutes(EdgeServices services, RequestBodies bodies) {
        this.s = services;
        this.bodies = bodies;
    }

    /**
     * {@code PUT /v1/migrations/{set}/versions/{n}}: 201 registered, 200 the same content again (or, with {@code "replace":
     * true}, replaced while no tenant has it: {@link io.cairn.edge.migrate.VersionReplacement}), 409 otherwise.
     */
    void putVersion(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        int version = versionParam(ctx);
        JsonNode body = bodies.object(ctx, false);
        List<String> statements = MigrationSql.fromRequest(body);
        MigrationSql.check(statements);
        if (body.has("description") && !body.get("description").isTextual()) {
            throw new ApiError(ErrorCode.INVALID_REQUEST, "\"description\" must be a string", null, Map.of("field", "description"));
        }
        String description = body.path("description").asText("");
        boolean replace = io.cairn.edge.json.JsonFlags.flag(body.get("replace"), "replace");
        String checksum = MigrationSql.checksum(statements);
        MigrationCatalog catalog = requireCatalog();
        var existing = catalog.version(set, version);
        String replaces = null;
        if (existing.isPresent() && (!replace || (MigrationSql.same(existing.get(), statements)
                && (!body.has("description") || description.equals(existing.get().description()))))) {
            answerExisting(ctx, existing.get(), statements, body.has("description") ? description : null, catalog.latest(set));
            return;
        } else if (existing.isPresent()) {
            io.cairn.edge.migrate.VersionReplacement.requireReplaceable(existing.get(), catalog, s.directory());
            refuseCertainFailure(set, version, catalog.versions(set).subList(0, version - 1), statements, "nothing was replaced");
            replaces = existing.get().checksum();
            if (!body.has("description")) description = existing.get().description(); // a replacement keeps the description it is not given
        } else if (version > 1 && catalog.version(set, version - 1).isEmpty()) {
            throw gap(set, version, catalog.latest(set));
        } else {
            refuseCertainFailure(set, version, catalog.versions(set), statements, "nothing was registered");
        }
        s.requireLog();
        String requestId = UUID.randomUUID().toString();
        MigrationEvent event = MigrationEvent.newBuilder().setRequestId(requestId).setAtMs(System.currentTimeMillis())
                .setPayload(VersionRegistered.newBuilder().setSet(set).setVersion(version).setChecksum(checksum)
                        .setStatements(statements).setDescription(description).setReplaces(replaces).build()).build();
        Bookmark at = s.migrationLog().append("version/" + set + "/" + version + "/" + checksum, event, s.config().writeTimeout());
        if (!catalog.awaitConsumed(at.partition(), at.offset(), s.config().writeTimeout())) {
            throw new ApiError(ErrorCode.WRITE_TIMEOUT, "the registration is in the log but this edge has not read it back yet:"
                    + " GET /v1/migrations/" + set + " shows it once it has");
        }
        Version won = catalog.version(set, version).orElseThrow(() -> gap(set, version, catalog.latest(set)));
        if (!won.requestId().equals(requestId)) {
            answerExisting(ctx, won, statements, body.has("description") ? description : null, catalog.latest(set));
            return;
        }
        if (replaces != null) Responses.json(ctx, 200, versionJson(won, false).put("registered", true).put("replaced", replaces));
        else Responses.json(ctx, 201, versionJson(won, false).put("registered", true));
    }

    /**
     * A version that fails on what the set's earlier versions build (a column added twice, a table made again) would fail
     * on every tenant at the version before it, at its run or, for a cold tenant, at a customer's write that thaws it, and
     * every tenant made from the set's template after it: registered, it could never be taken back. Refused, with nothing
     * registered (an outside probe registered such a version while every tenant was cold: the run reported no failure).
     */
    private static void refuseCertainFailure(String set, int version, List<Version> earlier, List<String> statements, String outcome) {
        var failure = io.cairn.edge.migrate.ExpectedSchemas.certainFailure(earlier, statements).orElse(null);
        if (failure == null) return;
        String built = version == 1 ? "an empty database" : "what versions 1 to " + (version - 1) + " build on an empty database";
        throw new ApiError(ErrorCode.SQL_ERROR, "version " + version + " of set '" + set + "', statement " + (failure.statement() + 1)
                + " (index " + failure.statement() + "), fails on " + built + ": " + failure.message() + ". It would fail on every tenant at version " + (version - 1)
                + " and in the set's template; " + outcome, null,
                Map.of("statement", failure.statement(), "version", version));
    }

    /**
     * The version is registered already: 200 when this is the same content again, else 409 (its statements, or a
     * {@code description} given and different: a version never changes, as with Flyway, rather than keep one silently).
     */
    private static void answerExisting(Context ctx, Version existing, List<String> statements, String description, int latest) {
        String where = "version " + existing.version() + " of set '" + existing.set() + "'";
        if (!io.cairn.edge.migrate.MigrationSql.same(existing, statements)) {
            throw new ApiError(ErrorCode.VERSION_CONFLICT, where + " is registered with other statements (checksum " + existing.checksum()
                    + "); a registered version never changes once a tenant may have it: register the change as version " + (latest + 1)
                    + " (or, while no tenant has it, send \"replace\": true)", null,
                    Map.of("checksum", existing.checksum()));
        }
        if (description != null && !description.equals(existing.description())) {
            throw new ApiError(ErrorCode.VERSION_CONFLICT, where + " is registered with the description \"" + existing.description()
                    + "\"; a registered version never changes: send that description, or none", null,
                    Map.of("checksum", existing.checksum(), "field", "description"));
        }
        Responses.json(ctx, 200, versionJson(existing, false).put("registered", false));
    }

    private static ApiError gap(String set, int version, int latest) {
        return new ApiError(ErrorCode.VERSION_GAP, "set '" + set + "' has versions up to " + latest + ": register version "
                + (latest + 1) + " before " + version, null, Map.of("latest_version", latest));
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
        addRuns(out, set);
        Responses.json(ctx, 200, out);
    }

    /**
     * {@code GET /v1/migrations/{set}/runs}: the set's runs, oldest first, each with the counts of its status
     * ({@code GET .../runs/{id}}, which also lists the failures) and where that status is.
     */
    void listRuns(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        MigrationCatalog catalog = requireCatalog();
        if (catalog.versions(set).isEmpty()) throw new ApiError(ErrorCode.NOT_FOUND, "no migration set '" + set + "': register its version 1 first");
        ObjectNode out = Responses.object().put("set", set);
        ArrayNode runs = out.putArray("runs");
        for (Run r : catalog.runs(set)) {
            ObjectNode run = statusJson(r);
            run.remove("failures");
            runs.add(run.put("status", "/v1/migrations/" + set + "/runs/" + r.runId()));
        }
        Responses.json(ctx, 200, out);
    }

    private void addRuns(ObjectNode out, String set) {
        ArrayNode runs = out.putArray("runs");
        for (Run r : requireCatalog().runs(set)) {
            runs.addObject().put("run_id", r.runId()).put("target_version", r.targetVersion()).put("tenants", r.tenants().size())
                    .put("started_at", Instant.ofEpochMilli(r.startedAtMs()).toString());
        }
    }

    /**
     * {@code POST /v1/migrations/{set}/runs {"target_version": N, "tenants": [...] | "all", "canary": k,
     * "wave_size": w, "max_failure_rate": r, "dry_run": bool, "sample": s}}: records the run, sends its first
     * wave (all tenants unless a canary or wave size says otherwise), answers 202, and drives the
     * remaining waves in the background. A dry run sends its versions to a sample of hot tenants, which
     * run and roll them back, and answers 200 with what would fail: no run is recorded, nothing changes.
     */
    void startRun(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        JsonNode body = bodies.object(ctx, false);
        JsonFields.only(body, "", RUN_FIELDS);
        MigrationCatalog catalog = requireCatalog();
        boolean dry = io.cairn.edge.json.JsonFlags.flag(body.get("dry_run"), "dry_run");
        if (body.has("versions") && !dry) {
            throw new ApiError(ErrorCode.INVALID_REQUEST, "\"versions\" are tried only in a dry run (\"dry_run\": true); register them"
                    + " (PUT /v1/migrations/" + set + "/versions/{n}) to run them", null, Map.of("field", "versions"));
        }
        List<MigrationVersion> tried = io.cairn.edge.migrate.TriedVersions.parse(body.get("versions"), catalog, set);
        List<Version> before = new ArrayList<>(catalog.versions(set));
        for (MigrationVersion v : tried) { // each on what the registered ones and the tried ones before it build
            refuseCertainFailure(set, v.getVersion(), before, v.getStatements(), "registering it would be refused; nothing was tried");
            before.add(new Version(set, v.getVersion(), v.getChecksum(), v.getStatements(), "", 0, ""));
        }
        int latest = tried.isEmpty() ? catalog.latest(set) : tried.getLast().getVersion();
        if (latest == 0) throw new ApiError(ErrorCode.NOT_FOUND, "no migration set '" + set + "': register its version 1 first");
        int target = body.has("target_version") ? integer(body, "target_version", 1, Integer.MAX_VALUE) : latest;
        if (target > latest) throw new ApiError(ErrorCode.NOT_FOUND, "set '" + set + "' has versions up to " + latest + ", not " + target);
        List<String> tenants = tenants(body.get("tenants"));
        int canary = body.has("canary") ? integer(body, "canary", 0, Integer.MAX_VALUE) : 0;
        if (canary > 0) {
            tenants = io.cairn.edge.migrate.CanaryOrder.hotFirst(tenants,
                    t -> s.directory().tenant(t).map(st -> st.getTier() == Tier.COLD).orElse(false));
        }
        int waveSize = body.has("wave_size") ? integer(body, "wave_size", 0, Integer.MAX_VALUE) : 0;
        double maxFailureRate = 1.0;
        if (body.has("max_failure_rate")) {
            JsonNode r = body.get("max_failure_rate");
            if (!r.isNumber() || r.asDouble() < 0 || r.asDouble() > 1) throw ApiError.invalidRequest("\"max_failure_rate\" must be a number from 0 to 1");
            maxFailureRate = r.asDouble();
        }
        s.requireLog();
        if (dry) {
            dryRun(ctx, set, target, tried, tenants, body.has("sample") ? integer(body, "sample", 1, MAX_DRY_RUN_SAMPLE) : DEFAULT_DRY_RUN_SAMPLE);
            return;
        }
        String runId = "run-" + Long.toString(System.currentTimeMillis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 8);
        MigrationEvent started = MigrationEvent.newBuilder().setRequestId(runId).setAtMs(System.currentTimeMillis())
                .setPayload(RunStarted.newBuilder().setRunId(runId).setSet(set).setTargetVersion(target).setTenants(tenants)
                        .setCanary(canary).setWaveSize(waveSize).setMaxFailureRate(maxFailureRate).build()).build();
        Bookmark at = s.migrationLog().append("run/" + runId, started, s.config().writeTimeout());
        if (!catalog.awaitConsumed(at.partition(), at.offset(), s.config().writeTimeout())) {
            throw new ApiError(ErrorCode.WRITE_TIMEOUT, "the run " + runId + " is recorded but this edge has not read it back yet; resume it");
        }
        s.runDriver().sendNextWave(runId);
        s.runDriver().drive(runId);
        Run run = catalog.run(runId).orElseThrow();
        ObjectNode out = statusJson(run).put("status", "/v1/migrations/" + set + "/runs/" + runId);
        Responses.json(ctx, 202, out);
    }

    static final int DEFAULT_DRY_RUN_SAMPLE = 20;
    static final int MAX_DRY_RUN_SAMPLE = 1_000;

    /** Runs the versions on up to {@code sample} hot tenants of the list, drawn at random, and rolls them back; answers what would fail. */
    private void dryRun(Context ctx, String set, int target, List<MigrationVersion> tried, List<String> tenants, int sample)
            throws InterruptedException {
        List<MigrationVersion> versions = new ArrayList<>(requireCatalog().upTo(set, target));
        for (MigrationVersion v : tried) if (v.getVersion() <= target) versions.add(v);
        io.cairn.edge.migrate.DryRunSample drawn = io.cairn.edge.migrate.DryRunSample.draw(tenants, s.directory()::tenant, set, target,
                !tried.isEmpty(), sample, java.util.concurrent.ThreadLocalRandom.current());
        List<String> picked = drawn.picked();
        String runId = "dry-run-" + UUID.randomUUID().toString().substring(0, 8);
        List<Future<CommandGateway.Submitted>> sent = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String t : picked) {
                sent.add(senders.submit(() -> s.gateway().submit(Commands.applyMigration(t, runId, set, target, versions, true),
                        s.config().writeTimeout())));
            }
        }
        int wouldApply = 0;
        int unknown = 0;
        ArrayNode failures = Responses.object().arrayNode();
        for (int i = 0; i < picked.size(); i++) {
            CommandGateway.Submitted done;
            try {
                done = sent.get(i).get();
            } catch (java.util.concurrent.ExecutionException e) {
                unknown++;
                continue;
            }
            if (done.timedOut()) unknown++;
            else if (done.outcome().getOk()) wouldApply++;
            else failures.addObject().put("tenant", picked.get(i)).put("code", done.outcome().getError().getCode())
                    .put("error", done.outcome().getError().getMessage());
        }
        ObjectNode out = Responses.object().put("dry_run", true).put("set", set).put("target_version", target)
                .put("sampled", picked.size()).put("would_apply", wouldApply).put("would_fail", failures.size()).put("unknown", unknown)
                .put("not_sampled_cold", drawn.cold()).put("already_at_target", drawn.atTarget());
        out.set("failures", failures);
        ArrayNode sampledTenants = out.putArray("sampled_tenants");
        picked.forEach(sampledTenants::add);
        Responses.json(ctx, 200, out);
    }

    /** {@code POST /v1/migrations/{set}/runs/{run}/{action}}: pause, resume or abort; answers the run's status. */
    void controlRun(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        Run run = requireRun(ctx, set);
        bodies.none(ctx);
        String action = ctx.pathParam("action");
        if (!List.of("pause", "resume", "abort").contains(action)) {
            throw new ApiError(ErrorCode.NOT_FOUND, "a run can be paused, resumed or aborted: POST .../runs/" + run.runId() + "/pause|resume|abort");
        }
        MigrationCatalog.Progress p = requireCatalog().progress(run.runId()).orElseThrow();
        if (p.phase() == MigrationCatalog.Phase.ABORTED || p.phase() == MigrationCatalog.Phase.HALTED) {
            throw new ApiError(ErrorCode.INVALID_REQUEST, "run " + run.runId() + " is " + p.phase().name().toLowerCase(java.util.Locale.ROOT)
                    + (p.reason().isEmpty() ? "" : " (" + p.reason() + ")") + ": start a new run instead");
        }
        if (statusJson(run).path("phase").asText().equals("done")) {
            throw new ApiError(ErrorCode.INVALID_REQUEST, "run " + run.runId() + " is done: every tenant was sent its record and applied or failed it"
                    + " (a cold tenant applies its record when it thaws, whatever is done now), so nothing is left to " + action);
        }
        s.requireLog();
        s.runDriver().control(run.runId(), action, "by an operator");
        if (action.equals("resume")) s.runDriver().drive(run.runId());
        Responses.json(ctx, 200, statusJson(run));
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
        Responses.json(ctx, 200, statusJson(requireRun(ctx, setParam(ctx))));
    }

    private Run requireRun(Context ctx, String set) {
        return requireCatalog().run(ctx.pathParam("run")).filter(r -> r.set().equals(set))
                .orElseThrow(() -> new ApiError(ErrorCode.NOT_FOUND, "no run '" + ctx.pathParam("run") + "' of set '" + set + "'"));
    }

    /**
     * The run as its tenants' states show it. {@code done}: no sent record is pending and no wave is still
     * to come (all sent, or the run halted or was aborted); {@code complete}: done, and no cold tenant
     * waits for its thaw. The phase of a run done with every wave sent is {@code done}; a halted or
     * aborted run keeps its own.
     */
    private ObjectNode statusJson(Run run) {
        MigrationCatalog.Progress p = requireCatalog().progress(run.runId()).orElseThrow();
        RunStatus st = RunStatus.of(run, p.sent(), requireCatalog(), s.directory(), MAX_LISTED_FAILURES);
        boolean final_ = p.phase() == MigrationCatalog.Phase.HALTED || p.phase() == MigrationCatalog.Phase.ABORTED;
        boolean done = st.pending() == 0 && (st.unsent() == 0 || final_);
        String phase = done && !final_ ? "done" : p.phase().name().toLowerCase(java.util.Locale.ROOT);
        ObjectNode out = Responses.object();
        out.put("run_id", run.runId()).put("set", run.set()).put("target_version", run.targetVersion())
                .put("started_at", Instant.ofEpochMilli(run.startedAtMs()).toString())
                .put("phase", phase).put("reason", phase.equals("done") ? "" : p.reason())
                .put("canary", run.canary()).put("wave_size", run.waveSize()).put("max_failure_rate", run.maxFailureRate())
                .put("tenants", run.tenants().size()).put("sent", p.sent()).put("unsent", st.unsent())
                .put("applied", st.applied()).put("failed", st.failed()).put("pending", st.pending())
                .put("waiting_for_cold", st.waitingForCold()).put("deleted", st.deleted()).put("superseded", st.superseded()).put("reverted", st.reverted())
                .put("done", done).put("complete", done && st.waitingForCold() == 0);
        ArrayNode failures = out.putArray("failures");
        for (RunStatus.Failure f : st.failures()) {
            failures.addObject().put("tenant", f.tenant()).put("version", f.version()).put("failed_version", f.failedVersion())
                    .put("code", f.code()).put("error", f.error());
        }
        return out;
    }

    private static int integer(JsonNode body, String field, int min, int max) {
        JsonNode n = body.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw ApiError.invalidRequest("\"" + field + "\" must be a whole number from " + min + (max == Integer.MAX_VALUE ? "" : " to " + max));
        }
        return n.asInt();
    }

    /**
     * {@code GET /v1/migrations/{set}/drift}: per version of the set, the tenants at it whose schema hash differs from
     * the schema the set's versions build on an empty database ({@link io.cairn.edge.migrate.ExpectedSchemas}: a table,
     * index or trigger changed outside the set). When the versions cannot build it alone, the hash more than half the
     * tenants at the version have is expected instead; with no such hash, every tenant at it is listed.
     */
    void drift(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        String set = setParam(ctx);
        if (requireCatalog().latest(set) == 0) throw new ApiError(ErrorCode.NOT_FOUND, "no migration set '" + set + "'");
        java.util.Map<Integer, String> built = requireCatalog().expectedSchemas(set);
        java.util.TreeMap<Integer, java.util.Map<String, List<String>>> byVersion = new java.util.TreeMap<>();
        List<String> notReached = new ArrayList<>();
        for (String tenant : s.directory().tenants()) {
            TenantState st = s.directory().tenant(tenant).orElse(null);
            if (st == null || st.getSchemaSha256().isEmpty()) continue;
            var met = st.getMigrations().stream().filter(m -> m.getSet().equals(set)).findFirst();
            if (met.isEmpty()) {
                // Never reached by the set: listed apart, not as drift (in a fleet of several applications, every tenant of
                // another one was "drifted" at version 0, found from outside).
                notReached.add(tenant);
                continue;
            }
            int version = met.get().getVersion();
            byVersion.computeIfAbsent(version, k -> new java.util.TreeMap<>()).computeIfAbsent(st.getSchemaSha256(), k -> new ArrayList<>())
                    .add(tenant);
        }
        ObjectNode out = Responses.object().put("set", set);
        ArrayNode versions = out.putArray("versions");
        int drifted = 0;
        for (var e : byVersion.entrySet()) {
            var hashes = e.getValue();
            int tenants = hashes.values().stream().mapToInt(List::size).sum();
            String expected = built.get(e.getKey());
            String from = "set";
            if (expected == null) {
                expected = hashes.entrySet().stream().filter(h -> h.getValue().size() * 2 > tenants).map(java.util.Map.Entry::getKey)
                        .findFirst().orElse(null);
                from = expected == null ? "none" : "most_tenants";
            }
            ObjectNode v = versions.addObject().put("version", e.getKey()).put("tenants", tenants).put("schema_sha256", expected)
                    .put("expected_from", from).put("schemas", hashes.size());
            ArrayNode others = v.putArray("drifted");
            for (var h : hashes.entrySet()) {
                if (h.getKey().equals(expected)) continue;
                for (String t : h.getValue().stream().sorted().toList()) {
                    drifted++;
                    if (others.size() < MAX_LISTED_FAILURES) others.addObject().put("tenant", t).put("schema_sha256", h.getKey());
                }
            }
        }
        out.put("drifted", drifted);
        out.put("not_reached", notReached.size());
        ArrayNode unreached = out.putArray("not_reached_tenants");
        notReached.stream().sorted().limit(MAX_LISTED_FAILURES).forEach(unreached::add);
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
        if (!TenantId.isValid(set)) throw ApiError.invalidRequest("a migration set's name is " + TenantId.RULE);
        return set;
    }

    private static int versionParam(Context ctx) {
        String given = ctx.pathParam("version");
        try {
            int v = Integer.parseInt(given);
            // "03" is refused: one version has one name (a path that differs would be a second key for it in caches and logs).
            if (v >= 1 && given.equals(Integer.toString(v))) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiError.invalidRequest("version '" + (given.length() > 40 ? given.substring(0, 40) + "..." : given)
                + "' is not one: a version is a whole number from 1 to " + Integer.MAX_VALUE + ", written without leading zeros (3, not 03)");
    }
}
