package io.cairn.edge.http;

/**
 * One condition {@code GET /health} requires. The edge registers its own (producer, outcome consumer,
 * tenant directory); the launcher adds others (e.g. "applier" while Kafka Streams is RUNNING).
 * {@link #healthy()} is called on every health request from any thread: it must be cheap and never block.
 */
public interface HealthCheck {
    /** A short stable name, listed under {@code "failing"} while unhealthy. */
    String name();

    boolean healthy();

    static HealthCheck of(String name, java.util.function.BooleanSupplier healthy) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean healthy() {
                return healthy.getAsBoolean();
            }
        };
    }
}
