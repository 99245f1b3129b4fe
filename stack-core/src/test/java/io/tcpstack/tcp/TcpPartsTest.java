package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.HashSet;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The small parts of the TCP core: sequence arithmetic, buffers, SipHash, ISN, ports. */
class TcpPartsTest {
    @Nested
    class Sequence {
        @Test
        void comparesAcrossTheWrap_rfc9293_3_4() {
            assertThat(Seq.lt(0xFFFF_FFF0, 0x10)).isTrue();
            assertThat(Seq.gt(0x10, 0xFFFF_FFF0)).isTrue();
            assertThat(Seq.le(5, 5)).isTrue();
            assertThat(Seq.ge(5, 6)).isFalse();
            assertThat(Seq.max(0xFFFF_FFF0, 0x10)).isEqualTo(0x10);
            assertThat(Seq.min(0xFFFF_FFF0, 0x10)).isEqualTo(0xFFFF_FFF0);
        }

        @Test
        void windowEdges_bothSides_andAcrossTheWrap() {
            assertThat(Seq.inWindow(100, 100, 10)).isTrue();
            assertThat(Seq.inWindow(109, 100, 10)).isTrue();
            assertThat(Seq.inWindow(110, 100, 10)).isFalse();
            assertThat(Seq.inWindow(99, 100, 10)).isFalse();
            assertThat(Seq.inWindow(100, 100, 0)).isFalse();
            assertThat(Seq.inWindow(3, 0xFFFF_FFFC, 8)).isTrue();
            assertThat(Seq.inWindow(4, 0xFFFF_FFFC, 8)).isFalse();
        }
    }

    @Nested
    class Buffers {
        @Test
        void sendBuffer_wrapsAndCopiesOutFromAnyOffset() {
            final SendBuffer b = new SendBuffer(10);
            final byte[] data = "0123456789abcdef".getBytes();
            assertThat(b.append(new UnsafeBuffer(data), 0, 16)).isEqualTo(10);
            b.release(7);
            assertThat(b.append(new UnsafeBuffer(data), 10, 6)).isEqualTo(6);
            assertThat(b.size()).isEqualTo(9);
            final UnsafeBuffer out = new UnsafeBuffer(new byte[9]);
            b.copyOut(0, out, 0, 9);
            assertThat(new String(out.byteArray())).isEqualTo("789abcdef");
            b.copyOut(2, out, 0, 4);
            assertThat(new String(out.byteArray(), 0, 4)).isEqualTo("9abc");
        }

        @Test
        void receiveBuffer_randomSegmentsInAnyOrder_reassembleExactly() {
            final Random random = new Random(7);
            for (int round = 0; round < 200; round++) {
                final int capacity = 64 + random.nextInt(512);
                final ReceiveBuffer rb = new ReceiveBuffer(capacity, 64);
                final byte[] data = new byte[capacity * 3];
                random.nextBytes(data);
                final StringBuilder got = new StringBuilder();
                final byte[] received = new byte[data.length];
                int delivered = 0;
                int next = 0;
                for (int step = 0; step < 5000 && delivered < data.length; step++) {
                    final int offset = random.nextInt(Math.max(1, rb.window()));
                    final int length = 1 + random.nextInt(40);
                    final int from = next + offset;
                    if (from >= data.length) {
                        continue;
                    }
                    final int len = Math.min(length, data.length - from);
                    next += rb.write(offset, new UnsafeBuffer(data), from, len);
                    while (rb.readableContiguous() > 0 && random.nextInt(3) > 0) {
                        final int n = rb.readableContiguous();
                        rb.readBuffer().getBytes(rb.readOffset(), received, delivered, n);
                        delivered += n;
                        rb.consume(n);
                    }
                }
                while (rb.readableContiguous() > 0) {
                    final int n = rb.readableContiguous();
                    rb.readBuffer().getBytes(rb.readOffset(), received, delivered, n);
                    delivered += n;
                    rb.consume(n);
                }
                assertThat(delivered).isEqualTo(next);
                for (int i = 0; i < delivered; i++) {
                    if (received[i] != data[i]) {
                        got.append(i).append(' ');
                        break;
                    }
                }
                assertThat(got.toString()).as("round %d first mismatch", round).isEmpty();
                assertThat(delivered).as("round %d made progress", round).isGreaterThan(0);
            }
        }

        @Test
        void receiveBuffer_outOfOrderRangesMerge_andAreBounded() {
            final ReceiveBuffer rb = new ReceiveBuffer(1000, 2);
            final UnsafeBuffer src = new UnsafeBuffer(new byte[100]);
            assertThat(rb.write(10, src, 0, 10)).isZero();
            assertThat(rb.write(30, src, 0, 10)).isZero();
            assertThat(rb.write(50, src, 0, 10)).as("a third range does not fit").isZero();
            assertThat(rb.rangesOverflowed()).isEqualTo(1);
            assertThat(rb.write(15, src, 0, 20)).as("bridges the two ranges").isZero();
            assertThat(rb.outOfOrderRangeCount()).isEqualTo(1);
            assertThat(rb.outOfOrderRangeStart(0)).isEqualTo(10);
            assertThat(rb.outOfOrderRangeEnd(0)).isEqualTo(40);
            assertThat(rb.write(0, src, 0, 10)).isEqualTo(40);
            assertThat(rb.hasOutOfOrder()).isFalse();
            assertThat(rb.window()).isEqualTo(960);
        }
    }

    @Nested
    class Hashing {
        private static final long K0 = 0x0706050403020100L;
        private static final long K1 = 0x0f0e0d0c0b0a0908L;

        @Test
        void sipHash24_referenceVectors_fromThePaper() {
            // Key 00..0f, message 00..(n-1): the reference implementation's vectors.
            assertThat(SipHash.hash(K0, K1, 0x0706050403020100L, 0, 8)).isEqualTo(0x93f5f5799a932462L);
            assertThat(SipHash.hash(K0, K1, 0x0706050403020100L, 0x000e0d0c0b0a0908L, 15))
                .isEqualTo(0xa129ca6149be45e5L);
        }

        @Test
        void isn_followsThe4MicrosecondClock_andTheTuple_rfc6528() {
            final IsnGenerator isn = new IsnGenerator(1, 2);
            final int a = isn.isn(1, 2, 3, 4, 1_000_000);
            assertThat(isn.isn(1, 2, 3, 4, 1_000_000)).isEqualTo(a);
            assertThat(isn.isn(1, 2, 3, 4, 1_004_000)).isEqualTo(a + 1);
            assertThat(isn.isn(1, 2, 3, 5, 1_000_000)).isNotEqualTo(a);
            assertThat(new IsnGenerator(9, 2).isn(1, 2, 3, 4, 1_000_000)).isNotEqualTo(a);
        }

        @Test
        void ephemeralPorts_inRange_skipUsed_andRunOut_rfc6056() {
            final EphemeralPorts ports = new EphemeralPorts(40000, 40009, 5, 6);
            final Set<Integer> used = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                final int p = ports.next(1, 2, 80, used::contains);
                assertThat(p).isBetween(40000, 40009);
                assertThat(used.add(p)).isTrue();
            }
            assertThat(ports.next(1, 2, 80, used::contains)).isEqualTo(-1);
        }
    }
}
