package io.cairn.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotKeys;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.auth.Scope;
import io.cairn.edge.read.ReadTurns;
import io.cairn.edge.read.TenantFileDamaged;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.JsonFields;
import io.cairn.edge.error.LocalDisk;
import io.cairn.edge.auth.ApiKeys;
import io.cairn.edge.restore.ImportedFile;
import io.cairn.edge.restore.ImportedVersions;
import io.cairn.edge.restore.PastCopies;
import io.cairn.edge.restore.RestorePoints;
import io.cairn.edge.write.Commands;
import io.cairn.edge.write.CommandGateway.Submitted;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.MigrationHistory;
import io.cairn.tenantdb.sqlite.SqlDump;
import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Point-in-time restore, history, as-of reads and exports. A point is the content right after one record
 * of the tenant's partition ({@link RestorePoints}); a restore is a {@code RestoreFrom} record on the
 * tenant's log, applied in order by the applier, so writes after it apply on the restored content, and a
 * second restore to the bookmark just before it undoes it.
 */
final class RestoreRoutes {
    /** A restore builds the content (a snapshot download and a replay): it is waited for at least this long. */
    static final Duration RESTORE_WAIT = Duration.ofMinutes(2);

    /**
     * Exports of one tenant this edge makes at once, copy and answer alike: each holds a whole copy of the tenant on the
     * edge's scratch disk until its client has read it, so a tenant asking for exports it never read held 50 copies
     * (2 GB of a 42 MB tenant) that every tenant's exports, imports and as-of reads need.
     */
    static final int MAX_EXPORTS_PER_TENANT = 2;

    private final EdgeServices s;
    private final RequestBodies bodies;
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> exporting = new java.util.concurrent.ConcurrentHashMap<>();

    RestoreRoutes(EdgeServices services, RequestBodies bodies) {
        this.s = services;
        this.bodies = bodies;
    }

    /**
     * {@code POST /v1/tenants/{t}/restore {"bookmark": "3:1042"} | {"time": "2026-11-30T10:15:00Z"}} (admin):
     * 200 once the restore is applied, with the point restored to and {@code undo_bookmark}, the point just
     * before the restore (a restore to it undoes this one).
     */
    void restore(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        JsonNode body = bodies.object(ctx, true);
        JsonFields.only(body, "", Set.of("bookmark", "time"));
        TenantState st = s.existingPast(tenant);
        RestorePoints.Point point = s.restorePoints().resolve(st, body.get("bookmark"), body.get("time"));
        s.requireLog();
        long deadline = System.nanoTime() + restoreWait().toNanos();
        Submitted done = s.gateway().submit(Commands.restore(tenant, null, null, point.offset(), point.timeMs()), left(deadline));
        Outcomes.successOrThrow(done);
        if (!s.directory().awaitApplied(tenant, done.bookmark().offset(), left(deadline))) {
            throw Outcomes.writeTimeout(done.bookmark().toString());
        }
        ObjectNode out = Responses.object().put("tenant", tenant).put("restored_to", point.bookmark().toString());
        if (point.timeMs() != null) out.put("time", Instant.ofEpochMilli(point.timeMs()).toString());
        out.put("bookmark", done.bookmark().toString())
                .put("undo_bookmark", new Bookmark(done.bookmark().partition(), done.bookmark().offset() - 1).toString());
        Responses.json(ctx, 200, out);
    }

    /**
     * {@code POST /v1/tenants/{t}/import[?format=sqlite|sql]} (admin), the body a SQLite file or a SQL script:
     * checked ({@link ImportedFile}), stored in the snapshot store as an import, and referenced by a
     * {@code RestoreFrom} on the tenant's log, so a replay makes the same content. An existing tenant's
     * content is replaced (200, with {@code undo_bookmark}); a tenant that does not exist is created with it
     * (201, with its {@code api_key}).
     */
    void importContent(Context ctx) throws Exception {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        String format = ctx.queryParam("format");
        if (format == null) format = importFormat(ctx.contentType());
        if (!format.equals("sqlite") && !format.equals("sql")) throw ApiError.invalidRequest("\"format\" must be sqlite or sql");
        var store = s.requireSnapshots();
        s.requireLog();
        // The body is kept on local disk while it is checked: it must leave the others' reads their room.
        LocalDisk.requireRoom(s.config().scratchDir(), Math.max(0, ctx.contentLength()), s.config().readLimits().minFreeTempBytes(),
                "this import's file");
        Path dir = Files.createTempDirectory(s.config().scratchDir(), "cairn-import-");
        try {
            ImportedFile.Checked file;
            try (var body = bodies.stream(ctx)) {
                file = ImportedFile.read(body, format.equals("sql"), s.config().readLimits().maxDatabaseBytes(), dir);
            } catch (IOException e) {
                if (RequestBodies.tooSlow(e)) {
                    throw new ApiError(ErrorCode.REQUEST_TIMEOUT, "the import's body came in slower than the edge's minimum rate, or stopped; send it again");
                }
                throw e;
            }
            Map<String, Integer> versions = recognisedVersions(file.file());
            String id = UUID.randomUUID().toString();
            long deadline = System.nanoTime() + restoreWait().toNanos();
            boolean exists = s.directory().tenant(tenant).isPresent();
            ApiKeys.NewKey key = null;
            if (!exists) {
                // Created first: the import is stored sealed with the new tenant's data key, so erasing the
                // tenant erases it too (stored before, it went in clear: there was no key yet).
                key = ApiKeys.generate();
                KeySpec spec = new KeySpec(key.keyId(), key.secretSha256(), List.of(Scope.READ.wireName(), Scope.WRITE.wireName()));
                Outcomes.successOrThrow(s.gateway().submit(Commands.createTenant(tenant, spec), left(deadline)));
            }
            SnapshotInfo stored;
            try (var in = Files.newInputStream(file.file())) {
                stored = store.putImport(tenant, id, in);
            } catch (IOException | RuntimeException e) {
                if (key != null) s.gateway().submit(Commands.deleteTenant(tenant), left(deadline)); // all or nothing, as a fork
                throw e;
            }
            Submitted done = s.gateway().submit(Commands.importContent(tenant, id, stored.sha256(), stored.sizeBytes()), left(deadline));
            Outcomes.successOrThrow(done);
            if (!s.directory().awaitApplied(tenant, done.bookmark().offset(), left(deadline))) throw Outcomes.writeTimeout(done.bookmark().toString());
            ObjectNode out = Responses.object().put("tenant", tenant).put("bookmark", done.bookmark().toString())
                    .put("size_bytes", file.sizeBytes()).put("tables", file.tables()).put("import", SnapshotKeys.importKey(tenant, id));
            versions.forEach(out.putObject("migrations")::put);
            if (key != null) out.put("api_key", key.token());
            else out.put("undo_bookmark", new Bookmark(done.bookmark().partition(), done.bookmark().offset() - 1).toString());
            Responses.json(ctx, exists ? 200 : 201, out);
        } finally {
            TenantFiles.deleteTree(dir);
        }
    }

    /** The migration versions an import's schema is at, recorded in its file ({@link ImportedVersions}); none when it cannot tell. */
    private Map<String, Integer> recognisedVersions(Path file) {
        if (s.migrations() == null) return Map.of();
        try {
            return ImportedVersions.record(file, s.migrations(), System.currentTimeMillis());
        } catch (java.sql.SQLException e) {
            org.slf4j.LoggerFactory.getLogger(RestoreRoutes.class).warn("import: cannot record its migration versions: {}", e.toString());
            return Map.of();
        }
    }

    /** The point a fork's {@code "from": {"tenant", "bookmark"|"time"}} names (neither: the source's newest content). */
    record ForkSource(String tenant, RestorePoints.Point point) {}

    /**
     * The format an import's Content-Type names: {@code application/sql} a SQL dump; {@code application/vnd.sqlite3},
     * {@code application/octet-stream} or none a SQLite file. Any other (curl's default form type for {@code --data-binary})
     * is 415: read as a SQLite file, a dump sent so was refused as "not a SQLite database", which said nothing of the cause.
     */
    static String importFormat(String contentType) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        return switch (type) {
            case "application/sql" -> "sql";
            case "", "application/vnd.sqlite3", "application/x-sqlite3", "application/octet-stream" -> "sqlite";
            default -> throw new ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "an import is a SQLite file (Content-Type: application/vnd.sqlite3)"
                    + " or a SQL dump (Content-Type: application/sql), not " + type + "; or name it with ?format=sqlite|sql");
        };
    }

    ForkSource forkSource(JsonNode from) throws InterruptedException {
        if (!from.isObject()) throw ApiError.invalidRequest("\"from\" must be an object: {\"tenant\": \"acme\", \"bookmark\" or \"time\"}");
        JsonFields.only(from, "from.", Set.of("tenant", "bookmark", "time"));
        JsonNode t = from.get("tenant");
        if (t == null || !t.isTextual()) throw ApiError.invalidRequest("\"from.tenant\" is required: the tenant to fork");
        if (!TenantId.isValid(t.textValue())) throw new ApiError(ErrorCode.TENANT_NOT_FOUND, "no tenant '" + t.textValue() + "' to fork");
        TenantState st = s.existingPast(t.textValue());
        JsonNode bookmark = from.get("bookmark");
        JsonNode time = from.get("time");
        if ((bookmark == null || bookmark.isNull()) && (time == null || time.isNull())) {
            long last = s.logEnds().end(st.getPartition()) - 1;
            return new ForkSource(st.getTenant(), new RestorePoints.Point(st.getPartition(), last, null));
        }
        return new ForkSource(st.getTenant(), s.restorePoints().resolve(st, bookmark, time));
    }

    /**
     * {@code GET /v1/tenants/{t}/history} (admin or the tenant's key): the restorable range (earliest,
     * latest, what limits it, the window) and the snapshots kept, newest first.
     */
    void history(Context ctx) throws InterruptedException {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, null);
        TenantState st = s.existing(tenant);
        RestorePoints.Range range = s.restorePoints().range(st);
        ObjectNode out = Responses.object().put("tenant", tenant).put("created_at", Instant.ofEpochMilli(st.getCreatedAtMs()).toString());
        if (st.getCreatedOffset() >= 0) out.put("created_bookmark", st.getPartition() + ":" + st.getCreatedOffset());
        out.putObject("restorable").put("earliest", range.earliest().toString()).put("latest", range.latest().toString())
                .put("limited_by", range.limitedBy()).put("window_days", s.restorePoints().window().toHours() / 24.0);
        var list = out.putArray("snapshots");
        if (s.snapshots() != null) {
            for (SnapshotInfo info : s.snapshotsOf(st).reversed()) {
                list.addObject().put("bookmark", st.getPartition() + ":" + info.offset()).put("size_bytes", info.sizeBytes())
                        .put("key", SnapshotKeys.key(tenant, info.offset())).put("taken_at", info.createdAt().toString());
            }
        }
        Responses.json(ctx, 200, out);
    }

    /**
     * The past point an {@code "as_of"} names: a bookmark ({@code "3:1042"}) or an ISO-8601 time; null when
     * absent. 501 when this edge cannot build past content.
     */
    static Bookmark asOf(EdgeServices s, TenantState st, JsonNode asOf) throws InterruptedException {
        if (asOf == null || asOf.isNull()) return null;
        if (!asOf.isTextual()) throw ApiError.invalidRequest("\"as_of\" must be a bookmark (\"3:1042\") or an ISO-8601 time");
        s.requirePastCopies();
        String v = asOf.textValue();
        boolean bookmark = v.matches("\\d+:\\d+");
        if (!bookmark && !RestorePoints.isInstant(v)) {
            throw ApiError.invalidRequest("\"as_of\" must be a bookmark (\"3:1042\") or an ISO-8601 time such as \"2026-11-30T10:15:00Z\"");
        }
        return s.restorePoints().resolve(st, bookmark ? asOf : null, bookmark ? null : asOf).bookmark();
    }

    /**
     * {@code GET /v1/tenants/{t}/export?format=sqlite|sql[&as_of=...]} (admin or the tenant's key with read):
     * a consistent copy of the tenant's content (without Cairn's own tables), now or as of a past point; the
     * position it holds is in the {@code Cairn-Bookmark} header.
     */
    void export(Context ctx) throws Exception {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, Scope.READ);
        TenantState st = s.existing(tenant);
        if (exporting.merge(tenant, 1, Integer::sum) > MAX_EXPORTS_PER_TENANT) {
            exporting.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
            throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant already has " + MAX_EXPORTS_PER_TENANT
                    + " exports under way at this edge (each holds a copy until its client has read it): wait for one to finish");
        }
        try {
            exportCounted(ctx, tenant, st);
        } finally {
            exporting.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void exportCounted(Context ctx, String tenant, TenantState st) throws Exception {
        String format = ctx.queryParam("format") == null ? "sqlite" : ctx.queryParam("format");
        if (!format.equals("sqlite") && !format.equals("sql")) throw ApiError.invalidRequest("\"format\" must be sqlite or sql");
        String asOfParam = ctx.queryParam("as_of");
        Bookmark asOf = asOf(s, st, asOfParam == null ? null : Responses.MAPPER.getNodeFactory().textNode(asOfParam));
        Path tmp = Files.createTempFile(s.config().scratchDir(), "cairn-export-", ".db");
        Files.delete(tmp);
        LocalDisk.requireRoom(tmp.getParent(), st.getSizeBytes(), s.config().readLimits().minFreeTempBytes(), "this export's copy");
        try {
            // The copy and the stripping are long SQLite calls for a big tenant: in one of the tenant's turns (ReadTurns).
            Bookmark holds = ReadTurns.SHARED.call(tenant, () -> {
                Bookmark at = copy(tenant, st, asOf, tmp);
                stripCairnTables(tmp);
                return at;
            });
            ctx.status(200).header("Cairn-Bookmark", holds.toString());
            if (asOf != null) ctx.header("Cairn-As-Of", holds.toString()); // the tenant's last record at or before the point asked
            if (format.equals("sqlite")) {
                ctx.contentType("application/vnd.sqlite3").header("Content-Disposition", "attachment; filename=\"" + tenant + ".sqlite\"");
                try (OutputStream out = ctx.outputStream()) {
                    Files.copy(tmp, out);
                }
            } else {
                ctx.contentType("application/sql; charset=utf-8").header("Content-Disposition", "attachment; filename=\"" + tenant + ".sql\"");
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp);
                     BufferedWriter w = new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8))) {
                    c.setAutoCommit(false); // one read transaction: a consistent dump
                    // As sqlite3's .dump: a script of one transaction, so an empty tenant's export still holds statements
                    // (an import refuses an empty script, which an empty body sent by mistake would be).
                    w.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
                    SqlDump.write(c, w);
                    w.write("COMMIT;\n");
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Copies the tenant's content (now, or as of {@code asOf}) to {@code target}; returns the position it holds. */
    private Bookmark copy(String tenant, TenantState st, Bookmark asOf, Path target) throws Exception {
        if (asOf != null) {
            try {
                return ConsistentCopy.take(s.pastCopies().file(tenant, asOf), target).position();
            } catch (SQLException e) {
                if (!SqliteErrors.isFileGone(e)) throw e;
                // The past copy was dropped as it was read: the tenant was deleted (its copies are erased), or the
                // copy was evicted for room, and is built again.
                if (s.repairs().explained(tenant, st, TenantRepairs.EXPLAIN_WAIT) == null) throw TenantRepairs.gone();
                return ConsistentCopy.take(s.pastCopies().file(tenant, asOf), target).position();
            }
        }
        Path hot = new TenantFiles(s.config().hotDir()).database(tenant);
        if (st.getTier() == Tier.COLD && st.getSnapshot() != null && s.repairs().snapshotBehind(st)) {
            // A migration waits in its cold tail, so the snapshot is not its content: thawed, as a read would be,
            // then copied as a hot tenant is.
            s.repairs().read(tenant, TenantRepairs.THAW_WAIT, () -> {
                if (!Files.exists(hot)) throw TenantFileDamaged.missing(tenant);
                return hot;
            });
        } else if (st.getTier() == Tier.COLD && st.getSnapshot() != null) {
            // While cold, its snapshot is exactly its content.
            if (s.requireSnapshots().download(tenant, st.getSnapshot().getOffset(), target).isPresent()) return ConsistentCopy.positionOf(target);
            // Gone from the store: thawed (the thaw falls back to an older snapshot and the log), then copied as a hot tenant.
            org.slf4j.LoggerFactory.getLogger(RestoreRoutes.class).warn("tenant {}: its snapshot at {} is not in the store; thawing it for its export", tenant, st.getSnapshot().getOffset());
            s.repairs().read(tenant, TenantRepairs.THAW_WAIT, () -> {
                if (!Files.exists(hot)) throw TenantFileDamaged.missing(tenant);
                return hot;
            });
        }
        try {
            if (Files.exists(hot)) return ConsistentCopy.take(hot, target).position();
        } catch (SQLException e) {
            if (!SqliteErrors.isFileGone(e)) throw e;
            Files.deleteIfExists(target); // removed while copied
        }
        // Frozen or deleted as this export began (the directory learns of it a moment later), or being thawed.
        TenantState now = s.repairs().explained(tenant, st, TenantRepairs.EXPLAIN_WAIT);
        if (now == null) throw TenantRepairs.gone();
        if (now.getTier() == Tier.COLD && now.getSnapshot() != null) return copy(tenant, now, null, target);
        throw new ApiError(ErrorCode.TENANT_RECOVERING, "the tenant's file is being moved (a freeze or thaw); retry shortly");
    }

    /**
     * Drops Cairn's own tables (keys' hashes, idempotency outcomes, ...) from an export: it holds the tenant's
     * content only, in one file (rollback-journal mode), with the migration versions it is at when it has any
     * ({@link MigrationHistory}).
     */
    private static void stripCairnTables(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            List<String> own = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '"
                    + TenantSchema.RESERVED_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\'")) {
                while (rs.next()) own.add(rs.getString(1));
            }
            if (!MigrationHistory.read(c).isEmpty()) own.remove(MigrationHistory.TABLE);
            s.execute("PRAGMA secure_delete = ON"); // the dropped tables' pages are zeroed, not left in the free list
            for (String t : own) s.execute("DROP TABLE " + SqlDump.quote(t));
            try (ResultSet free = s.executeQuery("SELECT freelist_count * 10 > page_count FROM pragma_freelist_count, pragma_page_count")) {
                if (free.next() && free.getBoolean(1)) s.execute("VACUUM"); // Cairn's tables were a good part of it: compact the copy
            }
            // A cold tenant's export starts from its snapshot, which is in WAL mode: the file handed out is one
            // file in rollback-journal mode, whatever it was made from.
            s.execute("PRAGMA journal_mode=DELETE");
        }
    }

    private Duration restoreWait() {
        return s.config().writeTimeout().compareTo(RESTORE_WAIT) > 0 ? s.config().writeTimeout() : RESTORE_WAIT;
    }

    static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }
}
