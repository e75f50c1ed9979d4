package io.cairn.infra.runtime;

import java.util.concurrent.CountDownLatch;

/** Keeps a long-running command alive until the process is asked to stop (Ctrl-C, SIGTERM). */
public final class Processes {
    private Processes() {}

    /** Blocks until shutdown, then closes {@code resources} in reverse order. */
    public static void runUntilStopped(AutoCloseable... resources) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (int i = resources.length - 1; i >= 0; i--) {
                try {
                    if (resources[i] != null) resources[i].close();
                } catch (Exception e) {
                    System.err.println("cairn: error while stopping: " + e);
                }
            }
            stopped.countDown();
        }, "cairn-shutdown"));
        stopped.await();
    }
}
