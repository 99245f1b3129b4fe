package io.tcpstack.api;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import org.agrona.concurrent.IdleStrategy;

/**
 * The stack thread's idle strategy when latency matters and a spinning core does not:
 * spin a little, yield a little, then park until woken by whoever brings work (the link's
 * reader thread after it commits a frame, or {@link TcpStack#submit}), or until
 * {@code maxParkNs} passes, so timers still run, or until work falls due by itself (a
 * packet the link holds back for a delay, {@code serve --impair delay=...}), if sooner.
 *
 * <p>Why: a timed park (Agrona's {@code BackoffIdleStrategy}) sleeps at least the kernel's
 * timer slack (50 µs by default) whatever it asks for, and a packet that arrives meanwhile
 * waits for it; a futex wake from the producer costs it about a microsecond instead.
 *
 * <p>No lost wake-up: the stack thread publishes itself in {@code parked} (a volatile
 * write) and then checks for work once more before it parks; a producer makes its work
 * visible, then (after a full fence) reads {@code parked}. One of the two sees the other.
 */
public final class WakeableIdleStrategy implements IdleStrategy {
    private static final LongSupplier NOTHING_DUE = () -> Long.MAX_VALUE;
    private final int spins;
    private final long spinNs;
    private final int yields;
    private final long maxParkNs;
    private final BooleanSupplier hasWork;
    private final LongSupplier nsUntilDue;
    private volatile Thread parked;
    private boolean idling;
    private int spun;
    private int yielded;
    private long idleSinceNs;

    /**
     * @param hasWork whether work is waiting (checked after announcing the park, so it must
     *                read what producers publish: the link's ring, the task queue)
     */
    WakeableIdleStrategy(final int spins, final int yields, final long maxParkNs, final BooleanSupplier hasWork) {
        this(spins, 0, yields, maxParkNs, hasWork, NOTHING_DUE);
    }

    /**
     * @param spinNs     keep spinning at least this long after the last work (a request's answer
     *                   often comes back within tens of microseconds: parking and being woken
     *                   costs more than that on an idle core)
     * @param nsUntilDue nanoseconds until work falls due with no one to wake the thread (a
     *                   delayed packet's release), {@link Long#MAX_VALUE} if none; the park
     *                   ends by then, and does not begin if it is 0 or less
     */
    WakeableIdleStrategy(final int spins, final long spinNs, final int yields, final long maxParkNs,
        final BooleanSupplier hasWork, final LongSupplier nsUntilDue) {
        if (spins < 0 || spinNs < 0 || yields < 0 || maxParkNs <= 0) {
            throw new IllegalArgumentException("spins and yields must not be negative, maxParkNs must be positive");
        }
        this.spins = spins;
        this.spinNs = spinNs;
        this.yields = yields;
        this.maxParkNs = maxParkNs;
        this.hasWork = hasWork;
        this.nsUntilDue = nsUntilDue;
    }

    @Override
    public void idle(final int workCount) {
        if (workCount > 0) {
            reset();
            return;
        }
        idle();
    }

    @Override
    public void idle() {
        if (!idling) {
            idling = true;
            spun = 0;
            yielded = 0;
            idleSinceNs = spinNs > 0 ? System.nanoTime() : 0;
        }
        if (spun < spins || (spinNs > 0 && System.nanoTime() - idleSinceNs < spinNs)) {
            spun++;
            Thread.onSpinWait();
            return;
        }
        if (yielded < yields) {
            yielded++;
            Thread.yield();
            return;
        }
        parked = Thread.currentThread();
        if (!hasWork.getAsBoolean()) {
            final long dueInNs = nsUntilDue.getAsLong();
            if (dueInNs > 0) {
                LockSupport.parkNanos(this, Math.min(maxParkNs, dueInNs));
            }
        }
        parked = null;
    }

    @Override
    public void reset() {
        idling = false;
    }

    /** Wakes the stack thread if it is parked. Any thread, after making its work visible. */
    public void wake() {
        VarHandle.fullFence();
        final Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String alias() {
        return "wake";
    }
}
