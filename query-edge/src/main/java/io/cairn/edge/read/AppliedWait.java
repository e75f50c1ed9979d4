package io.cairn.edge.read;

import java.time.Duration;

/** Lets a read wait for a tenant's copy to catch up (implemented by the tenant directory). */
@FunctionalInterface
public interface AppliedWait {
    /** Blocks until the tenant has applied {@code offset} or {@code timeout} passed; false on timeout. */
    boolean awaitApplied(String tenant, long offset, Duration timeout) throws InterruptedException;
}
