package io.tcpstack.ip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.stats.StackCounters;

class ReassemblerTest {
    private static final long SEED = Long.getLong("tcpstack.seed", 791_815L);
    private static final long TIMEOUT_NS = 30_000_000_000L; // Linux ipfrag_time default
    private static final long T0 = 1_000_000L;
    private static final int SRC = 0x0A000001; // 10.0.0.1
    private static final int DST = 0x0A000002; // 10.0.0.2
    private static final int UDP = 17;
    /** Fragments are offered at this offset in a larger buffer, as behind a link header. */
    private static final int AT = 14;

    private final StackCounters counters = StackCounters.inMemory();

    // ---- happy paths, every order ----

    @Test
    void fourFragmentsInEveryOrder() {
        final byte[] original = datagram(20, 4000, 0x1234, SRC, UDP, 1);
        final List<byte[]> fragments = fragment(original, 1000);
        assertThat(fragments).hasSize(4);
        final Reassembler reassembler = reassembler(4);

        final List<int[]> orders = permutations(4);
        assertThat(orders).hasSize(24);
        for (final int[] order : orders) {
            for (int i = 0; i < order.length; i++) {
                final boolean done = offer(reassembler, fragments.get(order[i]), T0);
                assertThat(done).as("order %s step %d", Arrays.toString(order), i).isEqualTo(i == order.length - 1);
            }
            assertThat(result(reassembler)).as("order %s", Arrays.toString(order)).isEqualTo(original);
            assertThat(reassembler.inProgress()).isZero();
        }
        assertThat(counters.get("ip.reasm.datagrams")).isEqualTo(24);
        assertThat(counters.get("ip.reasm.fragments")).isEqualTo(96);
        assertThat(reassembler.nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void thirtyFragmentsInRandomOrders() {
        final byte[] original = datagram(20, 4000, 7, SRC, UDP, 2);
        final List<byte[]> fragments = fragment(original, 136);
        assertThat(fragments).hasSize(30);
        final Reassembler reassembler = reassembler(2);
        final Random random = new Random(SEED);

        for (int round = 0; round < 300; round++) {
            final List<byte[]> order = new ArrayList<>(fragments);
            Collections.shuffle(order, random);
            for (int i = 0; i < order.size(); i++) {
                assertThat(offer(reassembler, order.get(i), T0))
                    .as("round %d step %d seed %d", round, i, SEED).isEqualTo(i == order.size() - 1);
            }
            assertThat(result(reassembler)).as("round %d seed %d", round, SEED).isEqualTo(original);
        }
        assertThat(reassembler.inProgress()).isZero();
        assertThat(counters.get("ip.reasm.datagrams")).isEqualTo(300);
        assertThat(counters.get("ip.reasm.duplicates")).isZero();
    }

    @Test
    void duplicatesInterleavedAreIgnored() {
        final byte[] original = datagram(20, 4000, 8, SRC, UDP, 3);
        final List<byte[]> fragments = fragment(original, 136);
        final Reassembler reassembler = reassembler(2);
        final Random random = new Random(SEED);
        long duplicatesSent = 0;

        for (int round = 0; round < 100; round++) {
            final List<byte[]> shuffled = new ArrayList<>(fragments);
            Collections.shuffle(shuffled, random);
            // Before the final fragment, re-send some already sent ones.
            final List<byte[]> order = new ArrayList<>();
            for (int i = 0; i < shuffled.size(); i++) {
                order.add(shuffled.get(i));
                if (i < shuffled.size() - 1 && random.nextInt(3) == 0) {
                    order.add(shuffled.get(random.nextInt(i + 1)));
                    duplicatesSent++;
                }
            }
            for (int i = 0; i < order.size(); i++) {
                assertThat(offer(reassembler, order.get(i), T0))
                    .as("round %d step %d seed %d", round, i, SEED).isEqualTo(i == order.size() - 1);
            }
            assertThat(result(reassembler)).isEqualTo(original);
        }
        assertThat(duplicatesSent).isPositive();
        assertThat(counters.get("ip.reasm.duplicates")).isEqualTo(duplicatesSent);
        assertThat(counters.get("ip.reasm.datagrams")).isEqualTo(100);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void headerWithOptionsIsFragmentZeros() {
        // IHL 6: four bytes of options (NOP NOP NOP EOL, copy flag 0, so only fragment zero has them).
        final byte[] original = datagram(24, 4000, 9, SRC, UDP, 4);
        final List<byte[]> fragments = fragment(original, 1000);
        assertThat(fragments.get(0)[0]).isEqualTo((byte) 0x46);
        assertThat(fragments.get(1)[0]).isEqualTo((byte) 0x45);
        final Reassembler reassembler = reassembler(1);

        for (final int[] order : permutations(4)) {
            for (int i = 0; i < order.length; i++) {
                assertThat(offer(reassembler, fragments.get(order[i]), T0)).isEqualTo(i == order.length - 1);
            }
            final byte[] out = result(reassembler);
            assertThat(out).as("order %s", Arrays.toString(order)).isEqualTo(original);
            assertThat(out).hasSize(4024);
            assertThat(referenceChecksum(out, 0, 24)).isZero();
        }
    }

    @Test
    void reassembledHeaderHasMfAndOffsetClearedAndAValidChecksum() {
        final byte[] original = datagram(20, 2000, 10, SRC, UDP, 5);
        final List<byte[]> fragments = fragment(original, 1000);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, fragments.get(1), T0);
        assertThat(offer(reassembler, fragments.get(0), T0)).isTrue();

        final DirectBuffer d = reassembler.datagram();
        assertThat(reassembler.datagramLength()).isEqualTo(2020);
        assertThat(d.capacity()).isEqualTo(2020);
        assertThat(d.getShort(2, ByteOrder.BIG_ENDIAN) & 0xFFFF).isEqualTo(2020);
        assertThat(d.getShort(6, ByteOrder.BIG_ENDIAN) & 0xFFFF).isZero();
        final byte[] header = new byte[20];
        d.getBytes(0, header);
        assertThat(referenceChecksum(header, 0, 20)).isZero();
    }

    @Test
    void maxSizeDatagramOf65535Bytes() {
        final byte[] original = datagram(20, 65515, 11, SRC, UDP, 6);
        final List<byte[]> fragments = fragment(original, 1480);
        assertThat(fragments).hasSize(45);
        final Reassembler reassembler = reassembler(1);
        final Random random = new Random(SEED);
        for (int round = 0; round < 5; round++) {
            final List<byte[]> order = new ArrayList<>(fragments);
            Collections.shuffle(order, random);
            for (int i = 0; i < order.size(); i++) {
                assertThat(offer(reassembler, order.get(i), T0)).isEqualTo(i == order.size() - 1);
            }
            assertThat(reassembler.datagramLength()).isEqualTo(65535);
            assertThat(result(reassembler)).isEqualTo(original);
        }
    }

    // ---- keys ----

    @Test
    void twoInterleavedDatagramsWithDifferentIds() {
        final byte[] a = datagram(20, 3000, 100, SRC, UDP, 7);
        final byte[] b = datagram(20, 3000, 101, SRC, UDP, 8);
        final List<byte[]> fa = fragment(a, 1000);
        final List<byte[]> fb = fragment(b, 1000);
        final Reassembler reassembler = reassembler(2);

        assertThat(offer(reassembler, fa.get(2), T0)).isFalse();
        assertThat(offer(reassembler, fb.get(0), T0)).isFalse();
        assertThat(offer(reassembler, fa.get(0), T0)).isFalse();
        assertThat(offer(reassembler, fb.get(2), T0)).isFalse();
        assertThat(reassembler.inProgress()).isEqualTo(2);
        assertThat(offer(reassembler, fb.get(1), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(b);
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(offer(reassembler, fa.get(1), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(a);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void sameIdFromDifferentSourcesOrProtocolsKeptApart() {
        final byte[] a = datagram(20, 2000, 5, SRC, UDP, 9);
        final byte[] b = datagram(20, 2000, 5, SRC + 1, UDP, 10);
        final byte[] c = datagram(20, 2000, 5, SRC, 6, 11);
        final List<byte[]> fa = fragment(a, 1000);
        final List<byte[]> fb = fragment(b, 1000);
        final List<byte[]> fc = fragment(c, 1000);
        final Reassembler reassembler = reassembler(3);

        assertThat(offer(reassembler, fa.get(0), T0)).isFalse();
        assertThat(offer(reassembler, fb.get(1), T0)).isFalse();
        assertThat(offer(reassembler, fc.get(0), T0)).isFalse();
        assertThat(reassembler.inProgress()).isEqualTo(3);
        assertThat(offer(reassembler, fb.get(0), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(b);
        assertThat(offer(reassembler, fc.get(1), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(c);
        assertThat(offer(reassembler, fa.get(1), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(a);
        assertThat(counters.get("ip.reasm.duplicates")).isZero();
        assertThat(counters.get("ip.reasm.overlaps")).isZero();
    }

    // ---- duplicates and overlaps ----

    @Test
    void exactDuplicateIsIgnoredAndCounted() {
        final byte[] original = datagram(20, 3000, 12, SRC, UDP, 12);
        final List<byte[]> f = fragment(original, 1000);
        final Reassembler reassembler = reassembler(1);

        offer(reassembler, f.get(1), T0);
        assertThat(offer(reassembler, f.get(1), T0)).isFalse();
        assertThat(counters.get("ip.reasm.duplicates")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isEqualTo(1);
        offer(reassembler, f.get(2), T0);
        assertThat(offer(reassembler, f.get(0), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(original);
        assertThat(counters.get("ip.reasm.fragments")).isEqualTo(3);
    }

    @Test
    void fragmentInsideReceivedDataIsADuplicate() {
        // As Linux: a fragment entirely within received data is a duplicate, even with other bounds.
        final byte[] original = datagram(20, 3000, 13, SRC, UDP, 13);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 0, 1000, true), T0);
        offer(reassembler, slice(original, 1000, 1000, true), T0);

        assertThat(offer(reassembler, slice(original, 504, 1000, true), T0)).isFalse();
        assertThat(counters.get("ip.reasm.duplicates")).isEqualTo(1);
        assertThat(counters.get("ip.reasm.overlaps")).isZero();
        assertThat(offer(reassembler, slice(original, 2000, 1000, false), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(original);
    }

    @Test
    void partialOverlapDropsTheDatagram() {
        final byte[] original = datagram(20, 3000, 14, SRC, UDP, 14);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 0, 1000, true), T0);

        assertThat(offer(reassembler, slice(original, 504, 1000, true), T0)).isFalse();
        assertThat(counters.get("ip.reasm.overlaps")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();

        // What was received is gone: the rest starts a new datagram and cannot complete it.
        assertThat(offer(reassembler, slice(original, 1000, 1000, true), T0)).isFalse();
        assertThat(offer(reassembler, slice(original, 2000, 1000, false), T0)).isFalse();
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(counters.get("ip.reasm.datagrams")).isZero();
    }

    @Test
    void fragmentSpanningDataAndAHoleIsAnOverlap() {
        final byte[] original = datagram(20, 3000, 15, SRC, UDP, 15);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 1000, 1000, true), T0);

        // Covers hole [0, 999] and data [1000, 1999]: new data mixed with old.
        assertThat(offer(reassembler, slice(original, 0, 2000, true), T0)).isFalse();
        assertThat(counters.get("ip.reasm.overlaps")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void fragmentSpanningTwoHolesIsAnOverlap() {
        final byte[] original = datagram(20, 3000, 16, SRC, UDP, 16);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 1000, 1000, true), T0);
        assertThat(offer(reassembler, slice(original, 0, 3000, false), T0)).isFalse();
        assertThat(counters.get("ip.reasm.overlaps")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    // ---- bad fragments and ends ----

    @Test
    void misalignedNonLastFragmentIsDroppedAlone() {
        final byte[] original = datagram(20, 2000, 17, SRC, UDP, 17);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 1000, 1000, false), T0);

        assertThat(offer(reassembler, slice(original, 0, 1001, true), T0)).isFalse();
        assertThat(counters.get("ip.reasm.bad_fragment")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(offer(reassembler, slice(original, 0, 1000, true), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(original);
    }

    @Test
    void lastFragmentMayHaveAnyLength() {
        final byte[] original = datagram(20, 1003, 18, SRC, UDP, 18);
        final Reassembler reassembler = reassembler(1);
        assertThat(offer(reassembler, slice(original, 1000, 3, false), T0)).isFalse();
        assertThat(offer(reassembler, slice(original, 0, 1000, true), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(original);
        assertThat(counters.get("ip.reasm.bad_fragment")).isZero();
    }

    @Test
    void emptyFragmentIsDropped() {
        final byte[] original = datagram(20, 2000, 19, SRC, UDP, 19);
        final Reassembler reassembler = reassembler(1);
        assertThat(offer(reassembler, slice(original, 1000, 0, true), T0)).isFalse();
        assertThat(offer(reassembler, slice(original, 2000, 0, false), T0)).isFalse();
        assertThat(counters.get("ip.reasm.bad_fragment")).isEqualTo(2);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void secondLastFragmentWithAnotherEndDropsTheDatagram() {
        final byte[] original = datagram(20, 3000, 20, SRC, UDP, 20);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 0, 1000, true), T0);
        offer(reassembler, slice(original, 2000, 1000, false), T0);

        assertThat(offer(reassembler, slice(original, 2000, 996, false), T0)).isFalse();
        assertThat(counters.get("ip.reasm.inconsistent_end")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void dataPastTheLastFragmentsEndDropsTheDatagram() {
        final byte[] original = datagram(20, 3000, 21, SRC, UDP, 21);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 1000, 1000, false), T0);
        assertThat(offer(reassembler, slice(original, 2000, 1000, true), T0)).isFalse();
        assertThat(counters.get("ip.reasm.inconsistent_end")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void lastFragmentEndingBeforeReceivedDataDropsTheDatagram() {
        final byte[] original = datagram(20, 3000, 22, SRC, UDP, 22);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(original, 2000, 1000, true), T0);
        assertThat(offer(reassembler, slice(original, 1000, 1000, false), T0)).isFalse();
        assertThat(counters.get("ip.reasm.inconsistent_end")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void fragmentEndingPast65535DropsTheDatagram() {
        final byte[] big = datagram(20, 65515, 23, SRC, UDP, 23);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, slice(big, 0, 1480, true), T0);
        assertThat(reassembler.inProgress()).isEqualTo(1);

        // Offset 65512 (the largest multiple of 8 below 65515) + 8 bytes: ends at 65520 > 65515.
        final byte[] tooFar = fragmentWith(20, 23, SRC, UDP, 65512, new byte[8], true);
        assertThat(offer(reassembler, tooFar, T0)).isFalse();
        assertThat(counters.get("ip.reasm.oversize")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();

        // Alone it is dropped too, and takes no slot.
        assertThat(offer(reassembler, tooFar, T0)).isFalse();
        assertThat(counters.get("ip.reasm.oversize")).isEqualTo(2);
        assertThat(reassembler.inProgress()).isZero();

        // The largest offset (8191 * 8 = 65528) with a last fragment: oversize as well.
        assertThat(offer(reassembler, fragmentWith(20, 24, SRC, UDP, 65528, new byte[1], false), T0)).isFalse();
        assertThat(counters.get("ip.reasm.oversize")).isEqualTo(3);
    }

    @Test
    void dataThatFitsBehindA20ByteHeaderButNotFragmentZerosIsOversize() {
        // Fragment zero has a 24-byte header: the data may end at 65511 at most.
        final byte[] original = datagram(24, 4000, 25, SRC, UDP, 25);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, fragment(original, 1000).get(0), T0);

        final byte[] endsAt65515 = fragmentWith(20, 25, SRC, UDP, 65512, new byte[3], false);
        assertThat(offer(reassembler, endsAt65515, T0)).isFalse();
        assertThat(counters.get("ip.reasm.oversize")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();

        // And the other way round: the late fragment zero's header does not fit in front.
        assertThat(offer(reassembler, endsAt65515, T0)).isFalse();
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(offer(reassembler, fragment(original, 1000).get(0), T0)).isFalse();
        assertThat(counters.get("ip.reasm.oversize")).isEqualTo(2);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void tooManyHolesDropsTheDatagram() {
        final byte[] original = datagram(20, 4000, 26, SRC, UDP, 26);
        final List<byte[]> f = fragment(original, 136);
        final Reassembler reassembler = new Reassembler(1, 4, TIMEOUT_NS, counters, null);

        // Each odd fragment splits the hole that runs to infinity: 2, 3, 4 holes, then 5.
        assertThat(offer(reassembler, f.get(1), T0)).isFalse();
        assertThat(offer(reassembler, f.get(3), T0)).isFalse();
        assertThat(offer(reassembler, f.get(5), T0)).isFalse();
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(counters.get("ip.reasm.too_many_holes")).isZero();
        assertThat(offer(reassembler, f.get(7), T0)).isFalse();
        assertThat(counters.get("ip.reasm.too_many_holes")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
    }

    @Test
    void exactlyMaxHolesIsAllowed() {
        final byte[] original = datagram(20, 4000, 27, SRC, UDP, 27);
        final List<byte[]> f = fragment(original, 136);
        final Reassembler reassembler = new Reassembler(1, 2, TIMEOUT_NS, counters, null);

        assertThat(offer(reassembler, f.get(1), T0)).isFalse(); // holes [0, 135] and [272, INF]: 2
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(offer(reassembler, f.get(0), T0)).isFalse();
        for (int i = 2; i < f.size(); i++) {
            assertThat(offer(reassembler, f.get(i), T0)).isEqualTo(i == f.size() - 1);
        }
        assertThat(result(reassembler)).isEqualTo(original);
        assertThat(counters.get("ip.reasm.too_many_holes")).isZero();
    }

    // ---- table full ----

    @Test
    void tableFullDropsNewDatagramsAndEvictsNothing() {
        final byte[] a = datagram(20, 2000, 30, SRC, UDP, 30);
        final byte[] b = datagram(20, 2000, 31, SRC, UDP, 31);
        final byte[] c = datagram(20, 2000, 32, SRC, UDP, 32);
        final Reassembler reassembler = reassembler(2);
        offer(reassembler, fragment(a, 1000).get(0), T0);
        offer(reassembler, fragment(b, 1000).get(0), T0);

        assertThat(offer(reassembler, fragment(c, 1000).get(0), T0)).isFalse();
        assertThat(counters.get("ip.reasm.table_full")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isEqualTo(2);

        // Both datagrams in progress survive.
        assertThat(offer(reassembler, fragment(a, 1000).get(1), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(a);
        assertThat(offer(reassembler, fragment(b, 1000).get(1), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(b);

        // A freed slot takes the new datagram.
        assertThat(offer(reassembler, fragment(c, 1000).get(1), T0)).isFalse();
        assertThat(offer(reassembler, fragment(c, 1000).get(0), T0)).isTrue();
        assertThat(result(reassembler)).isEqualTo(c);
        assertThat(counters.get("ip.reasm.table_full")).isEqualTo(1);
    }

    // ---- timeouts, RFC 1122 §3.3.2 ----

    @Test
    void datagramExpiresTimeoutAfterItsFirstFragment() {
        final byte[] original = datagram(20, 3000, 40, SRC, UDP, 40);
        final List<byte[]> f = fragment(original, 1000);
        final Reassembler reassembler = reassembler(1);
        assertThat(reassembler.nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);

        offer(reassembler, f.get(1), T0);
        final long deadline = T0 + TIMEOUT_NS;
        assertThat(reassembler.nextDeadlineNs()).isEqualTo(deadline);
        offer(reassembler, f.get(2), T0 + TIMEOUT_NS / 2); // later fragments do not restart the timer
        assertThat(reassembler.nextDeadlineNs()).isEqualTo(deadline);

        assertThat(reassembler.expire(deadline - 1)).isZero();
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(counters.get("ip.reasm.timeouts")).isZero();

        assertThat(reassembler.expire(deadline)).isEqualTo(1);
        assertThat(reassembler.inProgress()).isZero();
        assertThat(reassembler.nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);
        assertThat(counters.get("ip.reasm.timeouts")).isEqualTo(1);
        assertThat(counters.get("ip.reasm.timeouts_with_first")).isZero();
        assertThat(reassembler.expire(deadline + TIMEOUT_NS)).isZero();

        // The slot is free again: the whole datagram, resent, reassembles.
        final long later = deadline + 5;
        for (int i = 0; i < f.size(); i++) {
            assertThat(offer(reassembler, f.get(i), later)).isEqualTo(i == f.size() - 1);
        }
        assertThat(result(reassembler)).isEqualTo(original);
    }

    @Test
    void timeoutAfterFragmentZeroReportsItsHeaderAndEightBytes() {
        final byte[] original = datagram(24, 3000, 41, SRC, UDP, 41);
        final List<byte[]> f = fragment(original, 1000);
        final List<byte[]> reported = new ArrayList<>();
        final Reassembler reassembler = new Reassembler(2, Reassembler.DEFAULT_MAX_HOLES, TIMEOUT_NS, counters,
            (buffer, offset, length) -> {
                final byte[] copy = new byte[length];
                buffer.getBytes(offset, copy);
                reported.add(copy);
            });
        offer(reassembler, f.get(0), T0);
        offer(reassembler, f.get(2), T0);
        final byte[] other = datagram(20, 3000, 42, SRC, UDP, 42);
        offer(reassembler, fragment(other, 1000).get(1), T0 + 10); // no fragment zero

        assertThat(reassembler.expire(T0 + TIMEOUT_NS)).isEqualTo(1);
        assertThat(reported).hasSize(1);
        assertThat(reported.get(0)).isEqualTo(Arrays.copyOf(f.get(0), 24 + 8));
        assertThat(counters.get("ip.reasm.timeouts_with_first")).isEqualTo(1);

        assertThat(reassembler.expire(T0 + 10 + TIMEOUT_NS)).isEqualTo(1);
        assertThat(reported).hasSize(1);
        assertThat(counters.get("ip.reasm.timeouts")).isEqualTo(2);
        assertThat(counters.get("ip.reasm.timeouts_with_first")).isEqualTo(1);
    }

    @Test
    void lateFragmentStartsANewDatagramInsteadOfCompletingAnExpiredOne() {
        final byte[] original = datagram(20, 2000, 43, SRC, UDP, 43);
        final List<byte[]> f = fragment(original, 1000);
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, f.get(0), T0);

        assertThat(offer(reassembler, f.get(1), T0 + TIMEOUT_NS)).isFalse();
        assertThat(counters.get("ip.reasm.timeouts")).isEqualTo(1);
        assertThat(counters.get("ip.reasm.timeouts_with_first")).isEqualTo(1);
        assertThat(reassembler.inProgress()).isEqualTo(1);
        assertThat(reassembler.nextDeadlineNs()).isEqualTo(T0 + 2 * TIMEOUT_NS);
    }

    @Test
    void expiredSlotIsReclaimedWhenTheTableIsFull() {
        final Reassembler reassembler = reassembler(1);
        offer(reassembler, fragment(datagram(20, 2000, 44, SRC, UDP, 44), 1000).get(0), T0);
        final byte[] next = datagram(20, 2000, 45, SRC, UDP, 45);
        assertThat(offer(reassembler, fragment(next, 1000).get(0), T0 + TIMEOUT_NS - 1)).isFalse();
        assertThat(counters.get("ip.reasm.table_full")).isEqualTo(1);

        assertThat(offer(reassembler, fragment(next, 1000).get(0), T0 + TIMEOUT_NS)).isFalse();
        assertThat(offer(reassembler, fragment(next, 1000).get(1), T0 + TIMEOUT_NS)).isTrue();
        assertThat(result(reassembler)).isEqualTo(next);
        assertThat(counters.get("ip.reasm.table_full")).isEqualTo(1);
    }

    @Test
    void deadlinesCompareWrapSafely() {
        final byte[] original = datagram(20, 2000, 46, SRC, UDP, 46);
        final Reassembler reassembler = reassembler(1);
        final long start = Long.MAX_VALUE - TIMEOUT_NS / 2; // the deadline wraps past Long.MAX_VALUE
        offer(reassembler, fragment(original, 1000).get(0), start);
        assertThat(reassembler.expire(start + 1)).isZero(); // a naive nowNs >= deadline expires here
        assertThat(reassembler.expire(start + TIMEOUT_NS / 2 + 1)).isZero(); // wrapped "now"
        assertThat(reassembler.expire(start + TIMEOUT_NS - 1)).isZero();
        assertThat(reassembler.expire(start + TIMEOUT_NS)).isEqualTo(1);
    }

    // ---- allocation ----

    @Test
    void offerAndExpireAllocateNothing() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeThat(threads.isThreadAllocatedMemorySupported()).as("thread allocation accounting").isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);

        final byte[] original = datagram(20, 4000, 50, SRC, UDP, 50);
        final List<byte[]> f = fragment(original, 136);
        Collections.shuffle(f, new Random(SEED));
        final UnsafeBuffer[] buffers = new UnsafeBuffer[f.size()];
        final int[] headerLengths = new int[f.size()];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = new UnsafeBuffer(new byte[AT + f.get(i).length]);
            buffers[i].putBytes(AT, f.get(i));
            headerLengths[i] = (f.get(i)[0] & 0xF) * 4;
        }
        final byte[] stray = fragment(datagram(20, 4000, 51, SRC, UDP, 51), 136).get(3);
        final UnsafeBuffer strayBuffer = new UnsafeBuffer(new byte[AT + stray.length]);
        strayBuffer.putBytes(AT, stray);

        final Reassembler reassembler = reassembler(4);
        final int rounds = 2_000;
        final long warmUp = runRounds(reassembler, buffers, headerLengths, strayBuffer, 0, rounds); // JIT
        final long before = threads.getCurrentThreadAllocatedBytes();
        final long measured = runRounds(reassembler, buffers, headerLengths, strayBuffer, rounds, rounds);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // Each round completes one datagram and expires the stray one: 1 + 1000 * 1.
        assertThat(warmUp).isEqualTo(rounds * 1001L);
        assertThat(measured).isEqualTo(rounds * 1001L);
        assertThat(reassembler.inProgress()).isZero();
        // 62,000 offers and 2,000 expiries: one boxed value or iterator each would be >= 500 KB.
        assertThat(allocated).as("bytes allocated").isLessThan(1024);
    }

    /** Returns completions + 1000 * expiries, so both can be checked without allocating. */
    private static long runRounds(
        final Reassembler reassembler, final UnsafeBuffer[] buffers, final int[] headerLengths,
        final UnsafeBuffer stray, final int firstRound, final int rounds) {
        long result = 0;
        for (int r = firstRound; r < firstRound + rounds; r++) {
            final long now = r * 2 * TIMEOUT_NS;
            reassembler.offer(stray, AT, 20, now); // another datagram, left to expire
            for (int i = 0; i < buffers.length; i++) {
                if (reassembler.offer(buffers[i], AT, headerLengths[i], now + 1)) {
                    result++;
                }
            }
            if (reassembler.nextDeadlineNs() == now + TIMEOUT_NS) {
                result += 1000L * reassembler.expire(now + TIMEOUT_NS);
            }
        }
        return result;
    }

    // ---- helpers ----

    private Reassembler reassembler(final int maxDatagrams) {
        return new Reassembler(maxDatagrams, TIMEOUT_NS, counters);
    }

    /** Offers {@code fragment} from offset {@link #AT} of a buffer pre-filled with 0xA5. */
    private static boolean offer(final Reassembler reassembler, final byte[] fragment, final long nowNs) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[AT + fragment.length + 16]);
        buffer.setMemory(0, buffer.capacity(), (byte) 0xA5);
        buffer.putBytes(AT, fragment);
        return reassembler.offer(buffer, AT, (fragment[0] & 0xF) * 4, nowNs);
    }

    private static byte[] result(final Reassembler reassembler) {
        final byte[] out = new byte[reassembler.datagramLength()];
        reassembler.datagram().getBytes(0, out);
        return out;
    }

    /**
     * A datagram: {@code headerLength} bytes of header (options NOP... EOL), then
     * {@code dataLength} bytes of a seeded pattern; DF clear, checksum valid.
     */
    private static byte[] datagram(
        final int headerLength, final int dataLength, final int id, final int src, final int protocol, final int seed) {
        final byte[] data = new byte[dataLength];
        new Random(seed).nextBytes(data);
        final byte[] packet = header(headerLength, headerLength + dataLength, id, src, protocol, 0);
        final byte[] whole = Arrays.copyOf(packet, headerLength + dataLength);
        System.arraycopy(data, 0, whole, headerLength, dataLength);
        return whole;
    }

    private static byte[] header(
        final int headerLength, final int totalLength, final int id, final int src, final int protocol,
        final int flagsOffset) {
        final byte[] h = new byte[headerLength];
        final UnsafeBuffer b = new UnsafeBuffer(h);
        b.putByte(0, (byte) (0x40 | headerLength / 4));
        b.putShort(2, (short) totalLength, ByteOrder.BIG_ENDIAN);
        b.putShort(4, (short) id, ByteOrder.BIG_ENDIAN);
        b.putShort(6, (short) flagsOffset, ByteOrder.BIG_ENDIAN);
        b.putByte(8, (byte) 64);
        b.putByte(9, (byte) protocol);
        b.putInt(12, src, ByteOrder.BIG_ENDIAN);
        b.putInt(16, DST, ByteOrder.BIG_ENDIAN);
        for (int i = 20; i < headerLength - 1; i++) {
            h[i] = 1; // NOP, copy flag 0
        }
        // h[headerLength - 1] stays 0: End of Option List
        b.putShort(10, (short) referenceChecksum(h, 0, headerLength), ByteOrder.BIG_ENDIAN);
        return h;
    }

    /**
     * Splits {@code datagram} as a router would (RFC 791 §3.2): {@code dataPerFragment}
     * (a multiple of 8) per fragment, options only in fragment zero (their copy flag is 0).
     */
    private static List<byte[]> fragment(final byte[] datagram, final int dataPerFragment) {
        assertThat(dataPerFragment % 8).isZero();
        final int headerLength = (datagram[0] & 0xF) * 4;
        final int dataLength = datagram.length - headerLength;
        final List<byte[]> fragments = new ArrayList<>();
        for (int first = 0; first < dataLength; first += dataPerFragment) {
            final int length = Math.min(dataPerFragment, dataLength - first);
            fragments.add(slice(datagram, first, length, first + length < dataLength));
        }
        return fragments;
    }

    /** One fragment of {@code datagram}: data bytes {@code [first, first + length)}, any bounds. */
    private static byte[] slice(final byte[] datagram, final int first, final int length, final boolean more) {
        final int originalHeader = (datagram[0] & 0xF) * 4;
        final byte[] data = Arrays.copyOfRange(datagram, originalHeader + first, originalHeader + first + length);
        final UnsafeBuffer d = new UnsafeBuffer(datagram);
        final int headerLength = first == 0 ? originalHeader : 20;
        return fragmentWith(headerLength, d.getShort(4, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            d.getInt(12, ByteOrder.BIG_ENDIAN), datagram[9] & 0xFF, first, data, more);
    }

    private static byte[] fragmentWith(
        final int headerLength, final int id, final int src, final int protocol, final int first, final byte[] data,
        final boolean more) {
        assertThat(first % 8).isZero();
        final int flagsOffset = (more ? 0x2000 : 0) | (first >> 3);
        final byte[] h = header(headerLength, headerLength + data.length, id, src, protocol, flagsOffset);
        final byte[] fragment = Arrays.copyOf(h, headerLength + data.length);
        System.arraycopy(data, 0, fragment, headerLength, data.length);
        return fragment;
    }

    /** RFC 1071, 16-bit big-endian words byte by byte; independent of {@code Checksum}. */
    private static int referenceChecksum(final byte[] data, final int offset, final int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += ((data[offset + i] & 0xFF) << 8) | (i + 1 < length ? data[offset + i + 1] & 0xFF : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~(int) sum & 0xFFFF;
    }

    private static List<int[]> permutations(final int n) {
        final List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(final int[] current, final boolean[] used, final int depth, final List<int[]> out) {
        if (depth == current.length) {
            out.add(current.clone());
            return;
        }
        for (int i = 0; i < current.length; i++) {
            if (!used[i]) {
                used[i] = true;
                current[depth] = i;
                permute(current, used, depth + 1, out);
                used[i] = false;
            }
        }
    }
}
