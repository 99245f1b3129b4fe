package io.tcpstack.tun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link FrameRing}: frames stored by their size, in order, byte-exact, across wraps and threads. */
class FrameRingTest {
    private static final int MAX = 1500;

    /** Writes a frame as read(2) would: its bytes at the claimed offset, derived from its number. */
    private static boolean put(final FrameRing ring, final int number, final int length) {
        final int offset = ring.claim();
        if (offset < 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            ring.buffer().putByte(offset + i, (byte) (number * 31 + i));
        }
        ring.commit(offset, length, length);
        return true;
    }

    private static void check(final UnsafeBuffer buffer, final int offset, final int length, final int number) {
        for (int i = 0; i < length; i++) {
            if (buffer.getByte(offset + i) != (byte) (number * 31 + i)) {
                throw new AssertionError("frame " + number + " byte " + i + " differs");
            }
        }
    }

    private static int lengthOf(final int number) {
        return 20 + (int) ((number * 7919L) % (MAX - 20)); // long: number * 7919 passes 2^31
    }

    @Test
    void framesComeOutInOrderAndIntact_acrossManyWraps() {
        final FrameRing ring = new FrameRing(8192, MAX);
        final int[] next = {0};
        int written = 0;
        for (int round = 0; round < 2000; round++) {
            while (put(ring, written, lengthOf(written))) {
                written++;
            }
            ring.read((buffer, offset, length) -> {
                assertThat(length).isEqualTo(lengthOf(next[0]));
                check(buffer, offset, length, next[0]);
                next[0]++;
            }, 3); // fewer than were written: the ring is read while partly full
        }
        ring.read((buffer, offset, length) -> next[0]++, Integer.MAX_VALUE);
        assertThat(next[0]).isEqualTo(written);
        assertThat(written).as("wrapped many times").isGreaterThan(20 * 8192 / MAX);
        assertThat(ring.hasPending()).isFalse();
    }

    @Test
    void smallFramesTakeTheirOwnSize_notTheLargestFramesRoom() {
        final FrameRing ring = new FrameRing(1 << 20, MAX);
        int syns = 0;
        while (put(ring, syns, 60)) {
            syns++;
        }
        final int largest = (1 << 20) / FrameRing.recordLength(MAX);
        assertThat(largest).isEqualTo(693);
        // 72 bytes each (8 of header), less one largest frame's room kept free at the end.
        assertThat(syns).isEqualTo(((1 << 20) - FrameRing.recordLength(MAX)) / 72 + 1);
        assertThat(syns).isGreaterThan(20 * largest);
    }

    @Test
    void aFullRingRefusesUntilTheConsumerGivesSpaceBack() {
        final FrameRing ring = new FrameRing(4096, MAX);
        int n = 0;
        while (put(ring, n, MAX)) {
            n++;
        }
        assertThat(n).isEqualTo(2); // 4096 holds two 1512-byte records; a third might not fit
        assertThat(ring.claim()).isEqualTo(-1);
        final List<Integer> seen = new ArrayList<>();
        assertThat(ring.read((buffer, offset, length) -> seen.add(length), 1)).isEqualTo(1);
        // 1512 bytes back, but the next record needs the 1072 left before the end (padding),
        // 1512 after it and 8 for the length word beyond: 8 bytes short.
        assertThat(ring.claim()).isEqualTo(-1);
        assertThat(ring.read((buffer, offset, length) -> seen.add(length), 1)).isEqualTo(1);
        assertThat(put(ring, n, MAX)).isTrue();
        ring.read((buffer, offset, length) -> seen.add(length), 10);
        assertThat(seen).containsExactly(MAX, MAX, MAX);
    }

    @Test
    void aFrameThatWouldCrossTheEnd_goesAfterAPaddingRecordAtTheStart() {
        final FrameRing ring = new FrameRing(4096, MAX); // records of up to 1512 bytes
        assertThat(put(ring, 0, 1000)).isTrue();  // [0, 1008)
        assertThat(put(ring, 1, 1000)).isTrue();  // [1008, 2016)
        assertThat(put(ring, 2, 1000)).isTrue();  // [2016, 3024): 1072 left, less than 1512
        final List<Integer> seen = new ArrayList<>();
        ring.read((buffer, offset, length) -> seen.add(length), 3);
        final int offset = ring.claim();
        assertThat(offset).as("after a padding record, at the start").isEqualTo(FrameRing.HEADER_LENGTH);
        assertThat(ring.buffer().getInt(3024)).as("the padding record: the rest of the ring").isEqualTo(-1072);
        for (int i = 0; i < 700; i++) {
            ring.buffer().putByte(offset + i, (byte) (3 * 31 + i));
        }
        ring.commit(offset, 700, 700);
        ring.read((buffer, o, length) -> {
            check(buffer, o, length, 3);
            seen.add(length);
        }, 10);
        assertThat(seen).containsExactly(1000, 1000, 1000, 700);
        assertThat(ring.hasPending()).isFalse();
    }

    @Test
    void aTruncatedFrameNeverCommitted_leavesNothingBehind() {
        final FrameRing ring = new FrameRing(8192, MAX);
        final int offset = ring.claim();
        for (int i = 0; i < MAX; i++) {
            ring.buffer().putByte(offset + i, (byte) 0x5A); // read(2) wrote a truncated frame
        }
        assertThat(ring.hasPending()).isFalse();
        assertThat(put(ring, 1, 40)).isTrue(); // over the truncated bytes, which are not zeroed
        assertThat(put(ring, 2, 50)).isTrue();
        final List<Integer> seen = new ArrayList<>();
        ring.read((buffer, o, length) -> {
            check(buffer, o, length, seen.isEmpty() ? 1 : 2);
            seen.add(length);
        }, 10);
        assertThat(seen).containsExactly(40, 50);
        assertThat(ring.hasPending()).isFalse();
    }

    /**
     * Nothing but the length words ahead of the consumer is zeroed, so every lap lands record
     * starts inside the bytes of earlier frames; those bytes are made to look like records
     * (positive, aligned lengths), and none may ever be taken for one.
     */
    @Test
    void staleBytesOfEarlierLaps_areNeverTakenForARecord() {
        final FrameRing ring = new FrameRing(8192, MAX);
        final Random random = new Random(7);
        final int[] next = {0};
        int written = 0;
        for (int round = 0; round < 20_000; round++) {
            final int length = 4 + random.nextInt(MAX - 3);
            final int offset = ring.claim();
            if (offset >= 0) {
                for (int i = 0; i + 4 <= length; i += 4) {
                    ring.buffer().putInt(offset + i, 0x0000_0040); // a plausible 64-byte record
                }
                ring.buffer().putInt(offset, written); // the frame's number, checked below
                ring.commit(offset, length, length);
                written++;
            }
            ring.read((buffer, o, l) -> {
                if (l < 4 || buffer.getInt(o) != next[0]) {
                    throw new AssertionError("frame " + next[0] + ": read a stale or wrong record");
                }
                next[0]++;
            }, random.nextInt(3));
        }
        ring.read((buffer, o, l) -> next[0]++, Integer.MAX_VALUE);
        assertThat(next[0]).isEqualTo(written);
        assertThat(ring.hasPending()).isFalse();
    }

    @Test
    void capacityMustHoldTwoLargestFrames() {
        assertThatThrownBy(() -> new FrameRing(2048, MAX)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("2 * 1512 + 8");
        assertThatThrownBy(() -> new FrameRing(6000, MAX)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aProducerAndAConsumerThread_everyFrameInOrderAndIntact() throws InterruptedException {
        final FrameRing ring = new FrameRing(16384, MAX);
        final int frames = 300_000;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread producer = new Thread(() -> {
            final Random random = new Random(42);
            for (int n = 0; n < frames && System.nanoTime() < deadline; ) {
                if (put(ring, n, lengthOf(n))) {
                    n++;
                } else {
                    Thread.onSpinWait();
                }
                if (random.nextInt(1000) == 0) {
                    Thread.yield();
                }
            }
        }, "frame-ring-producer");
        producer.start();
        final int[] next = {0};
        try {
            while (next[0] < frames && System.nanoTime() < deadline) {
                ring.read((buffer, offset, length) -> {
                    if (length != lengthOf(next[0])) {
                        throw new AssertionError("frame " + next[0] + ": length " + length);
                    }
                    check(buffer, offset, length, next[0]);
                    next[0]++;
                }, 16);
            }
        } catch (final Throwable t) {
            failure.set(t);
        }
        producer.join(TimeUnit.SECONDS.toMillis(10));
        if (failure.get() != null) {
            throw new AssertionError("consumer failed after " + next[0] + " frames", failure.get());
        }
        assertThat(next[0]).isEqualTo(frames);
    }
}
