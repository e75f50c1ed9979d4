package io.cairn.edge.directory;

import io.cairn.edge.auth.KeyStore;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's view of every tenant's latest {@link TenantState}, fed from {@code cairn.tenant-state}
 * (by {@link DirectoryFeed}, or directly in tests). Answers "does this tenant exist", "whose key is
 * this" and "wait until the tenant has applied offset N / is gone". Because the applier publishes a
 * state only after the tenant's file committed it, a state showing offset N means the file holds N.
 *
 * <p>Thread-safe: one writer ({@link #apply}), many readers; lookups never block.
 */
public final class TenantDirectory implements KeyStore {
    private static final Logger log = LoggerFactory.getLogger(TenantDirectory.class);

    private record Waiter(Predicate<TenantState> done, CompletableFuture<Void> signal) {}

    private final Map<String, TenantState> tenants = new ConcurrentHashMap<>();
    private final Map<String, String> keyOwners = new ConcurrentHashMap<>();
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();
    private final List<Consumer<String>> deletionListeners = new CopyOnWriteArrayList<>();
    // Orders state changes against waiter registration so no wake-up can slip between check and wait.
    private final ReentrantLock lock = new ReentrantLock();

    /** The tenant's latest state; empty when unknown or deleted. */
    public Optional<TenantState> tenant(String tenant) {
        return Optional.ofNullable(tenants.get(tenant));
    }

    /** Every tenant known now, sorted. */
    public java.util.List<String> tenants() {
        return tenants.keySet().stream().sorted().toList();
    }

    public int size() {
        return tenants.size();
    }

    @Override
    public Optional<StoredKey> findKey(String keyId) {
        String owner = keyOwners.get(keyId);
        TenantState state = owner == null ? null : tenants.get(owner);
        if (state == null) return Optional.empty();
        for (ApiKey k : state.getKeys()) {
            if (k.getKeyId().equals(keyId)) {
                return Optional.of(new StoredKey(owner, keyId, k.getSecretSha256(), List.copyOf(k.getScopes()), k.getRevoked()));
            }
        }
        return Optional.empty();
    }

    /** Calls {@code listener} with the tenant's id each time a tenant is deleted (on the feed's thread). */
    public void onDeleted(Consumer<String> listener) {
        deletionListeners.add(listener);
    }

    /**
     * Records the tenant's new state; {@code null} (a tombstone) means deleted. A state older than the
     * one held (lower applied offset) is ignored, so a replayed record cannot move a tenant backwards.
     */
    public void apply(String tenant, TenantState state) {
        List<CompletableFuture<Void>> wake = new ArrayList<>();
        boolean deleted;
        lock.lock();
        try {
            TenantState old = tenants.get(tenant);
            if (state != null && old != null && state.getAppliedOffset() < old.getAppliedOffset()) return;
            // Readers do not take the lock: add the new keys, then swap the state, then drop only the keys
            // the new state no longer has, so a key held across the change is never briefly unknown (a 401).
            if (state == null) {
                tenants.remove(tenant);
            } else {
                state.getKeys().forEach(k -> keyOwners.put(k.getKeyId(), tenant));
                tenants.put(tenant, state);
            }
            if (old != null) {
                for (ApiKey k : old.getKeys()) {
                    if (state == null || !hasKey(state, k.getKeyId())) keyOwners.remove(k.getKeyId(), tenant);
                }
            }
            deleted = state == null && old != null;
            List<Waiter> ws = waiters.get(tenant);
            if (ws != null) {
                ws.removeIf(w -> {
                    if (!w.done().test(state)) return false;
                    wake.add(w.signal());
                    return true;
                });
                if (ws.isEmpty()) waiters.remove(tenant);
            }
        } finally {
            lock.unlock();
        }
        wake.forEach(f -> f.complete(null));
        if (deleted) {
            for (Consumer<String> l : deletionListeners) {
                try {
                    l.accept(tenant);
                } catch (RuntimeException e) {
                    // Each forgets its own part of the tenant (connections, keys, copies on disk): one failing skips no other.
                    log.error("tenant {}: deleted, but forgetting it failed in part: {}", tenant, e.toString());
                }
            }
        }
    }

    private static boolean hasKey(TenantState state, String keyId) {
        for (ApiKey k : state.getKeys()) {
            if (k.getKeyId().equals(keyId)) return true;
        }
        return false;
    }

    /** Waits until the tenant's state shows {@code offset} applied; false on timeout. */
    public boolean awaitApplied(String tenant, long offset, Duration timeout) throws InterruptedException {
        return await(tenant, s -> s != null && s.getAppliedOffset() >= offset, timeout);
    }

    /** Waits until the tenant's state is another than {@code seen} (a newer one, or none); false on timeout. */
    public boolean awaitOther(String tenant, TenantState seen, Duration timeout) throws InterruptedException {
        return await(tenant, s -> s != seen, timeout);
    }

    /** Waits until the tenant is gone (deleted or never created); false on timeout. */
    public boolean awaitAbsent(String tenant, Duration timeout) throws InterruptedException {
        return await(tenant, s -> s == null, timeout);
    }

    private boolean await(String tenant, Predicate<TenantState> done, Duration timeout) throws InterruptedException {
        CompletableFuture<Void> signal = new CompletableFuture<>();
        Waiter waiter = new Waiter(done, signal);
        lock.lock();
        try {
            if (done.test(tenants.get(tenant))) return true;
            waiters.computeIfAbsent(tenant, t -> new ArrayList<>()).add(waiter);
        } finally {
            lock.unlock();
        }
        try {
            signal.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            if (!signal.isDone()) {
                lock.lock();
                try {
                    List<Waiter> ws = waiters.get(tenant);
                    if (ws != null) {
                        ws.remove(waiter);
                        if (ws.isEmpty()) waiters.remove(tenant);
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
