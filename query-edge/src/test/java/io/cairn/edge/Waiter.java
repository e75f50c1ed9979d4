package io.cairn.edge;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

/**
 * A call run on its own thread, for tests of code that blocks until something happens: {@link #blocked}
 * returns once the thread is parked waiting (so what the test does next really wakes a waiter, rather
 * than racing it), then {@link #future} gives the call's result.
 */
public final class Waiter<T> {
    private final FutureTask<T> future;
    private final Thread thread;

    private Waiter(Callable<T> call) {
        this.future = new FutureTask<>(call);
        this.thread = Thread.ofPlatform().daemon().name("waiter").start(future);
    }

    public static <T> Waiter<T> start(Callable<T> call) {
        return new Waiter<>(call);
    }

    /** Returns once the call's thread is waiting (parked, in a timed wait or on a monitor), or fails after 10 s. */
    public Waiter<T> blocked() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> switch (thread.getState()) {
            case WAITING, TIMED_WAITING, BLOCKED -> true;
            default -> false;
        });
        return this;
    }

    public FutureTask<T> future() {
        return future;
    }
}
