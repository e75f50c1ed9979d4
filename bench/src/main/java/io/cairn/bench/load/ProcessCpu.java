package io.cairn.bench.load;

import java.lang.management.ManagementFactory;

/**
 * CPU time this whole process spent (every thread: the load generator, edge, broker, applier, and the JVM's
 * own compiler and collector), read around a measured stretch. On a machine whose cores are saturated, CPU per
 * operation is what bounds throughput, and it is far less noisy than a rate: the figure to compare across runs.
 */
public final class ProcessCpu {
    private final long startNanos = cpuNanos();

    private ProcessCpu() {}

    /** Starts counting now. */
    public static ProcessCpu start() {
        return new ProcessCpu();
    }

    /** Microseconds of CPU per operation since {@link #start}, for {@code operations} operations. */
    public double microsPer(double operations) {
        return operations <= 0 ? 0 : (cpuNanos() - startNanos) / 1e3 / operations;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
