package io.tcpstack.bench;

import java.nio.ByteBuffer;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Packets for the benchmarks, built once at setup with {@link ByteBuffer} and a plain
 * reference checksum (the few lines of {@code stack-core}'s test {@code TestPackets} the
 * benchmarks need; the test jar is not a dependency).
 */
final class BenchPackets {
    static final int HOST = 0x0A070001;   // 10.7.0.1
    static final int STACK = 0x0A070002;  // 10.7.0.2
    static final int OTHER = 0x0A070009;  // 10.7.0.9: not the stack

    private BenchPackets() {
    }

    /** RFC 1071 checksum, the slow obvious way: 16-bit big-endian words, byte by byte. */
    static int referenceChecksum(final byte[] data, final int offset, final int length) {
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

    /** An IPv4 datagram with a 20-byte header and a correct header checksum. */
    static byte[] ipv4(final int src, final int dst, final int protocol, final int id, final int flagsFrag,
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
    static byte[] icmp(final int type, final int code, final int rest, final byte[] data) {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putInt(rest).put(data);
        final byte[] bytes = b.array();
        final int checksum = referenceChecksum(bytes, 0, bytes.length);
        bytes[2] = (byte) (checksum >>> 8);
        bytes[3] = (byte) checksum;
        return bytes;
    }

    /** An echo request from {@code src} to {@code dst} with {@code dataLength} bytes of data (ping -s). */
    static byte[] echoRequest(final int src, final int dst, final int dataLength) {
        return ipv4(src, dst, 1, 0x1234, 0x4000, icmp(8, 0, (0x4242 << 16) | 1, pattern(dataLength)));
    }

    static byte[] pattern(final int length) {
        final byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        return data;
    }

    /** A 64-byte-aligned direct buffer holding a copy of {@code bytes} (plus {@code slack} bytes). */
    static UnsafeBuffer direct(final byte[] bytes, final int slack) {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            align64(bytes.length + slack), 64));
        buffer.putBytes(0, bytes);
        return buffer;
    }

    private static int align64(final int n) {
        return Math.max(64, (n + 63) & ~63);
    }
}
