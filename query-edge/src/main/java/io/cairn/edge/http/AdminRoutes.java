package io.cairn.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.connectors.metadata.MetadataStoreException;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotKeys;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.auth.ApiKeys;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.auth.Scope;
import io.cairn.edge.write.CommandGateway.Submitted;
import io.cairn.edge.write.Commands;
import io.cairn.edge.json.JsonFields;
import io.cairn.edge.read.ReadCopy;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tenant and key administration. Each command answers only once its outcome arrived AND the directory
 * shows it, so the next request (a GET, or one with a revoked key) already sees the change.
 */
final class AdminRoutes {
    private final EdgeServices s;
    private final RequestBodies bodies;
    private final RestoreRoutes restores;

    AdminRoutes(EdgeServices services, RequestBodies bodies, RestoreRoutes restores) {
        this.s = services;
        this.bodies = bodies;
        this.restores = restores;
    }

    void createTenant(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        JsonNode body = bodies.object(ctx, false);
        JsonFields.only(body, "", Set.of("tenant", "template", "from"));
        JsonNode id = body.get("tenant");
        if (id == null || !id.isTextual()) throw ApiError.invalidRequest("\"tenant\" is required and must be a string");
        String tenant = id.textValue();
        if (!TenantId.isValid(tenant)) {
            throw new ApiError(ErrorCode.INVALID_TENANT, "a tenant id is " + TenantId.RULE);
        }
        Template template = template(body.get("template"));
        JsonNode from = body.get("from");
        if (from != null && !from.isNull() && template != null) {
            throw ApiError.invalidRequest("a tenant starts from a \"template\" or \"from\" another tenant, not both");
        }
        s.requireLog();
        if (s.directory().tenant(tenant).isPresent()) throw new ApiError(ErrorCode.TENANT_EXISTS, "the tenant already exists");
        if (from != null && !from.isNull()) {
            fork(ctx, tenant, restores.forkSource(from));
            return;
        }
        ApiKeys.NewKey key = ApiKeys.generate();
        KeySpec spec = new KeySpec(key.keyId(), key.secretSha256(), List.of(Scope.READ.wireName(), Scope.WRITE.wireName()));
        long deadline = deadline();
        // One record: with a template, the applier creates the tenant already at the set's latest version.
        Submitted done = submit(template == null ? Commands.createTenant(tenant, spec)
                : Commands.createTenant(tenant, spec, template.set(), template.versions()), deadline);
        awaitVisible(s.directory().awaitApplied(tenant, done.bookmark().offset(), left(deadline)), done);
        ObjectNode out = Responses.object();
        out.put("tenant", tenant).put("api_key", key.token()).put("bookmark", done.bookmark().toString());
        if (template != null) {
            SetVersion reached = s.directory().tenant(tenant).stream().flatMap(st -> st.getMigrations().stream())
                    .filter(v -> v.getSet().equals(template.set())).findFirst().orElse(null);
            if (reached != null && reached.getErrorCode() != null) refuseTemplate(tenant, template, reached, deadline);
            out.putObject("template").put("set", template.set()).put("version", reached == null ? 0 : reached.getVersion());
        }
        Responses.json(ctx, 201, out);
    }

    /**
     * A template whose versions fail on an empty tenant: the tenant made at version 0 is deleted again and the
     * failure answered with its own code, as a fork is all or nothing. A tenant without its schema was no use,
     * and the client had to find the failure inside a 201 and delete the tenant itself.
     */
    private void refuseTemplate(String tenant, Template template, SetVersion failed, long deadline) throws InterruptedException {
        Submitted deleted = submit(Commands.deleteTenant(tenant), deadline);
        awaitVisible(s.directory().awaitAbsent(tenant, left(deadline)), deleted);
        ErrorCode code = ErrorCode.fromWire(failed.getErrorCode()).orElse(ErrorCode.SQL_ERROR);
        throw new ApiError(code, "template '" + template.set() + "' failed, so the tenant was not created: " + failed.getError(), null,
                Map.of("failed_version", failed.getFailedVersion()));
    }

    /**
     * A fork: the new tenant is created with a key of its own, then a {@code RestoreFrom} on its log gives it
     * the source's content at the point asked. If that fails (the source did not exist then), the new tenant
     * is deleted again and the failure answered: a fork is all or nothing.
     */
    private void fork(Context ctx, String tenant, RestoreRoutes.ForkSource source) throws InterruptedException {
        ApiKeys.NewKey key = ApiKeys.generate();
        KeySpec spec = new KeySpec(key.keyId(), key.secretSha256(), List.of(Scope.READ.wireName(), Scope.WRITE.wireName()));
        long deadline = System.nanoTime() + Math.max(s.config().writeTimeout().toNanos(), RestoreRoutes.RESTORE_WAIT.toNanos());
        submit(Commands.createTenant(tenant, spec), deadline);
        Submitted restored = s.gateway().submit(Commands.restore(tenant, source.tenant(), source.point().partition(),
                source.point().offset(), source.point().timeMs()), left(deadline));
        if (restored.timedOut()) throw Outcomes.writeTimeout(restored.bookmark().toString());
        if (!restored.outcome().getOk()) {
            s.gateway().submit(Commands.deleteTenant(tenant), left(deadline));
            Outcomes.successOrThrow(restored);
        }
        awaitVisible(s.directory().awaitApplied(tenant, restored.bookmark().offset(), left(deadline)), restored);
        ObjectNode out = Responses.object();
        out.put("tenant", tenant).put("api_key", key.token()).put("bookmark", restored.bookmark().toString());
        ObjectNode f = out.putObject("from").put("tenant", source.tenant()).put("bookmark", source.point().bookmark().toString());
        if (source.point().timeMs() != null) f.put("time", java.time.Instant.ofEpochMilli(source.point().timeMs()).toString());
        Responses.json(ctx, 201, out);
    }

    private record Template(String set, int version, List<MigrationVersion> versions) {}

    /** The migration set a new tenant starts from, at its latest version; null when none is named. */
    private Template template(JsonNode given) {
        if (given == null || given.isNull()) return null;
        if (!given.isTextual() || !TenantId.isValid(given.asText())) {
            throw ApiError.invalidRequest("\"template\" must name a migration set, whose name is " + TenantId.RULE);
        }
        if (!s.migrationsReady().getAsBoolean()) throw ApiError.unavailable("the edge is still reading cairn.migrations; retry shortly");
        List<MigrationVersion> versions = s.migrations().upTo(given.asText(), Integer.MAX_VALUE);
        if (versions.isEmpty()) {
            throw new ApiError(ErrorCode.NOT_FOUND, "no migration set '" + given.asText() + "' to use as a template: register its versions"
                    + " (PUT /v1/migrations/" + given.asText() + "/versions/1)");
        }
        return new Template(given.asText(), versions.getLast().getVersion(), versions);
    }

    void getTenant(Context ctx) {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, null);
        TenantState st = s.existing(tenant);
        Responses.json(ctx, 200, TenantJson.of(st, lastAccess(tenant, st.getCreatedOffset())));
    }

    /**
     * The latest of the control plane's last access and this edge's own (the current window, not yet
     * reported). Without the control plane, or while it is unreachable, this edge's view alone: the
     * tenant's metadata is served from the directory either way.
     */
    private long lastAccess(String tenant, long life) {
        long here = s.access().lastAccessInWindow(tenant, life);
        if (s.controlPlane() == null) return here;
        try {
            return Math.max(here, s.controlPlane().get(tenant).map(r -> r.lastAccessMs()).orElse(0L));
        } catch (MetadataStoreException e) {
            return here;
        }
    }

    void deleteTenant(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        TenantState st = s.existing(tenant);
        bodies.none(ctx); // a body here asks for something (a dry run, a delay) a delete would not do
        s.requireLog();
        long deadline = deadline();
        Submitted done = submitRevoking(Commands.deleteTenant(tenant), st.getKeys().stream().map(ApiKey::getKeyId).toList(), deadline);
        awaitVisible(s.directory().awaitAbsent(tenant, left(deadline)), done);
        ObjectNode out = Responses.object();
        out.put("tenant", tenant).put("deleted", true).put("bookmark", done.bookmark().toString());
        Responses.json(ctx, 200, out);
    }

    /**
     * Asks for a snapshot now: answers 202 once the applier took the request (the copy and upload follow
     * off its stream thread); {@code GET /v1/tenants/{t}} shows it under {@code last_snapshot} when it is
     * stored. 501 {@code not_supported} when the deployment has no snapshot store. A cold tenant is kept as the
     * snapshot its freeze took, which holds every write it has (a write thaws it): 200 with that snapshot at once
     * (asked of the log, the request was kept in its cold tail and no snapshot ever showed).
     */
    void takeSnapshot(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        bodies.none(ctx);
        TenantState st = s.existing(tenant);
        TenantState settled = st.getTier() == Tier.COLD ? settled(tenant, st) : null;
        if (settled != null && settled.getSnapshot() != null && alreadyAt(tenant, settled, true)) {
            ObjectNode out = Responses.object().put("tenant", tenant).put("snapshot", "stored").put("tier", "cold")
                    .put("bookmark", settled.getPartition() + ":" + settled.getSnapshot().getOffset());
            Responses.json(ctx, 200, out);
            return;
        }
        s.requireLog();
        long deadline = deadline();
        Submitted done = submit(Commands.takeSnapshot(tenant, "admin"), deadline);
        ObjectNode out = Responses.object();
        out.put("tenant", tenant).put("snapshot", "requested").put("bookmark", done.bookmark().toString());
        Responses.json(ctx, 202, out);
    }

    /**
     * {@code POST /v1/tenants/{t}/tier {"tier": "cold"|"hot"}} (admin). Cold: appends {@code Freeze} and
     * answers 202 once the applier took it (the snapshot, its check and the file's removal follow; {@code
     * GET /v1/tenants/{t}} shows {@code tier} cold when done, and a tenant written meanwhile stays hot).
     * Hot: appends {@code Thaw} and answers 200 once the tenant's file is back. A tenant already in the
     * asked tier, once the primary applied the log as far as it went at the request (a write with {@code wait=false} may have
     * thawed it), gets 200 at once. 501 {@code not_supported} without a snapshot store.
     */
    void setTier(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        JsonNode body = bodies.object(ctx, true);
        JsonFields.only(body, "", Set.of("tier"));
        JsonNode tier = body.get("tier");
        if (tier == null || !tier.isTextual() || !(tier.textValue().equals("cold") || tier.textValue().equals("hot"))) {
            throw ApiError.invalidRequest("\"tier\" must be \"cold\" or \"hot\"");
        }
        boolean cold = tier.textValue().equals("cold");
        TenantState st = s.existing(tenant);
        s.requireSnapshots();
        ObjectNode out = Responses.object();
        out.put("tenant", tenant);
        TenantState settled = settled(tenant, st);
        if (settled != null && alreadyAt(tenant, settled, cold)) {
            Responses.json(ctx, 200, out.put("tier", tier.textValue())
                    .put("bookmark", settled.getPartition() + ":" + settled.getAppliedOffset()));
            return;
        }
        s.requireLog();
        long deadline = deadline();
        Submitted done = submit(cold ? Commands.freeze(tenant) : Commands.thaw(tenant), deadline);
        if (cold) {
            Responses.json(ctx, 202, out.put("tier", "hot").put("requested", "cold").put("bookmark", done.bookmark().toString()));
        } else {
            awaitVisible(s.directory().awaitApplied(tenant, done.bookmark().offset(), left(deadline)), done);
            Responses.json(ctx, 200, out.put("tier", "hot").put("bookmark", done.bookmark().toString()));
        }
    }

    /**
     * Whether the tenant already has the tier asked for. The directory learns a tier from {@code cairn.tenant-state}
     * a moment after the record that changed it was acknowledged (a write that thawed a cold tenant answers before
     * the directory shows it hot), so its word is taken only when the hot volume agrees: a hot tenant has its file
     * there, a cold one none. When they disagree the record is appended, and the applier decides in log order (a
     * Freeze of a tenant that is cold by then, or a Thaw of one that is hot, changes nothing).
     */
    private boolean alreadyAt(String tenant, TenantState st, boolean cold) {
        boolean fileHere = new TenantFiles(s.config().hotDir()).exists(tenant);
        return cold ? st.getTier() == Tier.COLD && !fileHere : st.getTier() != Tier.COLD && fileHere;
    }

    /**
     * The tenant's state once the primary has applied its records up to the log's end at this request: a write
     * acknowledged with {@code wait=false} just before (which thaws a cold tenant), or a freeze asked just before,
     * is in the log but maybe not applied yet, and the tier it leads to is what the caller asks about. Null when
     * that could not be told within {@link #SETTLE_WAIT} (the log or the primary slow): the record is appended
     * then, and the applier decides in log order.
     */
    private TenantState settled(String tenant, TenantState st) throws InterruptedException {
        ReadCopy primary = s.copies().copies().stream().filter(ReadCopy::primary).findFirst().orElse(null);
        if (primary == null) return null;
        try {
            long end = s.logEnds().end(st.getPartition());
            if (!s.copies().awaitHolds(primary, st.getPartition(), tenant, end, SETTLE_WAIT)) return null;
        } catch (RuntimeException logAway) {
            return null;
        }
        return s.existing(tenant);
    }

    private static final Duration SETTLE_WAIT = Duration.ofSeconds(5);

    /** The tenant's stored snapshots, newest first, straight from the snapshot store (admin or the tenant's key). */
    void listSnapshots(Context ctx) throws InterruptedException {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, null);
        TenantState st = s.existing(tenant);
        ObjectNode out = Responses.object();
        out.put("tenant", tenant);
        var list = out.putArray("snapshots");
        for (SnapshotInfo info : s.snapshotsOf(st).reversed()) {
            list.addObject().put("bookmark", st.getPartition() + ":" + info.offset()).put("size_bytes", info.sizeBytes())
                    .put("stored_bytes", info.storedBytes()).put("sha256", info.sha256())
                    .put("key", SnapshotKeys.key(tenant, info.offset())).put("taken_at", info.createdAt().toString());
        }
        Responses.json(ctx, 200, out);
    }

    void issueKey(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        JsonNode keyBody = bodies.object(ctx, true);
        JsonFields.only(keyBody, "", Set.of("scopes"));
        List<String> scopes = scopes(keyBody);
        s.existing(tenant);
        s.requireLog();
        ApiKeys.NewKey key = ApiKeys.generate();
        long deadline = deadline();
        Submitted done = submit(Commands.issueKey(tenant, new KeySpec(key.keyId(), key.secretSha256(), scopes)), deadline);
        awaitVisible(s.directory().awaitApplied(tenant, done.bookmark().offset(), left(deadline)), done);
        ObjectNode out = Responses.object();
        out.put("key_id", key.keyId()).put("api_key", key.token());
        scopes.forEach(out.putArray("scopes")::add);
        Responses.json(ctx, 201, out);
    }

    /** The tenant's API keys, oldest first, revoked ones too (marked): ids, scopes and creation times, never a secret or its hash. */
    void listKeys(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        TenantState st = s.existing(tenant);
        ObjectNode out = Responses.object().put("tenant", tenant);
        ArrayNode keys = out.putArray("keys");
        st.getKeys().stream().sorted(java.util.Comparator.comparingLong(ApiKey::getCreatedAtMs)).forEach(k -> {
            ObjectNode key = keys.addObject().put("key_id", k.getKeyId().toString());
            ArrayNode scopes = key.putArray("scopes");
            k.getScopes().forEach(scope -> scopes.add(scope.toString()));
            key.put("created_at", java.time.Instant.ofEpochMilli(k.getCreatedAtMs()).toString()).put("revoked", k.getRevoked());
        });
        Responses.json(ctx, 200, out);
    }

    void revokeKey(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        String keyId = ctx.pathParam("keyId");
        bodies.none(ctx);
        var whole = io.cairn.edge.auth.ApiKeys.parse(keyId);
        if (whole.isPresent()) {
            throw ApiError.invalidRequest("the path takes the key's id, " + whole.get().keyId() + ", not the whole API key: a secret does"
                    + " not belong in a URL, where logs may keep it");
        }
        ApiKey key = s.existing(tenant).getKeys().stream().filter(k -> k.getKeyId().equals(keyId)).findFirst()
                .orElseThrow(() -> new ApiError(ErrorCode.KEY_NOT_FOUND, "the tenant has no key with this id"));
        ObjectNode out = Responses.object();
        out.put("key_id", keyId).put("revoked", true);
        if (key.getRevoked()) {
            Responses.json(ctx, 200, out); // revoking twice is not an error: the key is revoked either way
            return;
        }
        s.requireLog();
        long deadline = deadline();
        Submitted done = submitRevoking(Commands.revokeKey(tenant, keyId), List.of(keyId), deadline);
        awaitVisible(s.directory().awaitApplied(tenant, done.bookmark().offset(), left(deadline)), done);
        Responses.json(ctx, 200, out);
    }

    private static List<String> scopes(JsonNode body) {
        JsonNode node = body.get("scopes");
        if (node == null || node.isNull()) return List.of(Scope.READ.wireName(), Scope.WRITE.wireName());
        if (!node.isArray() || node.isEmpty()) {
            throw ApiError.invalidRequest("\"scopes\" must be a non-empty array of \"read\" and \"write\"");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual() || Scope.fromWire(n.textValue()).isEmpty()) {
                throw ApiError.invalidRequest("\"scopes\" may only contain \"read\" and \"write\"");
            }
            if (!out.contains(n.textValue())) out.add(n.textValue());
        }
        return out;
    }

    private Submitted submit(TenantCommand command, long deadline) throws InterruptedException {
        Submitted done = s.gateway().submit(command, left(deadline));
        Outcomes.successOrThrow(done);
        return done;
    }

    /**
     * Submits a command that ends {@code keyIds} (a revoke, a delete): they are refused on this edge from the moment it
     * goes to the log, not once the applier reaches it, which may wait behind the tenant's own records in the heavy
     * lane (an outside probe saw a revoked key go on writing for 45 s, and those writes applied). Not put in the log,
     * or applied and refused, it revokes nothing.
     */
    private Submitted submitRevoking(TenantCommand command, List<String> keyIds, long deadline) throws InterruptedException {
        keyIds.forEach(s.authenticator()::revokedInLog);
        Submitted done;
        try {
            done = s.gateway().submit(command, left(deadline));
        } catch (RuntimeException notInLog) {
            keyIds.forEach(s.authenticator()::revokeUndone);
            throw notInLog;
        }
        if (!done.timedOut() && !done.outcome().getOk()) keyIds.forEach(s.authenticator()::revokeUndone);
        Outcomes.successOrThrow(done);
        return done;
    }

    private static void awaitVisible(boolean visible, Submitted done) {
        if (!visible) throw Outcomes.writeTimeout(done.bookmark().toString());
    }

    private long deadline() {
        return System.nanoTime() + s.config().writeTimeout().toNanos();
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }
}
