package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** RFC 6056 §3.3.4, Algorithm 4 (double-hash port selection). */
class EphemeralPortsTest {
    private static final int LOW = 32768;
    private static final int HIGH = 60999;
    private static final int LOCAL = 0x0A000001;
    private static final int REMOTE = 0x0A000002;
    private static final EphemeralPorts.PortInUse NONE_USED = port -> false;

    @Test
    void portsAreInTheRange() {
        final EphemeralPorts ports = new EphemeralPorts(LOW, HIGH, 11, 22);
        for (int i = 0; i < 5000; i++) {
            assertThat(ports.next(LOCAL, REMOTE + (i % 7), 1 + (i % 1000), NONE_USED)).isBetween(LOW, HIGH);
        }
    }

    @Test
    void deterministicPerKey_andTheKeyMatters() {
        final EphemeralPorts a = new EphemeralPorts(LOW, HIGH, 11, 22);
        final EphemeralPorts b = new EphemeralPorts(LOW, HIGH, 11, 22);
        final EphemeralPorts otherKey0 = new EphemeralPorts(LOW, HIGH, 12, 22);
        final EphemeralPorts otherKey1 = new EphemeralPorts(LOW, HIGH, 11, 23);
        int sameAs0 = 0;
        int sameAs1 = 0;
        for (int i = 0; i < 20; i++) {
            final int p = a.next(LOCAL, REMOTE, 80 + i, NONE_USED);
            assertThat(b.next(LOCAL, REMOTE, 80 + i, NONE_USED)).isEqualTo(p);
            sameAs0 += otherKey0.next(LOCAL, REMOTE, 80 + i, NONE_USED) == p ? 1 : 0;
            sameAs1 += otherKey1.next(LOCAL, REMOTE, 80 + i, NONE_USED) == p ? 1 : 0;
        }
        assertThat(sameAs0).as("another key0 gives other ports").isLessThan(3);
        assertThat(sameAs1).as("another key1 gives other ports").isLessThan(3);
    }

    @Test
    void successiveCallsToOneDestination_giveDifferentPorts() {
        final EphemeralPorts ports = new EphemeralPorts(LOW, HIGH, 11, 22);
        final Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(ports.next(LOCAL, REMOTE, 443, NONE_USED))).as("call %d", i).isTrue();
        }
    }

    @Test
    void successiveCalls_stepThroughTheRange_oneByOne_wrappingAtHigh() {
        // Algorithm 4: port = low + (F + table[G]++) % count, so a destination's ports follow
        // each other, and a small range is covered exactly once per count calls.
        final EphemeralPorts ports = new EphemeralPorts(40000, 40009, 5, 6);
        final Set<Integer> seen = new HashSet<>();
        int previous = ports.next(LOCAL, REMOTE, 80, NONE_USED);
        seen.add(previous);
        for (int i = 1; i < 10; i++) {
            final int p = ports.next(LOCAL, REMOTE, 80, NONE_USED);
            assertThat(p).isEqualTo(previous == 40009 ? 40000 : previous + 1);
            assertThat(seen.add(p)).isTrue();
            previous = p;
        }
        assertThat(seen).hasSize(10);
    }

    @Test
    void destinationsStartAtUnrelatedPlaces() {
        final EphemeralPorts ports = new EphemeralPorts(LOW, HIGH, 11, 22);
        final Set<Integer> firsts = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            firsts.add(ports.next(LOCAL, REMOTE, 1000 + i, NONE_USED));
        }
        assertThat(firsts.size()).as("F differs per destination").isGreaterThan(90);
    }

    @Test
    void skipsPortsInUse() {
        final EphemeralPorts twin = new EphemeralPorts(LOW, HIGH, 11, 22);
        final EphemeralPorts ports = new EphemeralPorts(LOW, HIGH, 11, 22);
        final int predicted = twin.next(LOCAL, REMOTE, 80, NONE_USED);
        final int[] asked = new int[1];
        final int p = ports.next(LOCAL, REMOTE, 80, port -> {
            asked[0]++;
            return port == predicted || port == predicted + 1;
        });
        assertThat(p).isEqualTo(predicted + 2 > HIGH ? LOW + (predicted + 2 - HIGH - 1) : predicted + 2);
        assertThat(asked[0]).isEqualTo(3);
    }

    @Test
    void allTaken_returnsMinusOne_afterTryingEachPortOnce() {
        final EphemeralPorts ports = new EphemeralPorts(40000, 40009, 5, 6);
        final Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            final int p = ports.next(LOCAL, REMOTE, 80, used::contains);
            assertThat(p).isBetween(40000, 40009);
            assertThat(used.add(p)).isTrue();
        }
        final Set<Integer> tried = new HashSet<>();
        final int[] asked = new int[1];
        assertThat(ports.next(LOCAL, REMOTE, 80, port -> {
            asked[0]++;
            tried.add(port);
            return true;
        })).isEqualTo(-1);
        assertThat(asked[0]).isEqualTo(10);
        assertThat(tried).hasSize(10);
        // One port freed: found again.
        used.remove(40004);
        assertThat(ports.next(LOCAL, REMOTE, 80, used::contains)).isEqualTo(40004);
    }

    @Test
    void singlePortRange() {
        final EphemeralPorts ports = new EphemeralPorts(50000, 50000, 5, 6);
        assertThat(ports.next(LOCAL, REMOTE, 80, NONE_USED)).isEqualTo(50000);
        assertThat(ports.next(LOCAL, REMOTE, 80, NONE_USED)).isEqualTo(50000);
        assertThat(ports.next(LOCAL, REMOTE, 80, port -> true)).isEqualTo(-1);
    }

    @Test
    void wholePortRange_works() {
        final EphemeralPorts ports = new EphemeralPorts(1, 65535, 5, 6);
        for (int i = 0; i < 100; i++) {
            assertThat(ports.next(LOCAL, REMOTE, i, NONE_USED)).isBetween(1, 65535);
        }
    }

    @Test
    void badRanges_areRejected() {
        assertThatThrownBy(() -> new EphemeralPorts(0, 10, 1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EphemeralPorts(100, 65536, 1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EphemeralPorts(200, 100, 1, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void next_allocatesNothing() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "thread allocation counting unsupported");
        final EphemeralPorts ports = new EphemeralPorts(LOW, HIGH, 11, 22);
        final EphemeralPorts.PortInUse odd = port -> (port & 1) == 1;
        int sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += ports.next(LOCAL, i, 80, odd);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            sink += ports.next(LOCAL, i, 443, odd);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes for 100k ports (sink %d)", sink).isLessThan(1024);
    }
}
