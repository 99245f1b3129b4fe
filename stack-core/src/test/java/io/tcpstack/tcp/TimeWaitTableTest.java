package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The TIME-WAIT records on their own (RFC 9293 §3.6 2×MSL wait, RFC 7323 §3.2 timestamps
 * kept for the ACKs it sends): what a record keeps, the FIFO, the free slots, and what a
 * record costs. The state machine around them is in {@code TcpStateMachineTest} and
 * {@code TimestampsTest}.
 */
class TimeWaitTableTest {

    @Test
    void aRecordKeepsTheTimestampsOfItsConnection_andAReplacedOneDoesNotInheritThem_rfc7323_3_2() {
        final TimeWaitTable table = new TimeWaitTable(4);
        table.add(7L, 100, 200, 1_000L, true, 12_345, -99);
        int slot = table.find(7L);
        assertThat(table.timestamps(slot)).isTrue();
        assertThat(table.tsRecent(slot)).isEqualTo(12_345);
        assertThat(table.tsIss(slot)).isEqualTo(-99);
        // The same tuple again, from a connection without timestamps: nothing carried over.
        table.add(7L, 101, 201, 2_000L);
        slot = table.find(7L);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.timestamps(slot)).isFalse();
        assertThat(table.sndNxt(slot)).isEqualTo(101);
        assertThat(table.rcvNxt(slot)).isEqualTo(201);
    }

    @Test
    void slotsAreReused_afterExpiry_andRecyclingKeepsTheFifo() {
        final TimeWaitTable table = new TimeWaitTable(3);
        for (long key = 1; key <= 3; key++) {
            table.add(key, (int) key, (int) key, 1_000L * key);
        }
        assertThat(table.expire(2_000L, 16)).as("the two whose wait ended").isEqualTo(2);
        assertThat(table.find(1L)).isEqualTo(-1);
        assertThat(table.find(2L)).isEqualTo(-1);
        table.add(4L, 4, 4, 4_000L);
        table.add(5L, 5, 5, 5_000L);
        assertThat(table.size()).isEqualTo(3);
        assertThat(table.recycled()).as("the freed slots were taken, nothing recycled").isZero();
        table.add(6L, 6, 6, 6_000L); // full: the oldest (3) goes
        assertThat(table.recycled()).isEqualTo(1);
        assertThat(table.find(3L)).isEqualTo(-1);
        final List<Long> keys = new ArrayList<>();
        table.forEach((key, expiresNs) -> keys.add(key));
        assertThat(keys).containsExactly(4L, 5L, 6L);
        // Every slot distinct: each record reads back its own values.
        for (long key = 4; key <= 6; key++) {
            assertThat(table.sndNxt(table.find(key))).isEqualTo((int) key);
        }
    }

    @Test
    void recordsCostAtMost80BytesEach_measured() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final int entries = 16_384; // StackConfig's default timeWaitMax
        final long before = threads.getCurrentThreadAllocatedBytes();
        final TimeWaitTable table = new TimeWaitTable(entries);
        final long after = threads.getCurrentThreadAllocatedBytes();
        final double perEntry = (after - before) / (double) entries;
        assertThat(table.capacity()).isEqualTo(entries);
        assertThat(perEntry).as("bytes per TIME-WAIT record").isLessThanOrEqualTo(80.0);
        // Filling it, and recycling when full, allocates nothing more.
        final long beforeFill = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < entries + 1000; i++) {
            table.add(i * 7919L, i, i, i, true, i, i);
        }
        final long fill = threads.getCurrentThreadAllocatedBytes() - beforeFill;
        assertThat(table.size()).isEqualTo(entries);
        assertThat(table.recycled()).isEqualTo(1000);
        assertThat(fill).as("bytes allocated filling the table").isLessThan(1024);
        System.out.printf("TIME-WAIT record: %.1f bytes per entry (table of %d)%n", perEntry, entries);
    }
}
