package io.cairn.edge.http;

import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.read.ReadPool;
import io.cairn.edge.read.TenantFileDamaged;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.Commands;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the edge does with a tenant file it must not serve (damaged, or missing though the tenant
 * exists): it asks the applier, through the tenant's own log, to check the file again and rebuild it
 * ({@code RepairTenant}; one request per tenant at a time), waits for the directory to show the repair
 * applied, and serves from the rebuilt file. Never wrong rows, never a 4xx that blames the client:
 * until the file is rebuilt, 503 {@code tenant_recovering}. Thread-safe.
 */
public final class TenantRepairs {
    /** Something to read again once the tenant's file is rebuilt. */
    interface Read<T> {
        T run() throws InterruptedException;
    }

    private static final Logger log = LoggerFactory.getLogger(TenantRepairs.class);

    private final CommandGateway gateway;
    private final TenantDirectory directory;
    private final ReadPool pool;
    private final EdgeMetrics metrics;
    private final Duration appendTimeout;
    private final Map<String, Bookmark> pending = new ConcurrentHashMap<>();

    public static TenantRepairs create(CommandGateway gateway, TenantDirectory directory, ReadPool pool, EdgeMetrics metrics,
            Duration appendTimeout) {
        return new TenantRepairs(gateway, directory, pool, metrics, appendTimeout);
    }

    private TenantRepairs(CommandGateway gateway, TenantDirectory directory, ReadPool pool, EdgeMetrics metrics, Duration appendTimeout) {
        this.gateway = gateway;
        this.directory = directory;
        this.pool = pool;
        this.metrics = metrics;
        this.appendTimeout = appendTimeout;
    }

    /**
     * Runs {@code read}; when the tenant's file turns out damaged or missing, has it repaired and runs
     * {@code read} once more within {@code wait}, else answers 503 {@code tenant_recovering}.
     */
    <T> T read(String tenant, Duration wait, Read<T> read) throws InterruptedException {
        try {
            return read.run();
        } catch (TenantFileDamaged damaged) {
            metrics.damagedFile();
            if (!repaired(tenant, damaged.getMessage(), wait)) throw recovering();
            try {
                return read.run();
            } catch (TenantFileDamaged again) {
                metrics.damagedFile();
                throw recovering();
            }
        }
    }

    /** Asks for the repair (unless one is under way) and waits up to {@code wait} for the directory to show it applied. */
    private boolean repaired(String tenant, String problem, Duration wait) throws InterruptedException {
        Bookmark at = pending.get(tenant);
        if (at == null) {
            synchronized (this) {
                at = pending.get(tenant);
                if (at == null) {
                    log.error("{}; asking the applier to rebuild it from the log", problem);
                    at = gateway.append(Commands.repair(tenant, problem), appendTimeout);
                    pending.put(tenant, at);
                    metrics.repairRequested();
                }
            }
        }
        if (!directory.awaitApplied(tenant, at.offset(), wait)) return false;
        pending.remove(tenant, at);
        pool.distrust(tenant); // the rebuilt file is a new one: checked again before it is served
        return true;
    }

    private static ApiError recovering() {
        return new ApiError(ErrorCode.TENANT_RECOVERING,
                "the tenant's database file failed its check and is being rebuilt from the log; retry shortly");
    }
}
