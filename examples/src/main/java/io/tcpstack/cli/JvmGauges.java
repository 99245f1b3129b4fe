package io.tcpstack.cli;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.stats.StackCounters;

/**
 * The JVM's memory as gauges in the counters file, so another process (the SYN-flood
 * experiment, {@code tcpstack stat}) sees whether the stack's memory stays flat under load:
 * {@code jvm.heap.used_bytes} (young garbage included: a sawtooth), {@code jvm.heap.old_used_bytes}
 * (the old generation: what survived young collections) and {@code jvm.gc.collections}.
 *
 * <p>One daemon thread writes them every {@value #PERIOD_MS} ms; it is each gauge's only writer.
 * Counters are allocated in the constructor, before the stack's threads start.
 */
final class JvmGauges implements AutoCloseable {
    static final long PERIOD_MS = 100;

    private final AtomicCounter heapUsed;
    private final AtomicCounter oldUsed;
    private final AtomicCounter collections;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final MemoryPoolMXBean oldPool;
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final Thread thread;

    JvmGauges(final StackCounters counters) {
        heapUsed = counters.newCounter("jvm.heap.used_bytes");
        oldUsed = counters.newCounter("jvm.heap.old_used_bytes");
        collections = counters.newCounter("jvm.gc.collections");
        oldPool = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
            .findFirst().orElse(null);
        thread = new Thread(this::run, "tcpstack-jvm-gauges");
        thread.setDaemon(true);
    }

    JvmGauges start() {
        update();
        thread.start();
        return this;
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (final InterruptedException e) {
                return;
            }
            update();
        }
    }

    private void update() {
        heapUsed.setRelease(memory.getHeapMemoryUsage().getUsed());
        if (oldPool != null) {
            oldUsed.setRelease(oldPool.getUsage().getUsed());
        }
        long n = 0;
        for (final GarbageCollectorMXBean gc : collectors) {
            n += Math.max(0, gc.getCollectionCount());
        }
        collections.setRelease(n);
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(1000);
    }
}
