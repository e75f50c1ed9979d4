package io.cairn.edge.http;

import io.cairn.edge.read.ColdReads;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.edge.access.AccessRecorder;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.auth.Principal;
import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.edge.migrate.MigrationLog;
import io.cairn.edge.migrate.RunDriver;
import io.cairn.edge.read.CopyTracker;
import io.cairn.edge.read.QueryRunner;
import io.cairn.edge.read.ReadTurns;
import io.cairn.edge.restore.PastCopies;
import io.cairn.edge.restore.RestorePoints;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.LogEnds;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.TenantState;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the routes work with, wired once by {@code QueryEdge}. {@code directoryReady} is false until the
 * directory caught up: before that "no such tenant" could be a lie, so requests get 503 instead.
 * {@code controlPlane} is null when the process runs without a metadata store, {@code snapshots}
 * and {@code coldReads} (reads of cold tenants served from their snapshot) without a snapshot store.
 * {@code migrations} is what {@code cairn.migrations} holds, as far as {@code migrationsReady} says it
 * was read; {@code migrationLog} appends to it. {@code restorePoints} says what a restore may reach;
 * {@code pastCopies} (null without a builder of past content) serves as-of reads and past exports.
 * {@code copies} are the copies reads are served from (the primary hot volume, replicas) and where each stands.
 */
public record EdgeServices(
        EdgeConfig config,
        Authenticator authenticator,
        TenantDirectory directory,
        BooleanSupplier directoryReady,
        CommandGateway gateway,
        LogEnds logEnds,
        QueryRunner queries,
        TenantRepairs repairs,
        List<HealthCheck> healthChecks,
        EdgeMetrics metrics,
        AccessRecorder access,
        MetadataStore controlPlane,
        Map<String, Supplier<Object>> healthDetails,
        SnapshotStore snapshots,
        ColdReads coldReads,
        MigrationCatalog migrations,
        BooleanSupplier migrationsReady,
        MigrationLog migrationLog,
        RunDriver runDriver,
        RestorePoints restorePoints,
        PastCopies pastCopies,
        TenantKeys keys,
        CopyTracker copies) {

    /** The metadata store; 501 {@code not_supported} when this process has none. */
    MetadataStore requireControlPlane() {
        if (controlPlane == null) {
            throw new ApiError(ErrorCode.NOT_SUPPORTED, "this needs the control plane (the metadata store in DynamoDB), which this"
                    + " Cairn runs without: set dynamodb in cairn.yaml (./cairn dev always has it)");
        }
        return controlPlane;
    }

    /** The snapshot store; 501 {@code not_supported} when this process has none. */
    SnapshotStore requireSnapshots() {
        if (snapshots == null) {
            throw new ApiError(ErrorCode.NOT_SUPPORTED, "this Cairn keeps no snapshots: set snapshots in cairn.yaml (./cairn dev always has them)");
        }
        return snapshots;
    }

    /**
     * The tenant's stored snapshots, oldest first, in one of the tenant's turns ({@link ReadTurns}): a listing
     * is a LIST and a HEAD per snapshot on the store's connections, which every tenant's cold reads and thaws
     * share, so however many listings one tenant asks for at once it holds only its share of them (more wait,
     * then 429). Only this life's: a tenant deleted and created again under the same id does not see the
     * snapshots of its earlier life (they stay in the store, sealed with keys the delete destroyed).
     */
    List<SnapshotInfo> snapshotsOf(TenantState st) throws InterruptedException {
        SnapshotStore store = requireSnapshots();
        String tenant = st.getTenant();
        long created = st.getCreatedOffset();
        List<SnapshotInfo> all = ReadTurns.SHARED.call(tenant, () -> store.list(tenant));
        return created < 0 ? all : all.stream().filter(info -> info.offset() >= created).toList();
    }

    /** The copies of past points; 501 {@code not_supported} when this process cannot build them. */
    PastCopies requirePastCopies() {
        if (pastCopies == null) {
            throw new ApiError(ErrorCode.NOT_SUPPORTED, "this edge cannot build past content (as-of reads and exports of the past need"
                    + " the log and the snapshot store: run it with the applier's settings, as cairn dev and cairn serve do)");
        }
        return pastCopies;
    }

    Principal principal(Context ctx) {
        requireDirectory();
        // Two credentials are one too many: a proxy in front may check the other one than the edge would.
        if (java.util.Collections.list(ctx.req().getHeaders("Authorization")).size() > 1) {
            throw new ApiError(ErrorCode.UNAUTHORIZED, "send one \"Authorization: Bearer <api key or admin token>\" header, not several");
        }
        return authenticator.authenticate(ctx.header("Authorization"));
    }

    void requireDirectory() {
        if (!directoryReady.getAsBoolean()) throw ApiError.unavailable("the edge is starting; retry shortly");
    }

    void requireLog() {
        if (!gateway.ready()) throw ApiError.unavailable("the command log is not reachable yet; retry shortly");
    }

    /** The path's tenant id; 400 {@code invalid_tenant} when malformed. */
    static String tenantParam(Context ctx) {
        String t = ctx.pathParam("tenant");
        if (!TenantId.isValid(t)) {
            throw new ApiError(ErrorCode.INVALID_TENANT, "a tenant id is " + TenantId.RULE);
        }
        return t;
    }

    TenantState existing(String tenant) {
        return directory.tenant(tenant).orElseThrow(ApiError::tenantNotFound);
    }

    /**
     * As {@link #existing}, for taking a tenant's past (restore, fork): a deleted tenant (its tombstone
     * on the hot volume) answers 410 {@code tenant_erased}, since its data keys went with it.
     */
    TenantState existingPast(String tenant) {
        return directory.tenant(tenant).orElseThrow(() -> new io.cairn.tenantdb.sqlite.TenantFiles(config.hotDir()).deletedAt(tenant).isPresent()
                ? new ApiError(ErrorCode.TENANT_ERASED, "tenant '" + tenant + "' was deleted and its data erased: its past cannot be restored or forked")
                : new ApiError(ErrorCode.TENANT_NOT_FOUND, "no such tenant: '" + tenant + "'")); // a fork's source is named in the body, not the path
    }
}
