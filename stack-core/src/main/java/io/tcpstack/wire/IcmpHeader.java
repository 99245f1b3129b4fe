package io.tcpstack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * ICMP message view (RFC 792). Echo and echo reply carry an identifier and a sequence
 * number in the rest-of-header word; error messages carry an unused word (or the next-hop
 * MTU) followed by the offending datagram's header and first 8 bytes.
 *
 * <pre>
 *  bit 0       8       16              31
 *     +-------+-------+---------------+
 *   0 | type  | code  |   checksum    |
 *   4 |  identifier   |   sequence    |   (echo / echo reply)
 *   8 |  data ...                     |
 * </pre>
 */
public final class IcmpHeader {
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;

    /** Destination unreachable, code 2: protocol unreachable (RFC 792). */
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    /** Destination unreachable, code 3: port unreachable (RFC 792). */
    public static final int CODE_PORT_UNREACHABLE = 3;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int IDENTIFIER = 4;
    private static final int SEQUENCE = 6;
    private static final int REST = 4;

    private MutableDirectBuffer buffer;
    private int at;

    public IcmpHeader wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.at = offset;
        return this;
    }

    public int type() {
        return buffer.getByte(at + TYPE) & 0xFF;
    }

    public int code() {
        return buffer.getByte(at + CODE) & 0xFF;
    }

    public int checksum() {
        return buffer.getShort(at + CHECKSUM, BIG_ENDIAN) & 0xFFFF;
    }

    public int identifier() {
        return buffer.getShort(at + IDENTIFIER, BIG_ENDIAN) & 0xFFFF;
    }

    public int sequence() {
        return buffer.getShort(at + SEQUENCE, BIG_ENDIAN) & 0xFFFF;
    }

    /** The 32-bit word after the checksum (unused in most error messages). */
    public int rest() {
        return buffer.getInt(at + REST, BIG_ENDIAN);
    }

    public IcmpHeader type(final int type) {
        buffer.putByte(at + TYPE, (byte) type);
        return this;
    }

    public IcmpHeader code(final int code) {
        buffer.putByte(at + CODE, (byte) code);
        return this;
    }

    public IcmpHeader checksum(final int checksum) {
        buffer.putShort(at + CHECKSUM, (short) checksum, BIG_ENDIAN);
        return this;
    }

    public IcmpHeader identifier(final int identifier) {
        buffer.putShort(at + IDENTIFIER, (short) identifier, BIG_ENDIAN);
        return this;
    }

    public IcmpHeader sequence(final int sequence) {
        buffer.putShort(at + SEQUENCE, (short) sequence, BIG_ENDIAN);
        return this;
    }

    public IcmpHeader rest(final int rest) {
        buffer.putInt(at + REST, rest, BIG_ENDIAN);
        return this;
    }

    /** Computes the checksum over the whole message of {@code length} bytes and stores it. */
    public IcmpHeader fillChecksum(final int length) {
        checksum(0);
        return checksum(Checksum.compute(buffer, at, length));
    }
}
