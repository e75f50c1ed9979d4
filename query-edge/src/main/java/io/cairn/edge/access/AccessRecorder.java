package io.cairn.edge.access;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts each tenant's use of this edge in memory, window by window: a request adds to its tenant's
 * counts (one map operation under the tenant's bin lock, no allocation once the tenant is in the
 * window), and {@link #drain} takes every tenant's counts out atomically, so a request is counted in
 * exactly one window. Only tenants used in the current window take memory. Thread-safe.
 */
public final class AccessRecorder {
    /** One tenant's counts over a window. */
    public record Counts(String tenant, long reads, long writes, long rowsRead, long bytesIn, long bytesOut, long lastAccessMs) {}

    private static final class Mutable {
        long reads;
        long writes;
        long rowsRead;
        long bytesIn;
        long bytesOut;
        long lastAccessMs;
    }

    private final ConcurrentHashMap<String, Mutable> window = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public AccessRecorder() {
        this(System::currentTimeMillis);
    }

    AccessRecorder(LongSupplier clock) {
        this.clock = clock;
    }

    /** A read answered with success: {@code rows} returned, bytes received and sent. */
    public void read(String tenant, long rows, long bytesIn, long bytesOut) {
        long now = clock.getAsLong();
        window.compute(tenant, (t, m) -> {
            if (m == null) m = new Mutable();
            m.reads++;
            m.rowsRead += rows;
            m.bytesIn += bytesIn;
            m.bytesOut += bytesOut;
            m.lastAccessMs = Math.max(m.lastAccessMs, now);
            return m;
        });
    }

    /** A write accepted into the log. */
    public void write(String tenant, long bytesIn, long bytesOut) {
        long now = clock.getAsLong();
        window.compute(tenant, (t, m) -> {
            if (m == null) m = new Mutable();
            m.writes++;
            m.bytesIn += bytesIn;
            m.bytesOut += bytesOut;
            m.lastAccessMs = Math.max(m.lastAccessMs, now);
            return m;
        });
    }

    /** When this edge last served the tenant in the current window; 0 if not in it. */
    public long lastAccessInWindow(String tenant) {
        Mutable m = window.get(tenant);
        return m == null ? 0 : m.lastAccessMs; // a racy read: at worst a moment old
    }

    /** Takes out every tenant's counts since the last drain. */
    public List<Counts> drain() {
        List<Counts> out = new ArrayList<>();
        for (String tenant : window.keySet()) {
            window.computeIfPresent(tenant, (t, m) -> {
                out.add(new Counts(t, m.reads, m.writes, m.rowsRead, m.bytesIn, m.bytesOut, m.lastAccessMs));
                return null;
            });
        }
        return out;
    }
}
