package io.tcpstack.testing;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Builds packets for tests with {@link ByteBuffer} and a reference checksum written here,
 * independent of the views under test, so a bug in a view cannot hide itself.
 */
public final class TestPackets {
    public static final int HOST = 0x0A070001;   // 10.7.0.1
    public static final int STACK = 0x0A070002;  // 10.7.0.2

    private TestPackets() {
    }

    /** RFC 1071 checksum, the slow obvious way: 16-bit big-endian words, byte by byte. */
    public static int referenceChecksum(final byte[] data, final int offset, final int length) {
        long sum = 0;
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

    public static byte[] hex(final String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    /** An IPv4 datagram with a 20-byte header and a correct header checksum. */
    public static byte[] ipv4(final int src, final int dst, final int protocol, final int id, final int flagsFrag,
        final byte[] payload) {
        final ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) id)
            .putShort((short) flagsFrag).put((byte) 64).put((byte) protocol).putShort((short) 0)
            .putInt(src).putInt(dst).put(payload);
        final byte[] bytes = b.array();
        final int checksum = referenceChecksum(bytes, 0, 20);
        bytes[10] = (byte) (checksum >>> 8);
        bytes[11] = (byte) checksum;
        return bytes;
    }

    /** An ICMP message with a correct checksum. */
    public static byte[] icmp(final int type, final int code, final int rest, final byte[] data) {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putInt(rest).put(data);
        final byte[] bytes = b.array();
        final int checksum = referenceChecksum(bytes, 0, bytes.length);
        bytes[2] = (byte) (checksum >>> 8);
        bytes[3] = (byte) checksum;
        return bytes;
    }

    /** An echo request from the host to the stack. */
    public static byte[] echoRequest(final int id, final int seq, final byte[] data) {
        return ipv4(HOST, STACK, 1, 0x1234, 0x4000, icmp(8, 0, (id << 16) | seq, data));
    }

    /** A TCP segment (20-byte header, no options) with a correct checksum over the pseudo-header. */
    public static byte[] tcp(final int src, final int dst, final int srcPort, final int dstPort, final int seq,
        final int ack, final int flags, final byte[] data) {
        return tcp(src, dst, srcPort, dstPort, seq, ack, flags, 64240, new byte[0], data);
    }

    /** A TCP segment with a window and options (a multiple of 4 bytes), checksum correct. */
    public static byte[] tcp(final int src, final int dst, final int srcPort, final int dstPort, final int seq,
        final int ack, final int flags, final int window, final byte[] options, final byte[] data) {
        final ByteBuffer b = ByteBuffer.allocate(20 + options.length + data.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack)
            .put((byte) (((20 + options.length) / 4) << 4)).put((byte) flags).putShort((short) window)
            .putShort((short) 0).putShort((short) 0)
            .put(options).put(data);
        final byte[] segment = b.array();
        final ByteBuffer pseudo = ByteBuffer.allocate(12 + segment.length);
        pseudo.putInt(src).putInt(dst).put((byte) 0).put((byte) 6).putShort((short) segment.length).put(segment);
        final int checksum = referenceChecksum(pseudo.array(), 0, pseudo.capacity());
        segment[16] = (byte) (checksum >>> 8);
        segment[17] = (byte) checksum;
        return ipv4(src, dst, 6, 0x4321, 0x4000, segment);
    }

    /** Splits a datagram into fragments of at most {@code chunk} payload bytes (a multiple of 8). */
    public static byte[][] fragment(final byte[] datagram, final int chunk) {
        final int payload = datagram.length - 20;
        final int count = (payload + chunk - 1) / chunk;
        final byte[][] fragments = new byte[count][];
        for (int i = 0; i < count; i++) {
            final int offset = i * chunk;
            final int length = Math.min(chunk, payload - offset);
            final byte[] f = new byte[20 + length];
            System.arraycopy(datagram, 0, f, 0, 20);
            System.arraycopy(datagram, 20 + offset, f, 20, length);
            final int mf = offset + length < payload ? 0x2000 : 0;
            final int flagsFrag = (((datagram[6] & 0xFF) << 8) & 0x4000) | mf | (offset >>> 3);
            f[2] = (byte) ((20 + length) >>> 8);
            f[3] = (byte) (20 + length);
            f[6] = (byte) (flagsFrag >>> 8);
            f[7] = (byte) flagsFrag;
            f[10] = 0;
            f[11] = 0;
            final int checksum = referenceChecksum(f, 0, 20);
            f[10] = (byte) (checksum >>> 8);
            f[11] = (byte) checksum;
            fragments[i] = f;
        }
        return fragments;
    }

    /** Rewrites the IPv4 header checksum after a test edits the header. */
    public static byte[] fixIpChecksum(final byte[] packet) {
        final int ihl = (packet[0] & 0xF) * 4;
        packet[10] = 0;
        packet[11] = 0;
        final int checksum = referenceChecksum(packet, 0, Math.min(ihl, packet.length));
        packet[10] = (byte) (checksum >>> 8);
        packet[11] = (byte) checksum;
        return packet;
    }

    public static byte[] pattern(final int length) {
        final byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        return data;
    }
}
