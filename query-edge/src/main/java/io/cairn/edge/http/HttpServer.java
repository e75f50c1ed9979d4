package io.cairn.edge.http;

import io.cairn.connectors.metadata.MetadataStoreException;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.error.LocalDisk;
import io.cairn.edge.write.LogUnavailableException;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.KeyUnavailableException;
import io.cairn.edge.write.StorageGuard;
import io.cairn.edge.write.TenantBacklog;
import io.cairn.topics.ErrorCode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 HTTP API on Javalin (virtual threads: every blocking wait of a request parks a virtual thread).
 * Every route runs inside {@link #guarded}, which maps failures to the JSON error shape and counts the
 * request; Javalin's own 404/405/413 are mapped to the same shape, a 405 with the {@code Allow} header
 * listing the methods its path takes.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** Connections the kernel may hold for the edge before it accepts them (a burst of new clients). */
    static final int ACCEPT_QUEUE = 4_096;
    /**
     * While every connection the edge allows is open, a connection idle this long is closed (instead of after the
     * idle timeout, 150 s): 4,096 idle sockets from eight addresses (each within its share) held every connection,
     * and every tenant's requests hung for minutes. New clients wait in the accept queue meanwhile.
     */
    static final Duration IDLE_TIMEOUT_AT_LIMIT = Duration.ofSeconds(5);

    /** A route body; may throw anything, which {@link #guarded} turns into an error response. */
    @FunctionalInterface
    interface Route {
        void handle(Context ctx) throws Exception;
    }

    private final Javalin app;

    private HttpServer(Javalin app) {
        this.app = app;
    }

    /** Starts listening on the configured host and port (0 = any free port). */
    public static HttpServer start(EdgeServices services) {
        int largest = services.config().maxRequestBytes();
        RequestBodies bodies = new RequestBodies(largest, new BodyBudget(Math.max(largest, services.config().http().maxBodyBytesPerTenant()),
                Math.max(largest, services.config().http().maxLargeBodyBytes())), services.config().http().minRequestBytesPerSecond());
        AdminRoutes admin = new AdminRoutes(services, bodies, new RestoreRoutes(services, bodies));
        DataRoutes data = new DataRoutes(services, bodies);
        OpsRoutes ops = new OpsRoutes(services);
        FleetRoutes fleet = new FleetRoutes(services);
        MigrationRoutes migrations = new MigrationRoutes(services, bodies);
        RestoreRoutes restores = new RestoreRoutes(services, bodies);
        EncryptionRoutes encryption = new EncryptionRoutes(services, bodies);
        ConsoleRoutes console = new ConsoleRoutes();
        EdgeMetrics metrics = services.metrics();
        AllowedMethods allowed = new AllowedMethods();
        Javalin app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.maxRequestSize = services.config().maxRequestBytes();
            cfg.http.prefer405over404 = true;
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = services.config().host();
            cfg.jetty.port = services.config().port();
            EdgeConfig.HttpLimits limits = services.config().http();
            cfg.jetty.modifyHttpConfiguration(http -> http.setIdleTimeout(limits.idleTimeout().toMillis()));
            cfg.jetty.modifyServer(server -> {

                server.setErrorHandler(new JsonErrorHandler());
                // Javalin adds its connector and handler as the server starts: set them up then.
                server.addEventListener(new LifeCycle.Listener() {
                    @Override
                    public void lifeCycleStarting(LifeCycle event) {
                        IdleAtLimit connections = new IdleAtLimit(limits.maxConnections(), IDLE_TIMEOUT_AT_LIMIT, server.getConnectors());
                        server.addBean(connections);
                        HeaderDeadline headers = new HeaderDeadline(
                                limits.idleTimeout().compareTo(HeaderDeadline.LIMIT) < 0 ? limits.idleTimeout() : HeaderDeadline.LIMIT);
                        server.addBean(headers);
                        for (Connector c : server.getConnectors()) {
                            if (c instanceof AbstractConnector a) {
                                a.setIdleTimeout(limits.idleTimeout().toMillis());
                                a.addEventListener(connections);
                                a.addEventListener(headers);
                            }
                            // The JDK's default backlog of 50 resets a burst of new connections (a thousand
                            // clients at once) before Jetty can accept them; the kernel caps it (somaxconn).
                            if (c instanceof ServerConnector sc) sc.setAcceptQueueSize(ACCEPT_QUEUE);
                            if (limits.maxConnectionsPerAddress() > 0 && c instanceof AbstractConnector a) {
                                a.addEventListener(new ConnectionsPerAddress(limits.maxConnectionsPerAddress()));
                            }
                        }
                        // No Jetty MinimumDataRateHandler: the rate is each body's own (MinimumRate, in RequestBodies). Jetty's
                        // (12.1) divides the bytes the whole server has read (bytes x 10^9 / elapsed) by one request's
                        // time: past 9.2 GB read since the start the product overflows, and every body not already in the
                        // buffer when first asked for was refused 408 at once, for every tenant, until a restart (found
                        // from outside after a flood of large writes).
                    }
                });
            });
            // Large answers are held per tenant while written (Responses.send): 4 reads of the largest result each.
            BodyBudget answers = new BodyBudget(4 * Math.max(services.config().maxResultBytes(), BodyBudget.SMALL),
                    2 * Math.max(largest, services.config().http().maxLargeBodyBytes()), "answers its clients have not yet read");
            cfg.routes.before(ctx -> ctx.attribute(Responses.ANSWERS, answers));
            cfg.routes.before(ctx -> RequestGate.check(ctx, allowed));
            // The data routes first: Javalin tries a method's routes in the order they were added.
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/query", data::query);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/execute", data::execute);
            add(cfg, metrics, allowed, HandlerType.GET, "/health", ops::health);
            add(cfg, metrics, allowed, HandlerType.GET, "/metrics", ops::metrics);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/openapi.json", ops::openapi);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants", admin::createTenant);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants", fleet::list);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/usage", fleet::usage);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}", admin::getTenant);
            add(cfg, metrics, allowed, HandlerType.DELETE, "/v1/tenants/{tenant}", admin::deleteTenant);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/keys", admin::issueKey);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/keys", admin::listKeys);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/snapshots", admin::takeSnapshot);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/snapshots", admin::listSnapshots);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/tier", admin::setTier);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/restore", restores::restore);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/history", restores::history);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/export", restores::export);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/import", restores::importContent);
            add(cfg, metrics, allowed, HandlerType.DELETE, "/v1/tenants/{tenant}/keys/{keyId}", admin::revokeKey);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/data-keys", encryption::listDataKeys);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/tenants/{tenant}/data-keys", encryption::rotateDataKey);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/encryption/kek", encryption::rotateKek);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/migrations", migrations::listSets);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/migrations/{set}", migrations::getSet);
            add(cfg, metrics, allowed, HandlerType.PUT, "/v1/migrations/{set}/versions/{version}", migrations::putVersion);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/migrations/{set}/runs", migrations::startRun);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/migrations/{set}/runs", migrations::listRuns);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/migrations/{set}/runs/{run}", migrations::getRun);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/migrations/{set}/drift", migrations::drift);
            add(cfg, metrics, allowed, HandlerType.POST, "/v1/migrations/{set}/runs/{run}/{action}", migrations::controlRun);
            add(cfg, metrics, allowed, HandlerType.GET, "/v1/tenants/{tenant}/checksum", data::checksum);
            // The admin console's assets: not part of the API (not in the OpenAPI document).
            page(cfg, metrics, allowed, "/console", console::page);
            page(cfg, metrics, allowed, "/console/", console::page);
            page(cfg, metrics, allowed, "/console/{asset}", console::asset);
            // What RequestGate refused: no route ran; the method counted is the request line's.
            cfg.routes.exception(ApiError.class, (e, ctx) -> {
                Responses.error(ctx, e);
                metrics.request("unmatched", ctx.req().getMethod(), ctx.statusCode());
            });
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (e.getStatus() == 405) ctx.header("Allow", allowed.header(ctx.path()));
                Responses.error(ctx, frameworkError(e.getStatus()));
                metrics.request("unmatched", ctx.method().name(), ctx.statusCode());
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                Responses.error(ctx, internal(e));
                metrics.request("unmatched", ctx.method().name(), ctx.statusCode());
            });
        });
        app.start();
        return new HttpServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private static final java.util.Set<String> ROUTES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Every route an edge of this process registered, as "METHOD /path/{param}": what the OpenAPI document must describe. */
    public static java.util.Set<String> routes() {
        return java.util.Set.copyOf(ROUTES);
    }

    private static void add(JavalinConfig cfg, EdgeMetrics metrics, AllowedMethods allowed, HandlerType method, String path, Route route) {
        ROUTES.add(method.name() + " " + path);
        allowed.add(method.name(), path);
        String name = method.name() + " " + path;
        cfg.routes.addHttpHandler(method, path, ctx -> guarded(ctx, metrics, path, c -> {
            QueryParameters.check(c, name);
            route.handle(c);
        }));
    }

    private static void page(JavalinConfig cfg, EdgeMetrics metrics, AllowedMethods allowed, String path, Route route) {
        allowed.add(HandlerType.GET.name(), path);
        cfg.routes.addHttpHandler(HandlerType.GET, path, ctx -> guarded(ctx, metrics, path, route));
    }

    /** Each tenant's requests in progress in this process's edge ({@link TenantRequests}). */
    static final TenantRequests IN_FLIGHT = new TenantRequests(TenantRequests.DEFAULT_MAX);

    private static void guarded(Context ctx, EdgeMetrics metrics, String path, Route route) {
        // What every log line of this request carries (json logs show it): one id per request, the route, the tenant.
        // Not a secret: ThreadLocalRandom, not UUID.randomUUID's shared SecureRandom, on every request of the hot path.
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        org.slf4j.MDC.put("correlation_id", new UUID(r.nextLong(), r.nextLong()).toString());
        org.slf4j.MDC.put("route", ctx.method().name() + " " + path);
        String tenant = ctx.pathParamMap().get("tenant");
        if (tenant != null) org.slf4j.MDC.put("tenant", tenant);
        boolean counted = false;
        try {
            if (tenant != null) {
                IN_FLIGHT.enter(tenant); // one tenant cannot hold every connection of the edge
                counted = true;
            }
            route.handle(ctx);
        } catch (ApiError e) {
            if (e.code() == ErrorCode.TOO_MANY_REQUESTS) ctx.header("Retry-After", "1");
            Responses.error(ctx, e);
        } catch (StorageGuard.StorageFullException e) {
            ctx.header("Retry-After", "5");
            Responses.error(ctx, new ApiError(ErrorCode.STORAGE_FULL, e.getMessage()));
        } catch (TenantBacklog.BacklogFullException e) {
            ctx.header("Retry-After", "1");
            Responses.error(ctx, new ApiError(ErrorCode.TOO_MANY_REQUESTS, e.getMessage()));
        } catch (MetadataStoreException e) {
            if (!e.retriable()) log.error("control plane failure on {}", path, e);
            Responses.error(ctx, e.retriable()
                    ? ApiError.unavailable("the control plane (the metadata store) cannot be reached; retry shortly")
                    : internal(e));
        } catch (SnapshotStoreException e) {
            if (LocalDisk.isFull(e)) {
                localDiskFull(ctx, path, e);
                return;
            }
            if (!e.retriable()) log.error("snapshot store failure on {}", path, e);
            Responses.error(ctx, e.retriable()
                    ? ApiError.unavailable("the snapshot store cannot be reached; retry shortly")
                    : internal(e));
        } catch (KeyUnavailableException e) {
            log.warn("key vault unavailable on {}: {}", path, e.getMessage());
            if (LocalDisk.isFull(e)) { // a vault on a local disk (./cairn dev's): its disk is full, which an operator frees
                ctx.header("Retry-After", "5");
                Responses.error(ctx, new ApiError(ErrorCode.STORAGE_FULL, "the key vault's disk is full; nothing was written, retry once"
                        + " there is space"));
                return;
            }
            Responses.error(ctx, ApiError.unavailable("the key vault cannot be reached; nothing was written, retry shortly"));
        } catch (KeyErasedException e) {
            Responses.error(ctx, new ApiError(ErrorCode.TENANT_ERASED, "this tenant was deleted and its data keys destroyed: its data is erased"));
        } catch (LogUnavailableException e) {
            log.warn("command log unavailable: {}", e.getMessage());
            Responses.error(ctx, ApiError.unavailable("the command log is unavailable; nothing was written, retry later"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.error(ctx, ApiError.unavailable("the edge is shutting down; retry"));
        } catch (Exception e) {
            if (LocalDisk.isFull(e)) localDiskFull(ctx, path, e);
            else if (clientGone(e)) log.info("{}: the client went away before its answer was sent ({})", path, e.toString());
            else Responses.error(ctx, internal(e));
        } finally {
            if (counted) IN_FLIGHT.leave(tenant);
            RequestBodies.release(ctx);
            metrics.request(path, ctx.method().name(), ctx.statusCode());
            org.slf4j.MDC.clear();
        }
    }

    /** A copy the request made on the node's local disk filled it: 503 storage_full, never 500. */
    private static void localDiskFull(Context ctx, String path, Exception e) {
        log.warn("local disk full on {}: {}", path, e.toString());
        ctx.header("Retry-After", "5");
        Responses.error(ctx, LocalDisk.full("this request's copy"));
    }

    /** The API's error for a status Javalin or Jetty answered by itself. */
    static ApiError frameworkError(int status) {
        return switch (status) {
            case 404 -> new ApiError(ErrorCode.NOT_FOUND, "no such route");
            case 405 -> new ApiError(ErrorCode.METHOD_NOT_ALLOWED, "this route does not take this method");
            case 413 -> new ApiError(ErrorCode.REQUEST_TOO_LARGE, "the request body is too large");
            case 408 -> new ApiError(ErrorCode.REQUEST_TIMEOUT, "the request was not received in time");
            case 414 -> new ApiError(ErrorCode.URI_TOO_LONG, "the request's URI is too long");
            case 431 -> new ApiError(ErrorCode.HEADERS_TOO_LARGE, "the request's headers are too large");
            case 417 -> ApiError.invalidRequest("the request's Expect header asks for what the edge does not do: only \"Expect: 100-continue\""
                    + " is taken; send the request without it");
            case 426, 505 -> ApiError.invalidRequest("the edge speaks HTTP/1.1 (and 1.0) only: send the request as HTTP/1.1");
            default -> status < 500 ? ApiError.invalidRequest("the request could not be handled (HTTP " + status + ")")
                    : new ApiError(ErrorCode.INTERNAL, "the request could not be handled");
        };
    }

    /**
     * The client hung up or stopped reading while its answer was being written (an export it never read): nobody to
     * answer, and no bug of the edge's, so not an internal error (a tenant could fill the log with those at will).
     */
    static boolean clientGone(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.eclipse.jetty.io.EofException || t instanceof java.nio.channels.ClosedChannelException) return true;
            if (t instanceof java.util.concurrent.TimeoutException && t.getMessage() != null && t.getMessage().startsWith("Idle timeout expired")) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static ApiError internal(Throwable e) {
        String ref = org.slf4j.MDC.get("correlation_id") != null ? org.slf4j.MDC.get("correlation_id") : UUID.randomUUID().toString();
        log.error("internal error, correlation id {}", ref, e);
        return new ApiError(ErrorCode.INTERNAL, "internal error; correlation id " + ref);
    }
}
