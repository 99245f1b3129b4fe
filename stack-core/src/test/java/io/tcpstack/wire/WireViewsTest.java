package io.tcpstack.wire;

import static io.tcpstack.testing.TestPackets.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Golden-byte tests of the flyweight views: parse packets captured from Linux field by
 * field, and emit into buffers pre-filled with 0xA5 so any field left unwritten shows.
 */
class WireViewsTest {
    /**
     * An ICMP echo request laid out as Linux's ping sends one (DF, TTL 64, id and sequence,
     * 16 data bytes), 10.7.0.1 → 10.7.0.2; the checksums were computed by hand-checked
     * arithmetic, not by the code under test. Packets captured live from the kernel are
     * checked end to end by the real-TUN tests.
     */
    private static final byte[] LINUX_PING = hex(
        "4500 002c 5f9b 4000 4001 c725 0a07 0001 0a07 0002"
            + "0800 3402 0b3c 0001 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f");

    /** A SYN with Linux's usual options: 10.7.0.1:45678 → 10.7.0.2:80, MSS 1460, SACK-permitted, TS, WS 7. */
    private static final byte[] LINUX_SYN = hex(
        "4500 003c 1c46 4000 4006 0a66 0a07 0001 0a07 0002"
            + "b26e 0050 2a3b 4c5d 0000 0000 a002 faf0 1a2b 0000"
            + "0204 05b4 0402 080a 0001 e240 0000 0000 0103 0307");

    private static UnsafeBuffer garbage(final int length) {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 0xA5);
        return new UnsafeBuffer(bytes);
    }

    @Nested
    class Ipv4 {
        @Test
        void parsesLinuxHeader_fieldByField() {
            final Ipv4Header ip = new Ipv4Header().wrap(new UnsafeBuffer(LINUX_PING.clone()), 0);
            assertThat(ip.version()).isEqualTo(4);
            assertThat(ip.ihl()).isEqualTo(5);
            assertThat(ip.headerLength()).isEqualTo(20);
            assertThat(ip.tos()).isZero();
            assertThat(ip.totalLength()).isEqualTo(44);
            assertThat(ip.identification()).isEqualTo(0x5f9b);
            assertThat(ip.dontFragment()).isTrue();
            assertThat(ip.moreFragments()).isFalse();
            assertThat(ip.fragmentOffsetBytes()).isZero();
            assertThat(ip.isFragment()).isFalse();
            assertThat(ip.ttl()).isEqualTo(64);
            assertThat(ip.protocol()).isEqualTo(Ipv4Header.PROTO_ICMP);
            assertThat(ip.checksum()).isEqualTo(0xc725);
            assertThat(ip.source()).isEqualTo(0x0A070001);
            assertThat(ip.destination()).isEqualTo(0x0A070002);
        }

        @Test
        void checksumOfLinuxHeader_verifies_andAFlippedBitFails() {
            final UnsafeBuffer buffer = new UnsafeBuffer(LINUX_PING.clone());
            final Ipv4Header ip = new Ipv4Header().wrap(buffer, 0);
            assertThat(ip.checksumValid()).isTrue();
            buffer.putByte(8, (byte) 63);
            assertThat(ip.checksumValid()).isFalse();
        }

        @Test
        void emitsLinuxHeaderExactly_intoGarbage() {
            final UnsafeBuffer buffer = garbage(24);
            new Ipv4Header().wrap(buffer, 2)
                .versionAndMinimalIhl().tos(0).totalLength(44).identification(0x5f9b)
                .flagsAndFragment(Ipv4Header.FLAG_DF).ttl(64).protocol(Ipv4Header.PROTO_ICMP)
                .source(0x0A070001).destination(0x0A070002).fillChecksum();
            final byte[] out = new byte[24];
            buffer.getBytes(0, out);
            assertThat(Arrays.copyOfRange(out, 2, 22)).isEqualTo(Arrays.copyOf(LINUX_PING, 20));
            assertThat(out[0]).as("bytes before the header untouched").isEqualTo((byte) 0xA5);
            assertThat(out[23]).as("bytes after the header untouched").isEqualTo((byte) 0xA5);
        }

        @Test
        void writesLinuxHeaderInWords_withTheChecksumFromTheFields_intoGarbage() {
            final UnsafeBuffer buffer = garbage(24);
            new Ipv4Header().wrap(buffer, 2).writeWithoutOptions(0, 44, 0x5f9b, Ipv4Header.FLAG_DF, 64,
                Ipv4Header.PROTO_ICMP, 0x0A070001, 0x0A070002);
            final byte[] out = new byte[24];
            buffer.getBytes(0, out);
            assertThat(Arrays.copyOfRange(out, 2, 22)).isEqualTo(Arrays.copyOf(LINUX_PING, 20));
            assertThat(out[0]).as("bytes before the header untouched").isEqualTo((byte) 0xA5);
            assertThat(out[23]).as("bytes after the header untouched").isEqualTo((byte) 0xA5);
        }

        @Test
        void writtenHeaderChecksumVerifies_forFieldsThatCarry() {
            // Large words make the sum carry more than once: the fold must take them all.
            final UnsafeBuffer buffer = garbage(20);
            final Ipv4Header ip = new Ipv4Header().wrap(buffer, 0)
                .writeWithoutOptions(0xFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFF, 0xFF, 0xFFFFFFFF, 0xFFFEFFFF);
            assertThat(ip.checksumValid()).isTrue();
            assertThat(ip.tos()).isEqualTo(0xFF);
            assertThat(ip.totalLength()).isEqualTo(0xFFFF);
            assertThat(ip.ttl()).isEqualTo(0xFF);
            assertThat(ip.protocol()).isEqualTo(0xFF);
            assertThat(ip.destination()).isEqualTo(0xFFFEFFFF);
        }

        @Test
        void wrap_checksOnceThatTheFixedHeaderFitsInTheBuffer() {
            // The accessors do not check bounds (the wrap did): a view must never wrap a short buffer.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Ipv4Header().wrap(garbage(24), 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TcpHeader().wrap(garbage(19), 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(new Ipv4Header().wrap(garbage(24), 4).offset()).isEqualTo(4);
            assertThat(new TcpHeader().wrap(garbage(20), 0).offset()).isZero();
        }

        @Test
        void fragmentFields() {
            final UnsafeBuffer buffer = garbage(20);
            final Ipv4Header ip = new Ipv4Header().wrap(buffer, 0).flagsAndFragment(Ipv4Header.FLAG_MF | 185);
            assertThat(ip.moreFragments()).isTrue();
            assertThat(ip.fragmentOffsetBytes()).isEqualTo(1480);
            assertThat(ip.isFragment()).isTrue();
            ip.flagsAndFragment(185);
            assertThat(ip.isFragment()).as("last fragment: MF clear, offset set").isTrue();
        }
    }

    @Nested
    class Icmp {
        @Test
        void parsesLinuxEchoRequest() {
            final IcmpHeader icmp = new IcmpHeader().wrap(new UnsafeBuffer(LINUX_PING.clone()), 20);
            assertThat(icmp.type()).isEqualTo(IcmpHeader.TYPE_ECHO_REQUEST);
            assertThat(icmp.code()).isZero();
            assertThat(icmp.checksum()).isEqualTo(0x3402);
            assertThat(icmp.identifier()).isEqualTo(0x0b3c);
            assertThat(icmp.sequence()).isEqualTo(1);
            assertThat(Checksum.compute(new UnsafeBuffer(LINUX_PING), 20, 24)).isZero();
        }

        @Test
        void emitsEchoRequestExactly_intoGarbage() {
            final UnsafeBuffer buffer = garbage(24);
            buffer.putBytes(8, LINUX_PING, 28, 16);
            new IcmpHeader().wrap(buffer, 0).type(8).code(0).identifier(0x0b3c).sequence(1).fillChecksum(24);
            final byte[] out = new byte[24];
            buffer.getBytes(0, out);
            assertThat(out).isEqualTo(Arrays.copyOfRange(LINUX_PING, 20, 44));
        }
    }

    @Nested
    class Tcp {
        @Test
        void parsesLinuxSyn() {
            final UnsafeBuffer buffer = new UnsafeBuffer(LINUX_SYN.clone());
            final TcpHeader tcp = new TcpHeader().wrap(buffer, 20);
            assertThat(tcp.sourcePort()).isEqualTo(45678);
            assertThat(tcp.destinationPort()).isEqualTo(80);
            assertThat(tcp.seq()).isEqualTo(0x2a3b4c5d);
            assertThat(tcp.ack()).isZero();
            assertThat(tcp.headerLength()).isEqualTo(40);
            assertThat(tcp.flags()).isEqualTo(TcpHeader.SYN);
            assertThat(tcp.has(TcpHeader.SYN)).isTrue();
            assertThat(tcp.has(TcpHeader.ACK)).isFalse();
            assertThat(tcp.window()).isEqualTo(64240);
            assertThat(tcp.urgentPointer()).isZero();
        }

        @Test
        void checksumWithPseudoHeader_roundTrips() {
            final UnsafeBuffer buffer = new UnsafeBuffer(LINUX_SYN.clone());
            final Ipv4Header ip = new Ipv4Header().wrap(buffer, 0);
            final TcpHeader tcp = new TcpHeader().wrap(buffer, 20);
            tcp.fillChecksum(ip.pseudoHeaderSum(40), 40);
            assertThat(tcp.checksumValid(ip.pseudoHeaderSum(40), 40)).isTrue();
            final int good = tcp.checksum();
            tcp.seq(tcp.seq() + 1);
            assertThat(tcp.checksumValid(ip.pseudoHeaderSum(40), 40)).isFalse();
            assertThat(good).isNotZero();
        }

        @Test
        void writesFixedHeaderInWords_intoGarbage_andItsSumFillsTheChecksum() {
            final UnsafeBuffer buffer = garbage(26);
            final TcpHeader tcp = new TcpHeader().wrap(buffer, 2);
            final long fixed = tcp.writeFixed(80, 45678, 0x01020304, 0x05060708, 24, TcpHeader.RST | TcpHeader.ACK, 0xFFFF);
            buffer.putInt(22, 0x020405B4, java.nio.ByteOrder.BIG_ENDIAN); // MSS option
            final byte[] out = new byte[26];
            buffer.getBytes(0, out);
            assertThat(Arrays.copyOfRange(out, 2, 22)).isEqualTo(hex("0050 b26e 0102 0304 0506 0708 6014 ffff 0000 0000"));
            assertThat(out[0]).as("bytes before the header untouched").isEqualTo((byte) 0xA5);
            final long pseudo = Ipv4Header.pseudoHeaderSum(0x0A070002, 0x0A070001, Ipv4Header.PROTO_TCP, 24);
            tcp.fillChecksum(pseudo, 24, fixed);
            final int fromFields = tcp.checksum();
            tcp.fillChecksum(pseudo, 24);
            assertThat(fromFields).as("same as summing the buffer").isEqualTo(tcp.checksum());
            assertThat(tcp.checksumValid(pseudo, 24)).isTrue();
        }

        @Test
        void emitsEveryField_intoGarbage() {
            final UnsafeBuffer buffer = garbage(20);
            new TcpHeader().wrap(buffer, 0).sourcePort(80).destinationPort(45678).seq(0x01020304).ack(0x05060708)
                .headerLength(20).flags(TcpHeader.RST | TcpHeader.ACK).window(0).checksum(0xABCD).urgentPointer(0);
            final byte[] out = new byte[20];
            buffer.getBytes(0, out);
            assertThat(out).isEqualTo(hex("0050 b26e 0102 0304 0506 0708 5014 0000 abcd 0000"));
        }
    }

    @Nested
    class Addresses {
        @Test
        void parseAndFormat() {
            assertThat(IpAddress.parse("10.7.0.1")).isEqualTo(0x0A070001);
            assertThat(IpAddress.parse("255.255.255.255")).isEqualTo(-1);
            assertThat(IpAddress.format(0xC0A80001)).isEqualTo("192.168.0.1");
            assertThat(IpAddress.netmask(24)).isEqualTo(0xFFFFFF00);
            assertThat(IpAddress.netmask(0)).isZero();
            assertThat(IpAddress.sameSubnet(0x0A070001, 0x0A0700FE, 24)).isTrue();
            assertThat(IpAddress.sameSubnet(0x0A070001, 0x0A070101, 24)).isFalse();
        }

        @Test
        void rejectsMalformedText() {
            for (final String bad : new String[] {"10.7.0", "10.7.0.256", "a.b.c.d", "10..0.1", "10.7.0.1.2", "", "1e1.0.0.1"}) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> IpAddress.parse(bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IPv4");
            }
        }
    }
}
