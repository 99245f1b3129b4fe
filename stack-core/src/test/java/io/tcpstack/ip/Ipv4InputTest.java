package io.tcpstack.ip;

import static io.tcpstack.testing.TestPackets.HOST;
import static io.tcpstack.testing.TestPackets.STACK;
import static io.tcpstack.testing.TestPackets.echoRequest;
import static io.tcpstack.testing.TestPackets.fixIpChecksum;
import static io.tcpstack.testing.TestPackets.icmp;
import static io.tcpstack.testing.TestPackets.ipv4;
import static io.tcpstack.testing.TestPackets.pattern;
import static io.tcpstack.testing.TestPackets.referenceChecksum;
import static io.tcpstack.testing.TestPackets.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TestPackets;

/** The IPv4 receive path, segment in → packets out, in simulated time. */
class Ipv4InputTest {
    private final StackHarness stack = new StackHarness();

    private static ByteBuffer view(final byte[] packet) {
        return ByteBuffer.wrap(packet);
    }

    private static void assertValidIpv4From(final byte[] packet, final int src, final int dst, final int protocol) {
        final ByteBuffer b = view(packet);
        assertThat(b.get(0)).as("version/IHL").isEqualTo((byte) 0x45);
        assertThat(b.getShort(2) & 0xFFFF).as("total length").isEqualTo(packet.length);
        assertThat(b.get(9) & 0xFF).as("protocol").isEqualTo(protocol);
        assertThat(b.getInt(12)).as("source").isEqualTo(src);
        assertThat(b.getInt(16)).as("destination").isEqualTo(dst);
        assertThat(referenceChecksum(packet, 0, 20)).as("header checksum verifies").isZero();
    }

    @Nested
    class Echo {
        @Test
        void echoRequest_isAnsweredWithSameIdSequenceAndData_rfc792() {
            final byte[] data = pattern(56);
            final List<byte[]> out = stack.exchange(echoRequest(0xBEEF, 7, data));

            assertThat(out).hasSize(1);
            final byte[] reply = out.get(0);
            assertValidIpv4From(reply, STACK, HOST, 1);
            final ByteBuffer b = view(reply);
            assertThat(b.get(20)).as("type echo reply").isEqualTo((byte) 0);
            assertThat(b.get(21)).as("code").isEqualTo((byte) 0);
            assertThat(b.getShort(24) & 0xFFFF).as("identifier").isEqualTo(0xBEEF);
            assertThat(b.getShort(26) & 0xFFFF).as("sequence").isEqualTo(7);
            assertThat(Arrays.copyOfRange(reply, 28, reply.length)).isEqualTo(data);
            assertThat(referenceChecksum(reply, 20, reply.length - 20)).as("ICMP checksum verifies").isZero();
            assertThat(stack.counter("icmp.echo.requests")).isEqualTo(1);
            assertThat(stack.counter("icmp.echo.replies")).isEqualTo(1);
        }

        @Test
        void oddLengthEcho_checksumStillVerifies() {
            for (int size = 0; size < 40; size++) {
                final List<byte[]> out = stack.exchange(echoRequest(1, size, pattern(size)));
                assertThat(out).hasSize(1);
                assertThat(referenceChecksum(out.get(0), 20, out.get(0).length - 20)).as("size %d", size).isZero();
            }
        }

        @Test
        void echoLargerThanMtu_arrivesInFragments_andTheReplyIsFragmentedToo_rfc791_3_2() {
            final byte[] data = pattern(4000);
            final byte[] request = echoRequest(9, 1, data);
            request[6] = 0; // clear DF so the "sender" may fragment
            fixIpChecksum(request);
            for (final byte[] fragment : TestPackets.fragment(request, 1480)) {
                stack.inject(fragment);
            }
            final List<byte[]> out = stack.run().collect();

            assertThat(out).hasSize(3);
            assertThat(out).allSatisfy(p -> assertThat(p.length).isLessThanOrEqualTo(1500));
            final ByteBuffer whole = ByteBuffer.allocate(8 + 4000);
            for (final byte[] p : out) {
                assertThat(referenceChecksum(p, 0, 20)).isZero();
                final int flagsFrag = view(p).getShort(6) & 0xFFFF;
                whole.position((flagsFrag & 0x1FFF) * 8);
                whole.put(p, 20, p.length - 20);
            }
            final byte[] icmpReply = whole.array();
            assertThat(icmpReply[0]).isEqualTo((byte) 0);
            assertThat(referenceChecksum(icmpReply, 0, icmpReply.length)).isZero();
            assertThat(Arrays.copyOfRange(icmpReply, 8, icmpReply.length)).isEqualTo(data);
            assertThat(view(out.get(2)).getShort(6) & 0x2000).as("last fragment has MF clear").isZero();
            assertThat(stack.counter("ip.tx.fragments")).isEqualTo(3);
        }

        @Test
        void echoReplyAndOtherTypes_areCountedNotAnswered() {
            assertThat(stack.exchange(ipv4(HOST, STACK, 1, 1, 0, icmp(0, 0, 0, pattern(8))))).isEmpty();
            assertThat(stack.exchange(ipv4(HOST, STACK, 1, 1, 0, icmp(13, 0, 0, pattern(12))))).isEmpty();
            assertThat(stack.counter("icmp.rx.unhandled_type")).isEqualTo(2);
        }
    }

    @Nested
    class ClosedPorts {
        private static final int CLIENT_PORT = 40000;

        @Test
        void synToAnyPort_getsRstAck_seqZero_ackSynPlusOne_rfc9293_3_10_7_1() {
            final List<byte[]> out = stack.exchange(tcp(HOST, STACK, CLIENT_PORT, 80, 1000, 0, 0x02, new byte[0]));

            assertThat(out).hasSize(1);
            final byte[] rst = out.get(0);
            assertValidIpv4From(rst, STACK, HOST, 6);
            final ByteBuffer b = view(rst);
            assertThat(b.getShort(20) & 0xFFFF).as("source port").isEqualTo(80);
            assertThat(b.getShort(22) & 0xFFFF).as("destination port").isEqualTo(CLIENT_PORT);
            assertThat(b.getInt(24)).as("SEQ=0").isZero();
            assertThat(b.getInt(28)).as("ACK=SEG.SEQ+SEG.LEN").isEqualTo(1001);
            assertThat(b.get(33)).as("RST,ACK").isEqualTo((byte) 0x14);
            assertThat(tcpChecksum(rst)).isZero();
            assertThat(stack.counter("tcp.OutRsts")).isEqualTo(1);
        }

        @Test
        void segmentWithAck_getsRstWithSeqEqualToSegAck_rfc9293_3_10_7_1() {
            final List<byte[]> out = stack.exchange(tcp(HOST, STACK, CLIENT_PORT, 9, 5, 0xFFFFFFF0, 0x10, pattern(10)));

            assertThat(out).hasSize(1);
            final ByteBuffer b = view(out.get(0));
            assertThat(b.getInt(24)).as("SEQ=SEG.ACK").isEqualTo(0xFFFFFFF0);
            assertThat(b.get(33)).as("RST only").isEqualTo((byte) 0x04);
        }

        @Test
        void finWithDataAndNoAck_acksDataPlusFin_acrossTheWrap() {
            final List<byte[]> out = stack.exchange(tcp(HOST, STACK, CLIENT_PORT, 7, 0xFFFFFFFE, 0, 0x01, pattern(3)));

            assertThat(view(out.get(0)).getInt(28)).as("ACK = seq + 3 data + FIN, mod 2^32").isEqualTo(2);
        }

        @Test
        void rstToClosedPort_isDiscarded_rfc9293_3_10_7_1() {
            assertThat(stack.exchange(tcp(HOST, STACK, CLIENT_PORT, 80, 1, 0, 0x04, new byte[0]))).isEmpty();
            assertThat(stack.counter("tcp.rx.rst_to_closed")).isEqualTo(1);
        }

        private int tcpChecksum(final byte[] packet) {
            final int length = packet.length - 20;
            final ByteBuffer pseudo = ByteBuffer.allocate(12 + length);
            pseudo.put(packet, 12, 8).put((byte) 0).put((byte) 6).putShort((short) length).put(packet, 20, length);
            return referenceChecksum(pseudo.array(), 0, pseudo.capacity());
        }
    }

    @Nested
    class UnknownProtocol {
        @Test
        void udp_isAnsweredWithProtocolUnreachable_quotingHeaderAnd8Bytes_rfc1122_3_2_2_1() {
            final byte[] udp = ipv4(HOST, STACK, 17, 77, 0, pattern(30));
            final List<byte[]> out = stack.exchange(udp);

            assertThat(out).hasSize(1);
            final byte[] error = out.get(0);
            assertValidIpv4From(error, STACK, HOST, 1);
            assertThat(error[20]).as("type 3").isEqualTo((byte) 3);
            assertThat(error[21]).as("code 2, protocol unreachable").isEqualTo((byte) 2);
            assertThat(Arrays.copyOfRange(error, 28, error.length)).isEqualTo(Arrays.copyOf(udp, 28));
            assertThat(referenceChecksum(error, 20, error.length - 20)).isZero();
        }

        @Test
        void protocolUnreachable_isRateLimited_burstThenRate() {
            final StackHarness limited = new StackHarness(
                StackConfig.builder().localAddress(STACK).icmpErrorRate(10, 3).build(), null);
            int answered = 0;
            for (int i = 0; i < 10; i++) {
                answered += limited.exchange(ipv4(HOST, STACK, 17, i, 0, pattern(8))).size();
            }
            assertThat(answered).as("the burst").isEqualTo(3);
            assertThat(limited.counter("icmp.tx.rate_limited")).isEqualTo(7);

            limited.advanceNs(TimeUnit.MILLISECONDS.toNanos(99));
            assertThat(limited.exchange(ipv4(HOST, STACK, 17, 99, 0, pattern(8)))).as("token not yet earned").isEmpty();
            limited.advanceNs(TimeUnit.MILLISECONDS.toNanos(1));
            assertThat(limited.exchange(ipv4(HOST, STACK, 17, 100, 0, pattern(8)))).as("one per 100 ms").hasSize(1);
        }
    }

    /** Each malformed packet is dropped, counted under its own name, and nothing is sent. */
    static Stream<Arguments> malformed() {
        final byte[] ping = echoRequest(1, 1, pattern(32));
        return Stream.of(
            Arguments.of("truncated below 20 bytes", "ip.rx.truncated", (UnaryOperator<byte[]>) p -> Arrays.copyOf(p, 19)),
            Arguments.of("version 5", "ip.rx.bad_version", (UnaryOperator<byte[]>) p -> {
                p[0] = 0x55;
                return fixIpChecksum(p);
            }),
            Arguments.of("IHL 4", "ip.rx.bad_header_length", (UnaryOperator<byte[]>) p -> {
                p[0] = 0x44;
                return p;
            }),
            Arguments.of("IHL past the packet", "ip.rx.bad_header_length",
                (UnaryOperator<byte[]>) p -> Arrays.copyOf(fixIpChecksum(setByte(p, 0, 0x4F)), 40)),
            Arguments.of("total length below header", "ip.rx.bad_total_length", (UnaryOperator<byte[]>) p -> {
                p[2] = 0;
                p[3] = 19;
                return fixIpChecksum(p);
            }),
            Arguments.of("total length past what was read", "ip.rx.bad_total_length",
                (UnaryOperator<byte[]>) p -> Arrays.copyOf(p, p.length - 1)),
            Arguments.of("header checksum", "ip.rx.bad_checksum", (UnaryOperator<byte[]>) p -> setByte(p, 11, p[11] ^ 0x01)),
            Arguments.of("not our address", "ip.rx.not_for_us",
                (UnaryOperator<byte[]>) p -> fixIpChecksum(setByte(p, 19, 3))),
            Arguments.of("loopback source", "ip.rx.bad_source",
                (UnaryOperator<byte[]>) p -> fixIpChecksum(setByte(p, 12, 127))),
            Arguments.of("broadcast source", "ip.rx.bad_source", (UnaryOperator<byte[]>) p -> {
                Arrays.fill(p, 12, 16, (byte) 0xFF);
                return fixIpChecksum(p);
            }),
            Arguments.of("IP options", "ip.rx.options_unsupported", (UnaryOperator<byte[]>) p -> withNopOptions(p)),
            Arguments.of("ICMP shorter than 8", "icmp.rx.truncated",
                (UnaryOperator<byte[]>) p -> ipv4(HOST, STACK, 1, 1, 0, new byte[] {8, 0, 0, 0})),
            Arguments.of("ICMP checksum", "icmp.rx.bad_checksum", (UnaryOperator<byte[]>) p -> setByte(p, 30, p[30] ^ 0x40)),
            Arguments.of("TCP shorter than 20", "tcp.rx.bad_header_length",
                (UnaryOperator<byte[]>) p -> ipv4(HOST, STACK, 6, 1, 0, new byte[12])),
            Arguments.of("TCP data offset 4", "tcp.rx.bad_header_length", (UnaryOperator<byte[]>) p -> {
                final byte[] t = tcp(HOST, STACK, 1000, 80, 1, 0, 0x02, new byte[0]);
                return setByte(t, 32, 0x40);
            }),
            Arguments.of("TCP data offset past the segment", "tcp.rx.bad_header_length", (UnaryOperator<byte[]>) p -> {
                final byte[] t = tcp(HOST, STACK, 1000, 80, 1, 0, 0x02, new byte[0]);
                return setByte(t, 32, 0xF0);
            }),
            Arguments.of("TCP checksum", "tcp.rx.bad_checksum", (UnaryOperator<byte[]>) p -> {
                final byte[] t = tcp(HOST, STACK, 1000, 80, 1, 0, 0x02, new byte[0]);
                return setByte(t, 36, t[36] ^ 0x10);
            }),
            Arguments.of("fragment not a multiple of 8", "ip.reasm.bad_fragment", (UnaryOperator<byte[]>) p -> {
                final byte[] f = ipv4(HOST, STACK, 1, 5, 0x2000, new byte[13]);
                return f;
            })
        ).map(a -> Arguments.of(a.get()[0], a.get()[1], ((UnaryOperator<byte[]>) a.get()[2]).apply(ping.clone())));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("malformed")
    void malformedPacket_isDroppedAndCounted_andTheStackKeepsServing(final String what, final String counter,
        final byte[] packet) {
        assertThat(stack.exchange(packet)).as("nothing answers a malformed packet").isEmpty();
        assertThat(stack.counter(counter)).as(counter).isEqualTo(1);

        assertThat(stack.exchange(echoRequest(2, 2, pattern(8)))).as("still answers pings").hasSize(1);
    }

    @Test
    void everyMalformedKind_isCountedUnderItsOwnName() {
        assertThat(malformed().map(a -> (String) a.get()[1]).distinct().count()).isGreaterThanOrEqualTo(12);
    }

    @Test
    void fragmentThatNeverCompletes_expiresAfterTheTimeout_rfc1122_3_3_2() {
        final byte[] request = echoRequest(9, 1, pattern(3000));
        final byte[][] fragments = TestPackets.fragment(request, 1480);
        assertThat(stack.exchange(fragments[0])).isEmpty();
        assertThat(stack.stack.reassembliesInProgress()).isEqualTo(1);

        stack.advanceNs(TimeUnit.SECONDS.toNanos(30) - 1);
        stack.run();
        assertThat(stack.counter("ip.reasm.timeouts")).as("not at deadline - 1").isZero();
        stack.advanceNs(1);
        stack.run();
        assertThat(stack.counter("ip.reasm.timeouts")).isEqualTo(1);
        assertThat(stack.stack.reassembliesInProgress()).isZero();
        assertThat(stack.stack.nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);
    }

    private static byte[] setByte(final byte[] p, final int index, final int value) {
        p[index] = (byte) value;
        return p;
    }

    private static byte[] withNopOptions(final byte[] p) {
        final byte[] q = new byte[p.length + 4];
        System.arraycopy(p, 0, q, 0, 20);
        q[20] = 1; // NOP
        q[21] = 1;
        q[22] = 1;
        q[23] = 0; // EOL
        System.arraycopy(p, 20, q, 24, p.length - 20);
        q[0] = 0x46;
        q[2] = (byte) (q.length >>> 8);
        q[3] = (byte) q.length;
        return fixIpChecksum(q);
    }
}
