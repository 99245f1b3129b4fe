package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** SendBuffer: the bytes from SND.UNA on (RFC 9293 §3.3.1), as a fixed ring. */
class SendBufferTest {
    private static UnsafeBuffer ascii(final String s) {
        return new UnsafeBuffer(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String copyOut(final SendBuffer b, final int from, final int length) {
        final UnsafeBuffer out = new UnsafeBuffer(new byte[length + 4]);
        out.setMemory(0, length + 4, (byte) '#');
        b.copyOut(from, out, 2, length);
        final String s = new String(out.byteArray(), StandardCharsets.US_ASCII);
        assertThat(s).startsWith("##").endsWith("##");
        return s.substring(2, 2 + length);
    }

    @Test
    void empty_atStart() {
        final SendBuffer b = new SendBuffer(100);
        assertThat(b.capacity()).isEqualTo(100);
        assertThat(b.size()).isZero();
        assertThat(b.free()).isEqualTo(100);
    }

    @Test
    void append_takesOnlyWhatFits() {
        final SendBuffer b = new SendBuffer(10);
        assertThat(b.append(ascii("0123456"), 0, 7)).isEqualTo(7);
        assertThat(b.append(ascii("abcdef"), 0, 6)).isEqualTo(3);
        assertThat(b.size()).isEqualTo(10);
        assertThat(b.free()).isZero();
        assertThat(b.append(ascii("x"), 0, 1)).as("full").isZero();
        assertThat(copyOut(b, 0, 10)).isEqualTo("0123456abc");
    }

    @Test
    void append_fromAnOffsetInTheSource() {
        final SendBuffer b = new SendBuffer(10);
        assertThat(b.append(ascii("xxhelloxx"), 2, 5)).isEqualTo(5);
        assertThat(copyOut(b, 0, 5)).isEqualTo("hello");
    }

    @Test
    void append_zeroOrNegativeLength_takesNothing() {
        final SendBuffer b = new SendBuffer(10);
        assertThat(b.append(ascii("abc"), 0, 0)).isZero();
        assertThat(b.append(ascii("abc"), 0, -5)).isZero();
        assertThat(b.size()).isZero();
    }

    @Test
    void release_dropsFromTheFront_andFreesSpace() {
        final SendBuffer b = new SendBuffer(10);
        b.append(ascii("0123456789"), 0, 10);
        b.release(4);
        assertThat(b.size()).isEqualTo(6);
        assertThat(b.free()).isEqualTo(4);
        assertThat(copyOut(b, 0, 6)).isEqualTo("456789");
    }

    @Test
    void release_isClampedToSize() {
        final SendBuffer b = new SendBuffer(10);
        b.append(ascii("abc"), 0, 3);
        b.release(-1);
        assertThat(b.size()).isEqualTo(3);
        b.release(99);
        assertThat(b.size()).isZero();
        assertThat(b.free()).isEqualTo(10);
    }

    @Test
    void wrapsAround_andCopiesOutFromAnyOffset() {
        final SendBuffer b = new SendBuffer(10);
        b.append(ascii("0123456789"), 0, 10);
        b.release(7);
        assertThat(b.append(ascii("abcdef"), 0, 6)).isEqualTo(6);
        assertThat(b.size()).isEqualTo(9);
        assertThat(copyOut(b, 0, 9)).isEqualTo("789abcdef");
        assertThat(copyOut(b, 2, 4)).as("straddles the wrap").isEqualTo("9abc");
        assertThat(copyOut(b, 3, 6)).as("after the wrap").isEqualTo("abcdef");
        assertThat(copyOut(b, 0, 3)).as("before the wrap").isEqualTo("789");
        assertThat(copyOut(b, 9, 0)).isEmpty();
    }

    @Test
    void copyOut_leavesTheBytesInPlace_forRetransmission() {
        final SendBuffer b = new SendBuffer(8);
        b.append(ascii("segment!"), 0, 8);
        assertThat(copyOut(b, 0, 8)).isEqualTo("segment!");
        assertThat(copyOut(b, 0, 8)).isEqualTo("segment!");
        assertThat(b.size()).isEqualTo(8);
    }

    @Test
    void copyOut_beyondSize_isABug() {
        final SendBuffer b = new SendBuffer(10);
        b.append(ascii("abc"), 0, 3);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[16]);
        assertThatThrownBy(() -> b.copyOut(1, out, 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.copyOut(-1, out, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.copyOut(0, out, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.copyOut(Integer.MAX_VALUE, out, 0, Integer.MAX_VALUE))
            .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void clear_emptiesIt() {
        final SendBuffer b = new SendBuffer(10);
        b.append(ascii("0123456789"), 0, 10);
        b.release(5);
        b.append(ascii("abc"), 0, 3);
        b.clear();
        assertThat(b.size()).isZero();
        assertThat(b.free()).isEqualTo(10);
        assertThat(b.append(ascii("0123456789"), 0, 10)).isEqualTo(10);
        assertThat(copyOut(b, 0, 10)).isEqualTo("0123456789");
    }

    @Test
    void capacityOfOne_andNonPowerOfTwo() {
        final SendBuffer one = new SendBuffer(1);
        for (int i = 0; i < 5; i++) {
            assertThat(one.append(ascii("xyz"), i % 3, 1)).isEqualTo(1);
            assertThat(copyOut(one, 0, 1)).isEqualTo("xyz".substring(i % 3, i % 3 + 1));
            one.release(1);
        }
        assertThatThrownBy(() -> new SendBuffer(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomAppendsReleasesAndCopies_matchAModel() {
        final Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            final int capacity = 1 + random.nextInt(300);
            final SendBuffer b = new SendBuffer(capacity);
            final byte[] stream = new byte[20_000];
            random.nextBytes(stream);
            final UnsafeBuffer src = new UnsafeBuffer(stream);
            final byte[] out = new byte[capacity];
            final UnsafeBuffer dst = new UnsafeBuffer(out);
            int una = 0;     // stream index of the front
            int appended = 0;
            while (una < stream.length) {
                final int want = Math.min(random.nextInt(capacity + 5), stream.length - appended);
                final int took = b.append(src, appended, want);
                assertThat(took).isEqualTo(Math.min(want, capacity - (appended - una)));
                appended += took;
                assertThat(b.size()).isEqualTo(appended - una);
                assertThat(b.free()).isEqualTo(capacity - b.size());
                if (b.size() > 0) {
                    final int from = random.nextInt(b.size());
                    final int len = random.nextInt(b.size() - from + 1);
                    b.copyOut(from, dst, 0, len);
                    for (int i = 0; i < len; i++) {
                        if (out[i] != stream[una + from + i]) {
                            throw new AssertionError("round " + round + ": byte " + (una + from + i) + " differs");
                        }
                    }
                }
                final int acked = random.nextInt(b.size() + 1);
                b.release(acked);
                una += acked;
            }
            assertThat(appended).isEqualTo(stream.length);
        }
    }
}
