package io.tcpstack.experiments.synflood;

import static org.assertj.core.api.Assertions.assertThat;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.wire.Ipv4Header;
import io.tcpstack.wire.IpAddress;
import io.tcpstack.wire.TcpHeader;
import io.tcpstack.wire.TcpOptions;

/** The flood's SYN, read back with the stack's own wire views, and checked against golden bytes. */
class SynPacketTest {
    private static final int DST = IpAddress.parse("10.7.0.2");
    private static final int SRC = IpAddress.parse("10.7.0.77");

    /** A buffer pre-filled with 0xA5, so an unwritten byte shows. */
    private static UnsafeBuffer filled(final int length) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[length]);
        b.setMemory(0, length, (byte) 0xA5);
        return b;
    }

    /** RFC 1071 §4.1, a straightforward reference: the sum of 16-bit words, folded, complemented. */
    private static int rfc1071(final byte[] data, final int offset, final int length, final long initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            final int hi = data[offset + i] & 0xFF;
            final int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    @Test
    void goldenBytes() {
        final UnsafeBuffer b = filled(SynPacket.LENGTH + 8);
        final SynPacket syn = new SynPacket(b, 4, DST, 80, 1460);
        syn.set(SRC, 0xC350, 0x01020304, 0x1234);
        final byte[] bytes = new byte[SynPacket.LENGTH];
        b.getBytes(4, bytes);
        // Fields hand-written per RFC 791 / RFC 9293 §3.1; the checksums are checked below.
        final int[] expected = {
            0x45, 0x00, 0x00, 0x2C, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, -1, -1,
            10, 7, 0, 77, 10, 7, 0, 2,
            0xC3, 0x50, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0,
            0x60, 0x02, 0xFA, 0xF0, -1, -1, 0x00, 0x00,
            0x02, 0x04, 0x05, 0xB4};
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] >= 0) {
                assertThat(bytes[i] & 0xFF).as("byte %d", i).isEqualTo(expected[i]);
            }
        }
        assertThat(b.getByte(3)).as("before the packet").isEqualTo((byte) 0xA5);
        assertThat(b.getByte(4 + SynPacket.LENGTH)).as("after the packet").isEqualTo((byte) 0xA5);
        // IPv4 header checksum: a header with its checksum sums to 0 (RFC 1071).
        assertThat(rfc1071(bytes, 0, 20, 0)).isZero();
        // TCP checksum over the pseudo-header (src, dst, 0, 6, TCP length 24) and the segment.
        final long pseudo = (SRC >>> 16) + (SRC & 0xFFFF) + (DST >>> 16) + (DST & 0xFFFF) + 6 + 24;
        assertThat(rfc1071(bytes, 20, 24, pseudo)).isZero();
    }

    @Test
    void parsesWithTheStacksOwnViews() {
        final UnsafeBuffer b = filled(SynPacket.LENGTH);
        final SynPacket syn = new SynPacket(b, 0, DST, 80, 1460);
        final Ipv4Header ip = new Ipv4Header().wrap(b, 0);
        final TcpHeader tcp = new TcpHeader().wrap(b, 20);
        final TcpOptions options = new TcpOptions();
        for (int i = 0; i < 1000; i++) {
            final int src = SRC + (i % 50);
            syn.set(src, 1024 + i, i * 7919, i);
            assertThat(ip.version()).isEqualTo(4);
            assertThat(ip.headerLength()).isEqualTo(20);
            assertThat(ip.totalLength()).isEqualTo(SynPacket.LENGTH);
            assertThat(ip.identification()).isEqualTo(i);
            assertThat(ip.dontFragment()).isTrue();
            assertThat(ip.isFragment()).isFalse();
            assertThat(ip.protocol()).isEqualTo(Ipv4Header.PROTO_TCP);
            assertThat(ip.source()).isEqualTo(src);
            assertThat(ip.destination()).isEqualTo(DST);
            assertThat(ip.checksumValid()).isTrue();
            assertThat(tcp.sourcePort()).isEqualTo(1024 + i);
            assertThat(tcp.destinationPort()).isEqualTo(80);
            assertThat(tcp.seq()).isEqualTo(i * 7919);
            assertThat(tcp.ack()).isZero();
            assertThat(tcp.flags()).isEqualTo(TcpHeader.SYN);
            assertThat(tcp.headerLength()).isEqualTo(24);
            assertThat(tcp.window()).isEqualTo(SynPacket.WINDOW);
            assertThat(tcp.checksumValid(ip.pseudoHeaderSum(24), 24)).isTrue();
            assertThat(options.parse(b, 40, 4)).isTrue();
            assertThat(options.mss()).isEqualTo(1460);
        }
    }

    @Test
    void aCorruptedByteFailsTheChecksum() {
        final UnsafeBuffer b = filled(SynPacket.LENGTH);
        new SynPacket(b, 0, DST, 80, 1460).set(SRC, 40000, 5, 6);
        b.putByte(30, (byte) (b.getByte(30) ^ 1)); // a bit of the ack number
        final Ipv4Header ip = new Ipv4Header().wrap(b, 0);
        assertThat(new TcpHeader().wrap(b, 20).checksumValid(ip.pseudoHeaderSum(24), 24)).isFalse();
    }
}
