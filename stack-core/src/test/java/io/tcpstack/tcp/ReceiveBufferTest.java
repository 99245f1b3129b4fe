package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * ReceiveBuffer: in-order data for the application plus out-of-order segment text kept at
 * its final place (RFC 9293 §3.10.7.4), offsets from RCV.NXT.
 */
class ReceiveBufferTest {
    private static final byte[] STREAM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        .getBytes(StandardCharsets.US_ASCII);
    private static final UnsafeBuffer SRC = new UnsafeBuffer(STREAM);

    /** Writes stream bytes [from, from + length) at their offset from rcvNxt (stream index). */
    private static int write(final ReceiveBuffer rb, final int rcvNxt, final int from, final int length) {
        return rb.write(from - rcvNxt, SRC, from, length);
    }

    /** Reads all in-order bytes, in as many contiguous pieces as the ring needs. */
    private static String readAll(final ReceiveBuffer rb) {
        final StringBuilder sb = new StringBuilder();
        int pieces = 0;
        while (rb.readableContiguous() > 0) {
            final int n = rb.readableContiguous();
            final byte[] piece = new byte[n];
            rb.readBuffer().getBytes(rb.readOffset(), piece);
            sb.append(new String(piece, StandardCharsets.US_ASCII));
            rb.consume(n);
            assertThat(++pieces).as("at most two pieces: before and after the wrap").isLessThanOrEqualTo(2);
        }
        assertThat(rb.readable()).isZero();
        return sb.toString();
    }

    private static String ranges(final ReceiveBuffer rb) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rb.outOfOrderRangeCount(); i++) {
            sb.append('[').append(rb.outOfOrderRangeStart(i)).append(',').append(rb.outOfOrderRangeEnd(i)).append(')');
        }
        return sb.toString();
    }

    @Test
    void empty_atStart() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        assertThat(rb.capacity()).isEqualTo(100);
        assertThat(rb.readable()).isZero();
        assertThat(rb.readableContiguous()).isZero();
        assertThat(rb.window()).isEqualTo(100);
        assertThat(rb.hasOutOfOrder()).isFalse();
        assertThat(rb.outOfOrderRangeCount()).isZero();
        assertThat(rb.rangesOverflowed()).isZero();
    }

    @Test
    void inOrder_advancesRcvNxt_andShrinksTheWindow() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        assertThat(write(rb, 0, 0, 5)).isEqualTo(5);
        assertThat(write(rb, 5, 5, 3)).isEqualTo(3);
        assertThat(rb.readable()).isEqualTo(8);
        assertThat(rb.window()).isEqualTo(92);
        assertThat(readAll(rb)).isEqualTo("abcdefgh");
        assertThat(rb.window()).as("reading opens the window again").isEqualTo(100);
    }

    @Test
    void consume_part_leavesTheRest() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        write(rb, 0, 0, 10);
        rb.consume(4);
        assertThat(rb.readable()).isEqualTo(6);
        assertThat(rb.window()).isEqualTo(94);
        rb.consume(-3);
        assertThat(rb.readable()).as("negative consume is ignored").isEqualTo(6);
        assertThat(readAll(rb)).isEqualTo("efghij");
        rb.consume(5);
        assertThat(rb.readable()).as("clamped to readable").isZero();
    }

    @Test
    void outOfOrder_isHeld_notReadable_thenTheGapFillsIt() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        assertThat(write(rb, 0, 5, 5)).isZero();
        assertThat(rb.readable()).isZero();
        assertThat(rb.readableContiguous()).isZero();
        assertThat(rb.window()).as("out-of-order data lives inside the window").isEqualTo(100);
        assertThat(rb.hasOutOfOrder()).isTrue();
        assertThat(ranges(rb)).isEqualTo("[5,10)");

        assertThat(write(rb, 0, 0, 5)).as("fills the gap and takes in the range").isEqualTo(10);
        assertThat(rb.hasOutOfOrder()).isFalse();
        assertThat(readAll(rb)).isEqualTo("abcdefghij");
    }

    @Test
    void partialGapFill_rebasesTheRangesOnTheNewRcvNxt() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        write(rb, 0, 10, 5);
        write(rb, 0, 20, 5);
        assertThat(ranges(rb)).isEqualTo("[10,15)[20,25)");
        assertThat(write(rb, 0, 0, 4)).isEqualTo(4);
        assertThat(ranges(rb)).isEqualTo("[6,11)[16,21)");
        assertThat(write(rb, 4, 4, 6)).as("reaches the first range exactly").isEqualTo(11);
        assertThat(ranges(rb)).isEqualTo("[5,10)");
        assertThat(write(rb, 15, 15, 10)).as("overlaps into the second range").isEqualTo(10);
        assertThat(rb.hasOutOfOrder()).isFalse();
        assertThat(readAll(rb)).isEqualTo(new String(STREAM, 0, 25, StandardCharsets.US_ASCII));
    }

    @Test
    void inOrderSegment_spanningSeveralRanges_takesThemAllIn() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 8);
        write(rb, 0, 3, 2);
        write(rb, 0, 7, 2);
        write(rb, 0, 12, 3);
        write(rb, 0, 30, 3);
        assertThat(write(rb, 0, 0, 13)).isEqualTo(15);
        assertThat(ranges(rb)).isEqualTo("[15,18)");
        assertThat(readAll(rb)).isEqualTo(new String(STREAM, 0, 15, StandardCharsets.US_ASCII));
    }

    @Test
    void ranges_mergeWhenTheyOverlapOrTouch_andStaySorted() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 8);
        write(rb, 0, 40, 5);
        write(rb, 0, 10, 5);
        write(rb, 0, 25, 5);
        assertThat(ranges(rb)).as("sorted").isEqualTo("[10,15)[25,30)[40,45)");
        write(rb, 0, 15, 3);
        assertThat(ranges(rb)).as("touching on the right").isEqualTo("[10,18)[25,30)[40,45)");
        write(rb, 0, 22, 3);
        assertThat(ranges(rb)).as("touching on the left").isEqualTo("[10,18)[22,30)[40,45)");
        write(rb, 0, 12, 2);
        assertThat(ranges(rb)).as("duplicate inside").isEqualTo("[10,18)[22,30)[40,45)");
        write(rb, 0, 8, 40);
        assertThat(ranges(rb)).as("covers all three").isEqualTo("[8,48)");
        assertThat(write(rb, 0, 0, 8)).isEqualTo(48);
        assertThat(readAll(rb)).isEqualTo(new String(STREAM, 0, 48, StandardCharsets.US_ASCII));
    }

    @Test
    void duplicateInOrderData_beyondRcvNxt_isNotCountedTwice() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        write(rb, 0, 5, 5);
        write(rb, 0, 5, 5);
        assertThat(ranges(rb)).isEqualTo("[5,10)");
        assertThat(write(rb, 0, 0, 10)).as("in-order data over an out-of-order range").isEqualTo(10);
        assertThat(rb.readable()).isEqualTo(10);
    }

    @Test
    void bytesBeyondTheWindow_areCut() {
        final ReceiveBuffer rb = new ReceiveBuffer(10, 4);
        assertThat(write(rb, 0, 0, 15)).isEqualTo(10);
        assertThat(rb.window()).isZero();
        assertThat(write(rb, 10, 10, 1)).as("zero window").isZero();
        assertThat(rb.hasOutOfOrder()).isFalse();
        rb.consume(4);
        assertThat(write(rb, 10, 12, 9)).as("out of order, cut at the window").isZero();
        assertThat(ranges(rb)).isEqualTo("[2,4)");
        assertThat(write(rb, 10, 14, 1)).as("starts at the window edge").isZero();
        assertThat(ranges(rb)).isEqualTo("[2,4)");
        assertThat(rb.write(Integer.MAX_VALUE, SRC, 0, Integer.MAX_VALUE)).isZero();
        // The same bytes again (retransmitted data is identical), with a huge length: cut, no overflow.
        assertThat(rb.write(3, SRC, 13, Integer.MAX_VALUE)).as("huge length: no overflow").isZero();
        assertThat(ranges(rb)).isEqualTo("[2,4)");
        assertThat(readAll(rb)).isEqualTo("efghij");
        assertThat(write(rb, 10, 10, 2)).isEqualTo(4);
        assertThat(readAll(rb)).isEqualTo("klmn");
    }

    @Test
    void negativeOffsetOrEmptyData_storesNothing() {
        final ReceiveBuffer rb = new ReceiveBuffer(10, 4);
        assertThat(rb.write(-1, SRC, 0, 5)).isZero();
        assertThat(rb.write(0, SRC, 0, 0)).isZero();
        assertThat(rb.write(3, SRC, 0, 0)).isZero();
        assertThat(rb.readable()).isZero();
        assertThat(rb.hasOutOfOrder()).isFalse();
    }

    @Test
    void tooManyRanges_dropsTheSegment_andCountsIt() {
        final ReceiveBuffer rb = new ReceiveBuffer(1000, 2);
        assertThat(write(rb, 0, 10, 5)).isZero();
        assertThat(write(rb, 0, 30, 5)).isZero();
        assertThat(write(rb, 0, 50, 5)).as("a third range does not fit").isZero();
        assertThat(rb.rangesOverflowed()).isEqualTo(1);
        assertThat(ranges(rb)).isEqualTo("[10,15)[30,35)");
        assertThat(write(rb, 0, 20, 3)).as("between them: also a third").isZero();
        assertThat(rb.rangesOverflowed()).isEqualTo(2);

        assertThat(write(rb, 0, 15, 5)).as("extends a range: fits").isZero();
        assertThat(write(rb, 0, 12, 25)).as("bridges both").isZero();
        assertThat(rb.rangesOverflowed()).isEqualTo(2);
        assertThat(ranges(rb)).isEqualTo("[10,37)");
        assertThat(write(rb, 0, 50, 5)).isZero();
        assertThat(ranges(rb)).isEqualTo("[10,37)[50,55)");

        assertThat(write(rb, 0, 0, 10)).as("in-order data needs no range").isEqualTo(37);
        assertThat(ranges(rb)).isEqualTo("[13,18)");
        assertThat(rb.window()).isEqualTo(963);
    }

    @Test
    void droppedSegment_isTakenWhenRetransmitted() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 1);
        write(rb, 0, 20, 5);
        assertThat(write(rb, 0, 5, 5)).as("a second range: dropped").isZero();
        assertThat(ranges(rb)).isEqualTo("[20,25)");
        assertThat(write(rb, 0, 0, 5)).isEqualTo(5);
        assertThat(write(rb, 5, 5, 5)).as("the retransmission, now in order").isEqualTo(5);
        assertThat(write(rb, 10, 10, 10)).isEqualTo(15);
        assertThat(readAll(rb)).isEqualTo(new String(STREAM, 0, 25, StandardCharsets.US_ASCII));
    }

    @Test
    void ringWrap_inOrderReadsInTwoPieces_andOutOfOrderLandsAcrossTheWrap() {
        final ReceiveBuffer rb = new ReceiveBuffer(16, 4);
        assertThat(write(rb, 0, 0, 12)).isEqualTo(12);
        readAll(rb);
        // Head at ring index 12; RCV.NXT = 12. Out-of-order data at offset 6..10 sits at ring 2..5.
        assertThat(write(rb, 12, 18, 4)).isZero();
        assertThat(write(rb, 12, 12, 6)).as("ring 12..15, 0..1, then the range").isEqualTo(10);
        assertThat(rb.readOffset()).isEqualTo(12);
        assertThat(rb.readableContiguous()).as("up to the end of the ring").isEqualTo(4);
        assertThat(readAll(rb)).isEqualTo(new String(STREAM, 12, 10, StandardCharsets.US_ASCII));
        assertThat(rb.readOffset()).isEqualTo(6);
    }

    @Test
    void fullBuffer_acrossTheWrap_readsBack() {
        final ReceiveBuffer rb = new ReceiveBuffer(7, 2);
        int rcvNxt = 0;
        rcvNxt += write(rb, rcvNxt, 0, 5);
        rb.consume(3);
        rcvNxt += write(rb, rcvNxt, 5, 10);
        assertThat(rcvNxt).isEqualTo(10);
        assertThat(rb.window()).isZero();
        assertThat(readAll(rb)).isEqualTo("defghij");
    }

    @Test
    void clear_forgetsEverything() {
        final ReceiveBuffer rb = new ReceiveBuffer(20, 2);
        write(rb, 0, 0, 7);
        write(rb, 7, 10, 3);
        rb.clear();
        assertThat(rb.readable()).isZero();
        assertThat(rb.window()).isEqualTo(20);
        assertThat(rb.hasOutOfOrder()).isFalse();
        assertThat(write(rb, 0, 0, 20)).isEqualTo(20);
        assertThat(readAll(rb)).isEqualTo(new String(STREAM, 0, 20, StandardCharsets.US_ASCII));
    }

    @Test
    void lend_takesInOrderTextByReference_untilSettle() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        final UnsafeBuffer segment = new UnsafeBuffer(STREAM.clone());
        assertThat(rb.lend(segment, 3, 10)).isEqualTo(10);
        assertThat(rb.readable()).isEqualTo(10);
        assertThat(rb.window()).as("lent bytes take window as copied ones do").isEqualTo(90);
        assertThat(rb.readBuffer()).as("read straight from the segment").isSameAs(segment);
        assertThat(rb.readOffset()).isEqualTo(3);
        assertThat(rb.readableContiguous()).isEqualTo(10);
        rb.consume(4);
        assertThat(rb.readOffset()).isEqualTo(7);
        rb.settle();
        segment.setMemory(0, STREAM.length, (byte) '?'); // the link reuses the segment's buffer
        assertThat(rb.readBuffer()).isNotSameAs(segment);
        assertThat(rb.window()).isEqualTo(94);
        assertThat(readAll(rb)).as("the six bytes not consumed were copied at settle").isEqualTo("hijklm");
        rb.settle();
        assertThat(rb.readable()).as("a second settle does nothing").isZero();
    }

    @Test
    void lend_allConsumed_copiesNothing_andTheRingStaysWhereItWas() {
        final ReceiveBuffer rb = new ReceiveBuffer(16, 4);
        assertThat(write(rb, 0, 0, 10)).isEqualTo(10);
        assertThat(readAll(rb)).isEqualTo("abcdefghij");
        final UnsafeBuffer segment = new UnsafeBuffer(STREAM.clone());
        assertThat(rb.lend(segment, 10, 12)).isEqualTo(12);
        rb.consume(12);
        rb.settle();
        assertThat(rb.readable()).isZero();
        assertThat(rb.readOffset()).as("head untouched by lent bytes").isEqualTo(10);
        assertThat(write(rb, 22, 22, 10)).as("the next write lands after the head, across the wrap").isEqualTo(10);
        assertThat(readAll(rb)).isEqualTo("wxyzABCDEF");
    }

    @Test
    void lend_settleAcrossTheWrap_andTrimmedToTheWindow() {
        final ReceiveBuffer rb = new ReceiveBuffer(16, 4);
        assertThat(write(rb, 0, 0, 12)).isEqualTo(12);
        assertThat(readAll(rb)).isEqualTo("abcdefghijkl");
        final UnsafeBuffer segment = new UnsafeBuffer(STREAM.clone());
        assertThat(rb.lend(segment, 12, 20)).as("cut to the 16-byte window").isEqualTo(16);
        rb.settle();
        segment.setMemory(0, STREAM.length, (byte) '?');
        assertThat(rb.window()).isZero();
        assertThat(readAll(rb)).isEqualTo("mnopqrstuvwxyzAB");
    }

    @Test
    void lend_whenBytesOrRangesAreHeld_writesAsUsual() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        assertThat(write(rb, 0, 5, 5)).as("out of order").isZero();
        assertThat(rb.isEmpty()).isFalse();
        final UnsafeBuffer segment = new UnsafeBuffer(STREAM.clone());
        assertThat(rb.lend(segment, 0, 5)).as("fills the gap and takes the range in").isEqualTo(10);
        assertThat(rb.readBuffer()).isNotSameAs(segment);
        segment.setMemory(0, STREAM.length, (byte) '?');
        assertThat(readAll(rb)).isEqualTo("abcdefghij");
    }

    @Test
    void writeWhileLent_settlesFirst_andClearForgetsTheLoan() {
        final ReceiveBuffer rb = new ReceiveBuffer(100, 4);
        final UnsafeBuffer segment = new UnsafeBuffer(STREAM.clone());
        rb.lend(segment, 0, 5);
        assertThat(write(rb, 5, 7, 3)).as("out of order after the lent bytes").isZero();
        segment.setMemory(0, STREAM.length, (byte) '?');
        assertThat(write(rb, 5, 5, 2)).isEqualTo(5);
        assertThat(readAll(rb)).isEqualTo("abcdefghij");
        rb.lend(segment, 0, 5);
        rb.clear();
        assertThat(rb.readable()).isZero();
        assertThat(rb.readBuffer()).isNotSameAs(segment);
        rb.settle();
        assertThat(rb.readable()).isZero();
    }

    @Test
    void constructorChecksItsArguments() {
        assertThatThrownBy(() -> new ReceiveBuffer(0, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReceiveBuffer(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Random segments (in order, out of order, duplicate, beyond the window) against a model
     * that marks received bytes: same RCV.NXT advances, same ranges, same drops, same bytes.
     */
    @Test
    void randomSegments_matchAModel_fixedSeed() {
        randomSegmentsMatchAModel(9293);
    }

    @Test
    void randomSegments_matchAModel_freshSeed() {
        randomSegmentsMatchAModel(Long.getLong("tcpstack.seed", System.nanoTime()));
    }

    private static void randomSegmentsMatchAModel(final long seed) {
        final Random random = new Random(seed);
        for (int round = 0; round < 300; round++) {
            final String where = "seed " + seed + " (replay with -Dtcpstack.seed=" + seed + "), round " + round;
            final int capacity = 1 + random.nextInt(200);
            final int maxRanges = 1 + random.nextInt(5);
            final ReceiveBuffer rb = new ReceiveBuffer(capacity, maxRanges);
            final byte[] data = new byte[capacity * 4 + 50];
            random.nextBytes(data);
            final UnsafeBuffer src = new UnsafeBuffer(data);
            final boolean[] have = new boolean[data.length + capacity * 2];
            final byte[] received = new byte[data.length];
            int rcvNxt = 0;
            int delivered = 0;
            long drops = 0;
            for (int step = 0; step < 3000 && delivered < data.length; step++) {
                final int window = capacity - (rcvNxt - delivered);
                final int offset = random.nextInt(3) == 0 ? 0 : random.nextInt(window + 3);
                final int length = 1 + random.nextInt(Math.max(1, capacity / 3));
                final int from = rcvNxt + offset;
                if (from >= data.length) {
                    continue;
                }
                final int len = Math.min(length, data.length - from);

                // Model.
                final boolean[] before = have.clone();
                final int stored = offset < window ? Math.min(len, window - offset) : 0;
                for (int i = 0; i < stored; i++) {
                    have[from + i] = true;
                }
                int expectAdvance = 0;
                final List<int[]> expectRanges = new ArrayList<>();
                if (offset > 0 && stored > 0) {
                    collectRanges(have, rcvNxt, rcvNxt + window, expectRanges);
                    if (expectRanges.size() > maxRanges) {
                        System.arraycopy(before, 0, have, 0, have.length);
                        drops++;
                        expectRanges.clear();
                    }
                }
                if (offset == 0) {
                    while (have[rcvNxt + expectAdvance]) {
                        expectAdvance++;
                    }
                }

                // In order into an empty buffer, half the time lent (read from the segment's own
                // buffer, which is scribbled over after settle, as the link reuses it).
                final boolean lend = offset == 0 && rb.isEmpty() && random.nextBoolean();
                final UnsafeBuffer segment = lend ? new UnsafeBuffer(data.clone()) : src;
                final int advance = lend ? rb.lend(segment, from, len) : rb.write(offset, src, from, len);
                assertThat(advance).as(where).isEqualTo(expectAdvance);
                rcvNxt += advance;
                expectRanges.clear();
                collectRanges(have, rcvNxt, rcvNxt + capacity, expectRanges);
                assertThat(rb.outOfOrderRangeCount()).as(where).isEqualTo(expectRanges.size());
                for (int i = 0; i < expectRanges.size(); i++) {
                    assertThat(rb.outOfOrderRangeStart(i)).as(where).isEqualTo(expectRanges.get(i)[0] - rcvNxt);
                    assertThat(rb.outOfOrderRangeEnd(i)).as(where).isEqualTo(expectRanges.get(i)[1] - rcvNxt);
                }
                assertThat(rb.rangesOverflowed()).as(where).isEqualTo(drops);
                assertThat(rb.readable()).as(where).isEqualTo(rcvNxt - delivered);
                assertThat(rb.window()).as(where).isEqualTo(capacity - rb.readable());

                while (rb.readableContiguous() > 0 && random.nextBoolean()) {
                    final int n = 1 + random.nextInt(rb.readableContiguous());
                    rb.readBuffer().getBytes(rb.readOffset(), received, delivered, n);
                    delivered += n;
                    rb.consume(n);
                }
                if (lend) {
                    rb.settle();
                    segment.setMemory(0, data.length, (byte) 0x5A);
                }
            }
            delivered += drain(rb, received, delivered);
            assertThat(delivered).as(where).isEqualTo(rcvNxt);
            assertThat(Arrays.copyOf(received, delivered)).as(where).isEqualTo(Arrays.copyOf(data, delivered));
        }
    }

    private static int drain(final ReceiveBuffer rb, final byte[] into, final int at) {
        int n = 0;
        while (rb.readableContiguous() > 0) {
            final int piece = rb.readableContiguous();
            rb.readBuffer().getBytes(rb.readOffset(), into, at + n, piece);
            n += piece;
            rb.consume(piece);
        }
        return n;
    }

    /** Maximal runs of received bytes in [from, to), from RCV.NXT (where have[from] is false). */
    private static void collectRanges(final boolean[] have, final int from, final int to, final List<int[]> out) {
        int i = from;
        while (i < to) {
            if (have[i]) {
                final int start = i;
                while (i < to && have[i]) {
                    i++;
                }
                out.add(new int[] {start, i});
            } else {
                i++;
            }
        }
    }
}
