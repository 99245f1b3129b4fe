package io.tcpstack.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The byte ring behind {@link ImpairedLink}'s delay: first in, first out, bounded by bytes and by packets. */
class DelayLineTest {
    private final List<byte[]> out = new ArrayList<>();
    private final List<Integer> flags = new ArrayList<>();
    private final FrameHandler collect = new FrameHandler() {
        @Override
        public void onFrame(final org.agrona.MutableDirectBuffer b, final int o, final int l) {
            onFrame(b, o, l, -1);
        }

        @Override
        public void onFrame(final org.agrona.MutableDirectBuffer b, final int o, final int l, final int f) {
            final byte[] copy = new byte[l];
            b.getBytes(o, copy);
            out.add(copy);
            flags.add(f);
        }
    };

    private static byte[] frame(final int length, final int seed) {
        final byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    private static boolean offer(final DelayLine line, final byte[] frame, final int flags, final long releaseNs) {
        return line.offer(new UnsafeBuffer(frame), 0, frame.length, flags, releaseNs);
    }

    @Test
    void releasesOnlyWhatIsDue_oldestFirst_withItsFlags() {
        final DelayLine line = new DelayLine(4096, 100);
        assertThat(line.nextReleaseNs()).isEqualTo(Long.MAX_VALUE);
        assertThat(offer(line, frame(60, 1), 0, 100)).isTrue();
        assertThat(offer(line, frame(1500, 2), FrameHandler.CHECKSUM_TRUSTED, 200)).isTrue();
        assertThat(line.nextReleaseNs()).isEqualTo(100);
        assertThat(line.release(99, collect, 10)).isZero();
        assertThat(line.release(100, collect, 10)).isOne();
        assertThat(line.nextReleaseNs()).isEqualTo(200);
        assertThat(line.release(1000, collect, 10)).isOne();
        assertThat(out).containsExactly(frame(60, 1), frame(1500, 2));
        assertThat(flags).containsExactly(0, FrameHandler.CHECKSUM_TRUSTED);
        assertThat(line.size()).isZero();
    }

    @Test
    void aPacketDueEarlierThanTheOneAhead_leavesRightAfterIt() {
        final DelayLine line = new DelayLine(4096, 100);
        offer(line, frame(40, 1), 0, 500);
        offer(line, frame(40, 2), 0, 300);
        assertThat(line.release(400, collect, 10)).as("its own time has come, the one ahead's has not").isZero();
        assertThat(line.release(500, collect, 10)).isEqualTo(2);
        assertThat(out).containsExactly(frame(40, 1), frame(40, 2));
    }

    @Test
    void releaseStopsAtItsLimit() {
        final DelayLine line = new DelayLine(4096, 100);
        for (int i = 0; i < 5; i++) {
            offer(line, frame(40, i), 0, 0);
        }
        assertThat(line.release(0, collect, 3)).isEqualTo(3);
        assertThat(line.release(0, collect, 3)).isEqualTo(2);
    }

    @Test
    void boundedByPackets() {
        final DelayLine line = new DelayLine(1 << 20, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(offer(line, frame(40, i), 0, 0)).isTrue();
        }
        assertThat(offer(line, frame(40, 3), 0, 0)).isFalse();
        line.release(0, collect, 1);
        assertThat(offer(line, frame(40, 4), 0, 0)).as("room again").isTrue();
    }

    @Test
    void boundedByBytes_andARecordNeverWraps() {
        // Room for 3 records of 1000 bytes (1016 each), not 4.
        final DelayLine line = new DelayLine(3 * DelayLine.recordBytes(1000) + 500, 100);
        assertThat(offer(line, frame(1000, 0), 0, 0)).isTrue();
        assertThat(offer(line, frame(1000, 1), 0, 0)).isTrue();
        assertThat(offer(line, frame(1000, 2), 0, 0)).isTrue();
        assertThat(offer(line, frame(1000, 3), 0, 0)).as("500 bytes left at the end, none at the start").isFalse();
        assertThat(offer(line, frame(400, 4), 0, 0)).as("fits at the end").isTrue();
        line.release(0, collect, 2); // frees the first 2032 bytes
        assertThat(offer(line, frame(1000, 5), 0, 0)).as("wraps to the start").isTrue();
        assertThat(offer(line, frame(1008, 6), 0, 0)).as("8 bytes more than is left before the head").isFalse();
        assertThat(offer(line, frame(1000, 7), 0, 0)).as("exactly what is left before the head").isTrue();
        assertThat(offer(line, frame(1, 8), 0, 0)).isFalse();
        line.release(0, collect, 100);
        assertThat(out).containsExactly(frame(1000, 0), frame(1000, 1), frame(1000, 2), frame(400, 4),
            frame(1000, 5), frame(1000, 7));
        assertThat(line.size()).isZero();
        assertThat(offer(line, frame(1000, 9), 0, 0)).isTrue();
    }

    @Test
    void manyFramesOfMixedSizes_throughAFewWraps_byteExact() {
        final SplittableRandom random = new SplittableRandom(3);
        final DelayLine line = new DelayLine(20_000, 1000);
        final List<byte[]> expected = new ArrayList<>();
        long time = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            final byte[] f = frame(1 + random.nextInt(random.nextBoolean() ? 60 : 1500), i);
            if (offer(line, f, i & 1, time + 50)) {
                expected.add(f);
            } else {
                refused++;
            }
            time += 10;
            line.release(time, collect, random.nextInt(3)); // as many out as in, on average: full at times
        }
        line.release(Long.MAX_VALUE - 1, collect, Integer.MAX_VALUE);
        assertThat(refused).as("the ring filled at times").isPositive();
        assertThat(out).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(out.get(i)).as("frame %d", i).isEqualTo(expected.get(i));
        }
    }

    @Test
    void tooSmall_isRefused() {
        assertThatThrownBy(() -> new DelayLine(8, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DelayLine(4096, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
