package io.tcpstack.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** The stack thread's park-until-woken idle strategy: no lost wake-up, no park with work waiting. */
class WakeableIdleStrategyTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);

    @Test
    void aParkedThread_isWokenByWake_longBeforeItsParkWouldEnd() throws Exception {
        final AtomicBoolean work = new AtomicBoolean();
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(0, 0, HOUR_NS, work::get);
        final Thread stack = new Thread(idle::idle);
        final long start = System.nanoTime();
        stack.start();
        while (stack.getState() != Thread.State.TIMED_WAITING && stack.isAlive()) {
            Thread.onSpinWait(); // until it has parked
        }
        work.set(true);
        idle.wake();
        stack.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(stack.isAlive()).as("woken, not waiting out an hour").isFalse();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void workAlreadyWaiting_meansNoPark() {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(0, 0, HOUR_NS, () -> true);
        final long start = System.nanoTime();
        idle.idle(0); // would park for an hour if it did not look for work first
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void aPark_endsWhenWorkFallsDue() {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(0, 0, 0, HOUR_NS, () -> false,
            () -> TimeUnit.MILLISECONDS.toNanos(5)); // a delayed packet, due in 5 ms
        final long start = System.nanoTime();
        idle.idle(0); // would park for an hour if it did not ask when work falls due
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void workDueAlready_meansNoPark() {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(0, 0, 0, HOUR_NS, () -> false, () -> -1);
        final long start = System.nanoTime();
        idle.idle(0);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void spinsAndYieldsFirst_thenParks_andWorkResetsTheCount() {
        final int[] checks = {0};
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(3, 2, HOUR_NS, () -> {
            checks[0]++;
            return true;
        });
        for (int i = 0; i < 5; i++) {
            idle.idle(0);
        }
        assertThat(checks[0]).as("no park attempt while spinning and yielding").isZero();
        idle.idle(0);
        assertThat(checks[0]).isEqualTo(1);
        idle.idle(1);
        idle.idle(0);
        assertThat(checks[0]).as("work reset the count: spinning again").isEqualTo(1);
    }

    @Test
    void badArguments_areRejected() {
        assertThatThrownBy(() -> new WakeableIdleStrategy(-1, 0, 1, () -> false))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WakeableIdleStrategy(0, 0, 0, () -> false))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
