package io.tcpstack.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The faulty link on its own, in simulated time: each fault, its timing, and that one seed decides all. */
class FaultyLinkTest {
    private static final int MTU = 1500;
    private final CachedNanoClock clock = new CachedNanoClock();
    private final UnsafeBuffer packet = new UnsafeBuffer(new byte[MTU]);

    /** What the receiving end got: the packet number (first 4 bytes), arrival time, and the bytes. */
    private record Arrival(int id, long atNs, byte[] bytes) {
    }

    private final List<Arrival> arrivals = new ArrayList<>();
    private final FrameHandler recorder = (MutableDirectBuffer buffer, int offset, int length) -> {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        arrivals.add(new Arrival(buffer.getInt(offset), clock.nanoTime(), bytes));
    };

    private FaultyLink[] pair(final long seed, final LinkFaults faults) {
        return FaultyLink.pair(MTU, 1024, clock, seed, faults, LinkFaults.NONE);
    }

    private boolean send(final FaultyLink end, final int id, final int length) {
        packet.putInt(0, id);
        for (int i = 4; i < length; i++) {
            packet.putByte(i, (byte) (id * 31 + i));
        }
        return end.send(packet, 0, length);
    }

    /** Polls at every due time until nothing is in flight (bounded). */
    private void drain(final FaultyLink receiver) {
        for (int i = 0; i < 100_000 && receiver.nextDueNs() != Long.MAX_VALUE; i++) {
            clock.update(Math.max(clock.nanoTime(), receiver.nextDueNs()));
            receiver.poll(recorder, Integer.MAX_VALUE);
        }
        assertThat(receiver.inbound().inFlight()).isZero();
    }

    /** Advances the clock by {@code ns}, stopping at every due time on the way to poll. */
    private void advance(final FaultyLink receiver, final long ns) {
        final long target = clock.nanoTime() + ns;
        while (receiver.nextDueNs() - target <= 0) {
            clock.update(Math.max(clock.nanoTime(), receiver.nextDueNs()));
            receiver.poll(recorder, Integer.MAX_VALUE);
        }
        clock.update(target);
    }

    private List<Integer> ids() {
        return arrivals.stream().map(Arrival::id).toList();
    }

    @Test
    void noFaults_deliversAtOnce_inOrder_likeAMemoryLink() {
        final FaultyLink[] link = pair(1, LinkFaults.NONE);
        for (int i = 0; i < 100; i++) {
            assertThat(send(link[0], i, 100)).isTrue();
        }
        assertThat(link[1].poll(recorder, 1000)).isEqualTo(100);
        assertThat(ids()).isEqualTo(java.util.stream.IntStream.range(0, 100).boxed().toList());
        assertThat(link[0].outbound().delivered()).isEqualTo(100);
        assertThat(link[0].poll(recorder, 10)).as("nothing goes the other way").isZero();
    }

    @Test
    void delay_packetArrivesAtItsDueTime_notOneNanosecondBefore() {
        final FaultyLink[] link = pair(1, LinkFaults.builder().delay(5_000_000, 0).build());
        clock.update(1_000_000_000L);
        send(link[0], 7, 60);
        assertThat(link[1].nextDueNs()).isEqualTo(1_005_000_000L);
        clock.update(1_004_999_999L);
        assertThat(link[1].poll(recorder, 10)).isZero();
        clock.update(1_005_000_000L);
        assertThat(link[1].poll(recorder, 10)).isEqualTo(1);
        assertThat(link[1].nextDueNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void reorder_aHeldBackPacketIsOvertaken() {
        final FaultyLink[] link = pair(3, LinkFaults.builder().delay(1_000_000, 0).reorder(0.2, 10_000_000).build());
        for (int i = 0; i < 200; i++) {
            send(link[0], i, 100);
            advance(link[1], 100_000);
        }
        drain(link[1]);
        assertThat(arrivals).hasSize(200);
        assertThat(ids()).isNotEqualTo(java.util.stream.IntStream.range(0, 200).boxed().toList());
        assertThat(link[0].outbound().reordered()).isBetween(20L, 60L);
        for (final Arrival a : arrivals) {
            final long sentNs = a.id() * 100_000L;
            assertThat(a.atNs() - sentNs).isIn(1_000_000L, 11_000_000L); // held back or not
        }
    }

    @Test
    void jitter_delaysEachPacketWithinTheRange() {
        final FaultyLink[] link = pair(4, LinkFaults.builder().delay(2_000_000, 500_000).build());
        for (int i = 0; i < 500; i++) {
            send(link[0], i, 100);
            advance(link[1], 10_000);
        }
        drain(link[1]);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (final Arrival a : arrivals) {
            final long d = a.atNs() - a.id() * 10_000L;
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isBetween(2_000_000L, 2_010_000L);
        assertThat(max).isBetween(2_490_000L, 2_500_000L);
    }

    @Test
    void loss_aboutTheRateAsked() {
        final FaultyLink[] link = pair(5, LinkFaults.builder().loss(0.1).build());
        for (int i = 0; i < 20_000; i++) {
            assertThat(send(link[0], i, 40)).as("a lost packet was still handed to the link").isTrue();
            link[1].poll(recorder, 10);
        }
        drain(link[1]);
        assertThat(link[0].outbound().lost()).isBetween(1_800L, 2_200L);
        assertThat(arrivals).hasSize((int) (20_000 - link[0].outbound().lost()));
    }

    @Test
    void duplicate_bothCopiesAreTheSameBytes() {
        final FaultyLink[] link = pair(6, LinkFaults.builder().duplicate(0.5).build());
        for (int i = 0; i < 100; i++) {
            send(link[0], i, 300);
        }
        drain(link[1]);
        assertThat(arrivals).hasSize((int) (100 + link[0].outbound().duplicated()));
        assertThat(link[0].outbound().duplicated()).isBetween(30L, 70L);
        for (int i = 1; i < arrivals.size(); i++) {
            if (arrivals.get(i).id() == arrivals.get(i - 1).id()) {
                assertThat(arrivals.get(i).bytes()).isEqualTo(arrivals.get(i - 1).bytes());
            }
        }
    }

    @Test
    void corrupt_flipsExactlyOneBit_andCountsWhatWasDelivered() {
        final FaultyLink[] link = pair(7, LinkFaults.builder().corrupt(0.3).build());
        final List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            send(link[0], i, 1000);
            final byte[] copy = new byte[1000];
            packet.getBytes(0, copy);
            sent.add(copy);
        }
        drain(link[1]);
        assertThat(arrivals).hasSize(300); // no delay: in the order sent
        int damaged = 0;
        for (int p = 0; p < 300; p++) {
            int bits = 0;
            for (int i = 0; i < 1000; i++) {
                bits += Integer.bitCount((arrivals.get(p).bytes()[i] ^ sent.get(p)[i]) & 0xFF);
            }
            assertThat(bits).as("bits flipped in packet %d", p).isLessThanOrEqualTo(1);
            damaged += bits;
        }
        assertThat((long) damaged).isEqualTo(link[0].outbound().corrupted())
            .isEqualTo(link[0].outbound().corruptedDelivered()).isBetween(60L, 120L);
    }

    @Test
    void bandwidth_spacesPacketsBySerialisationTime_andDropsWhenTheQueueIsFull() {
        // 12 Mbit/s: a 1500-byte packet takes 1 ms; the queue holds 3 of them.
        final FaultyLink[] link = pair(8, LinkFaults.builder().bandwidth(12_000_000, 4500).build());
        for (int i = 0; i < 5; i++) {
            assertThat(send(link[0], i, 1500)).isTrue();
        }
        assertThat(link[0].outbound().queueDrops()).isEqualTo(2);
        drain(link[1]);
        assertThat(ids()).containsExactly(0, 1, 2);
        assertThat(arrivals.stream().map(Arrival::atNs).toList()).containsExactly(1_000_000L, 2_000_000L, 3_000_000L);
        // Once drained, the queue takes packets again.
        assertThat(send(link[0], 9, 1500)).isTrue();
        assertThat(link[1].nextDueNs()).isEqualTo(4_000_000L);
    }

    @Test
    void full_slab_refusesThePacket_andCountsIt() {
        final FaultyLink[] link = FaultyLink.pair(MTU, 4, clock, 9, LinkFaults.builder().delay(1_000, 0).build(),
            LinkFaults.NONE);
        for (int i = 0; i < 4; i++) {
            assertThat(send(link[0], i, 100)).isTrue();
        }
        assertThat(send(link[0], 4, 100)).isFalse();
        assertThat(link[0].send(new UnsafeBuffer(new byte[MTU + 1]), 0, MTU + 1)).isFalse();
        assertThat(link[0].outbound().overflowDrops()).isEqualTo(1);
        assertThat(link[0].outbound().tooBig()).isEqualTo(1);
        drain(link[1]);
        assertThat(send(link[0], 6, 100)).as("slots are reused").isTrue();
    }

    private List<Arrival> runEverything(final long seed) {
        arrivals.clear();
        clock.update(0);
        final LinkFaults faults = LinkFaults.builder().loss(0.1).duplicate(0.1).reorder(0.1, 3_000_000)
            .delay(1_000_000, 2_000_000).corrupt(0.1).bandwidth(100_000_000, 30_000).build();
        final FaultyLink[] link = FaultyLink.pair(MTU, 1024, clock, seed, faults, faults);
        for (int i = 0; i < 2000; i++) {
            send(link[i % 3 == 0 ? 1 : 0], i, 100 + i % 1400);
            clock.advance(20_000);
            link[0].poll(recorder, 16);
            link[1].poll(recorder, 16);
        }
        drain(link[0]);
        drain(link[1]);
        return List.copyOf(arrivals);
    }

    @Test
    void oneSeedDecidesEverything_sameSeedSameRun_otherSeedOtherRun() {
        final List<Arrival> first = runEverything(42);
        final List<Arrival> again = runEverything(42);
        final List<Arrival> other = runEverything(43);
        assertThat(again).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(again.get(i).id()).isEqualTo(first.get(i).id());
            assertThat(again.get(i).atNs()).isEqualTo(first.get(i).atNs());
            assertThat(again.get(i).bytes()).isEqualTo(first.get(i).bytes());
        }
        assertThat(other.stream().map(Arrival::atNs).toList()).isNotEqualTo(first.stream().map(Arrival::atNs).toList());
    }

    @Test
    void badFaults_areRefused_withTheirName() {
        assertThatThrownBy(() -> LinkFaults.builder().loss(1.5).build()).hasMessageContaining("lossRate 1.5");
        assertThatThrownBy(() -> LinkFaults.builder().delay(-1, 0).build()).hasMessageContaining("negative");
        assertThatThrownBy(() -> LinkFaults.builder().bandwidth(1_000_000, 0).build()).hasMessageContaining("queue");
    }

    @Test
    void steadyState_allocatesNothingPerPacket() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final LinkFaults faults = LinkFaults.builder().loss(0.1).duplicate(0.1).reorder(0.1, 3_000_000)
            .delay(1_000_000, 2_000_000).corrupt(0.1).bandwidth(1_000_000_000, 60_000).build();
        final FaultyLink[] link = FaultyLink.pair(MTU, 256, clock, 11, faults, faults);
        final long[] bytes = {0};
        final FrameHandler counting = (buffer, offset, length) -> bytes[0] += length;
        for (int round = 0; round < 3; round++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                link[0].send(packet, 0, 1000);
                link[1].send(packet, 0, 60);
                clock.advance(20_000);
                link[0].poll(counting, 16);
                link[1].poll(counting, 16);
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 2) {
                assertThat(allocated).as("bytes allocated for 40,000 packets").isLessThan(1024);
            }
        }
        assertThat(bytes[0]).isPositive();
    }
}
