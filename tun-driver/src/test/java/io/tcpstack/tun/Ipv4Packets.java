package io.tcpstack.tun;

import java.nio.ByteOrder;

import io.tcpstack.wire.Checksum;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/** Hand-built IPv4 packets for the tests, big-endian field by field (RFC 791, RFC 792). */
final class Ipv4Packets {
    static final int HEADER_LENGTH = 20;
    static final int PROTOCOL_ICMP = 1;
    /** RFC 3692: for experimentation; nothing in the kernel answers it. */
    static final int PROTOCOL_EXPERIMENT = 253;

    private Ipv4Packets() {
    }

    /** A direct buffer holding {@code bytes}. */
    static UnsafeBuffer direct(final byte[] bytes) {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, bytes.length), 64), 0,
            bytes.length);
        buffer.putBytes(0, bytes);
        return buffer;
    }

    /**
     * An IPv4 packet with a correct header checksum and total length.
     */
    static byte[] ipv4(final int source, final int destination, final int protocol, final int id, final byte[] payload) {
        final UnsafeBuffer packet = new UnsafeBuffer(new byte[HEADER_LENGTH + payload.length]);
        packet.putByte(0, (byte) 0x45);                      // version 4, IHL 5
        packet.putShort(2, (short) (HEADER_LENGTH + payload.length), ByteOrder.BIG_ENDIAN);
        packet.putShort(4, (short) id, ByteOrder.BIG_ENDIAN);
        packet.putByte(8, (byte) 64);                        // TTL
        packet.putByte(9, (byte) protocol);
        packet.putInt(12, source, ByteOrder.BIG_ENDIAN);
        packet.putInt(16, destination, ByteOrder.BIG_ENDIAN);
        packet.putShort(10, (short) Checksum.compute(packet, 0, HEADER_LENGTH), ByteOrder.BIG_ENDIAN);
        packet.putBytes(HEADER_LENGTH, payload);
        return packet.byteArray();
    }

    /** An ICMP echo request (RFC 792) with a correct checksum. */
    static byte[] icmpEcho(final int type, final int identifier, final int sequence, final byte[] data) {
        final UnsafeBuffer icmp = new UnsafeBuffer(new byte[8 + data.length]);
        icmp.putByte(0, (byte) type);
        icmp.putShort(4, (short) identifier, ByteOrder.BIG_ENDIAN);
        icmp.putShort(6, (short) sequence, ByteOrder.BIG_ENDIAN);
        icmp.putBytes(8, data);
        icmp.putShort(2, (short) Checksum.compute(icmp, 0, icmp.capacity()), ByteOrder.BIG_ENDIAN);
        return icmp.byteArray();
    }

    /**
     * A packet the kernel would never produce: payload filled from {@code seed}, the header
     * checksum deliberately wrong and the total length field claiming 1000 bytes more.
     */
    static byte[] malformed(final int source, final int destination, final int sequence, final int payloadLength) {
        final byte[] payload = new byte[payloadLength];
        for (int i = 0; i < payloadLength; i++) {
            payload[i] = (byte) (sequence * 31 + i * 7);
        }
        if (payloadLength >= 4) {
            new UnsafeBuffer(payload).putInt(0, sequence, ByteOrder.BIG_ENDIAN);
        }
        final byte[] packet = ipv4(source, destination, PROTOCOL_EXPERIMENT, sequence, payload);
        final UnsafeBuffer view = new UnsafeBuffer(packet);
        view.putShort(10, (short) ~view.getShort(10, ByteOrder.BIG_ENDIAN), ByteOrder.BIG_ENDIAN); // bad checksum
        view.putShort(2, (short) ((HEADER_LENGTH + payloadLength + 1000) & 0xFFFF), ByteOrder.BIG_ENDIAN); // wrong length
        return packet;
    }
}
