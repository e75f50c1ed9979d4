package io.cairn.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.metadata.TenantPage;
import io.cairn.connectors.metadata.TenantQuery;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.connectors.metadata.UsageCounts;
import io.cairn.connectors.metadata.UsageReport;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.Tier;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the control plane (the metadata store) answers: the fleet listing ({@code GET /v1/tenants}, admin)
 * and a tenant's usage ({@code GET /v1/tenants/{t}/usage}, admin or the tenant's key). Both are views
 * the materializer keeps, a few seconds behind the log.
 */
final class FleetRoutes {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1_000;
    static final int DEFAULT_USAGE_DAYS = 30;
    static final int MAX_USAGE_DAYS = 366;
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");
    private static final Pattern PLAIN_DAY = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

    private final EdgeServices s;

    FleetRoutes(EdgeServices services) {
        this.s = services;
    }

    /** {@code GET /v1/tenants?tier=&idle_for=&schema_version=&limit=&cursor=}. */
    void list(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        Tier tier = tier(ctx.queryParam("tier"));
        Duration idleFor = idleFor(ctx.queryParam("idle_for"));
        Integer version = integer(ctx.queryParam("schema_version"), "schema_version", 0, Integer.MAX_VALUE);
        Integer limit = integer(ctx.queryParam("limit"), "limit", 1, MAX_LIMIT);
        String cursor = ctx.queryParam("cursor");
        MetadataStore store = s.requireControlPlane();
        Long idleBefore = idleFor == null ? null : System.currentTimeMillis() - idleFor.toMillis();
        TenantPage page;
        try {
            page = store.listTenants(new TenantQuery(tier, idleBefore, version), limit == null ? DEFAULT_LIMIT : limit,
                    cursor == null || cursor.isEmpty() ? null : cursor);
        } catch (IllegalArgumentException e) {
            throw invalid("cursor", "\"cursor\" must be a next_cursor this listing returned, with the same filters");
        }
        ObjectNode out = Responses.object();
        ArrayNode tenants = out.putArray("tenants");
        for (TenantRecord r : page.tenants()) tenants.add(TenantJson.of(r));
        if (page.nextCursor() != null) out.put("next_cursor", page.nextCursor());
        else out.putNull("next_cursor");
        Responses.json(ctx, 200, out);
    }

    /** {@code GET /v1/tenants/{t}/usage?from=YYYY-MM-DD&to=YYYY-MM-DD} (UTC days; default the last 30). */
    void usage(Context ctx) {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, null);
        long life = s.existing(tenant).getCreatedOffset();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate to = day(ctx.queryParam("to"), "to", today);
        LocalDate from = day(ctx.queryParam("from"), "from", to.minusDays(DEFAULT_USAGE_DAYS - 1));
        if (from.isAfter(to)) {
            throw invalid("from", "\"from\" must not be after \"to\"" + (ctx.queryParam("to") == null ? " (" + to + ", today in UTC, when"
                    + " \"to\" is left out)" : ""));
        }
        if (ChronoUnit.DAYS.between(from, to) >= MAX_USAGE_DAYS) throw invalid("from", "at most " + MAX_USAGE_DAYS + " days at once");
        UsageReport u = s.requireControlPlane().usage(tenant, life, from, to);
        ObjectNode out = Responses.object();
        out.put("tenant", tenant).put("from", from.toString()).put("to", to.toString()).put("storage_bytes", u.storageBytes());
        // The store writes a flush's days before its totals: read between the two, a day was ahead of the whole life.
        UsageCounts inDays = UsageCounts.ZERO;
        for (UsageReport.Day d : u.days()) inDays = inDays.plus(d.counts());
        counts(out.putObject("totals"), u.totals().atLeast(inDays));
        ArrayNode days = out.putArray("days");
        for (UsageReport.Day d : u.days()) counts(days.addObject().put("day", d.day().toString()), d.counts());
        Responses.json(ctx, 200, out);
    }

    private static void counts(ObjectNode out, UsageCounts c) {
        out.put("reads", c.reads()).put("rows_read", c.rowsRead()).put("writes", c.writes()).put("statements", c.statements())
                .put("rows_written", c.rowsWritten()).put("bytes_in", c.bytesIn()).put("bytes_out", c.bytesOut());
    }

    private static Tier tier(String value) {
        if (value == null || value.isEmpty()) return null;
        return switch (value) {
            case "hot" -> Tier.HOT;
            case "cold" -> Tier.COLD;
            default -> throw invalid("tier", "\"tier\" must be \"hot\" or \"cold\"");
        };
    }

    /** {@code 90s}, {@code 10m}, {@code 24h}, {@code 7d}, or ISO-8601 ({@code PT24H}). */
    static Duration idleFor(String value) {
        if (value == null || value.isEmpty()) return null;
        Matcher m = DURATION.matcher(value);
        Duration d;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw invalid("idle_for", "\"idle_for\" must be a duration such as 90s, 10m, 24h, 7d or PT24H");
            }
        }
        if (d.isNegative() || d.compareTo(Duration.ofDays(3_650)) > 0) {
            throw invalid("idle_for", "\"idle_for\" must be between 0 and 3650 days");
        }
        return d;
    }

    private static Integer integer(String value, String field, int min, int max) {
        if (value == null || value.isEmpty()) return null;
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw invalid(field, "\"" + field + "\" must be an integer from " + min + " to " + max);
    }

    /** A day from 1970-01-01 to 9999-12-31: ISO's signed years of up to nine digits ({@code +999999999-01-01}) were taken. */
    static LocalDate day(String value, String field, LocalDate fallback) {
        if (value == null || value.isEmpty()) return fallback;
        try {
            LocalDate day = PLAIN_DAY.matcher(value).matches() ? LocalDate.parse(value) : null;
            if (day != null && day.getYear() >= 1970) return day;
        } catch (DateTimeParseException e) {
            // named below, as any other day out of form or range
        }
        throw invalid(field, "\"" + field + "\" must be a date like 2026-11-30 (UTC), from 1970-01-01 to 9999-12-31");
    }

    private static ApiError invalid(String field, String message) {
        return new ApiError(ErrorCode.INVALID_REQUEST, message, null, Map.of("field", field));
    }
}
