package io.tcpstack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * IPv4 header view (RFC 791 §3.1). Holds a buffer and an offset, never a copy; reads
 * and writes go straight to the buffer in network byte order.
 *
 * <pre>
 *  bit 0       8       16      24      31
 *     +-------+-------+-------+-------+
 *   0 |ver|ihl|  tos  |  total length |
 *   4 | identification|flg| frag off  |
 *   8 |  ttl  | proto |   checksum    |
 *  12 |        source address         |
 *  16 |      destination address      |
 *  20 |     options (0..40 bytes)     |
 * </pre>
 *
 * <p>The accessors trust the length checks done once at the edge ({@code Ipv4Input}).
 */
public final class Ipv4Header {
    /** Length of a header without options. */
    public static final int MIN_LENGTH = 20;
    /** Largest header: IHL 15. */
    public static final int MAX_LENGTH = 60;
    /** Largest datagram (total length is 16 bits). */
    public static final int MAX_DATAGRAM = 65535;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    /** Don't Fragment, in {@link #flagsAndFragment()}. */
    public static final int FLAG_DF = 0x4000;
    /** More Fragments, in {@link #flagsAndFragment()}. */
    public static final int FLAG_MF = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private static final int VERSION_IHL = 0;
    private static final int TOS = 1;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    private MutableDirectBuffer buffer;
    private int at;

    /** Points this view at an IPv4 header starting at {@code offset}. */
    public Ipv4Header wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.at = offset;
        return this;
    }

    public MutableDirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return at;
    }

    public int version() {
        return (buffer.getByte(at + VERSION_IHL) >>> 4) & 0xF;
    }

    /** Internet Header Length in 32-bit words. */
    public int ihl() {
        return buffer.getByte(at + VERSION_IHL) & 0xF;
    }

    /** Header length in bytes (IHL × 4). */
    public int headerLength() {
        return ihl() << 2;
    }

    public int tos() {
        return buffer.getByte(at + TOS) & 0xFF;
    }

    public int totalLength() {
        return buffer.getShort(at + TOTAL_LENGTH, BIG_ENDIAN) & 0xFFFF;
    }

    public int identification() {
        return buffer.getShort(at + IDENTIFICATION, BIG_ENDIAN) & 0xFFFF;
    }

    /** The 16-bit word holding the flags and the fragment offset. */
    public int flagsAndFragment() {
        return buffer.getShort(at + FLAGS_FRAGMENT, BIG_ENDIAN) & 0xFFFF;
    }

    public boolean moreFragments() {
        return (flagsAndFragment() & FLAG_MF) != 0;
    }

    public boolean dontFragment() {
        return (flagsAndFragment() & FLAG_DF) != 0;
    }

    /** Fragment offset in bytes (the field counts 8-byte units). */
    public int fragmentOffsetBytes() {
        return (flagsAndFragment() & FRAGMENT_OFFSET_MASK) << 3;
    }

    /** True for any fragment: MF set or a non-zero offset (RFC 791 §3.2). */
    public boolean isFragment() {
        return (flagsAndFragment() & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return buffer.getByte(at + TTL) & 0xFF;
    }

    public int protocol() {
        return buffer.getByte(at + PROTOCOL) & 0xFF;
    }

    public int checksum() {
        return buffer.getShort(at + CHECKSUM, BIG_ENDIAN) & 0xFFFF;
    }

    /** Source address as a big-endian int (10.7.0.1 = 0x0A070001). */
    public int source() {
        return buffer.getInt(at + SOURCE, BIG_ENDIAN);
    }

    public int destination() {
        return buffer.getInt(at + DESTINATION, BIG_ENDIAN);
    }

    /** True if the header checksum over {@code headerLength()} bytes verifies. */
    public boolean checksumValid() {
        return Checksum.computeHeader(buffer, at, headerLength()) == 0;
    }

    // ---- writers -------------------------------------------------------------------

    /** Writes version 4 and IHL 5 (no options). */
    public Ipv4Header versionAndMinimalIhl() {
        buffer.putByte(at + VERSION_IHL, (byte) 0x45);
        return this;
    }

    public Ipv4Header versionAndIhl(final int ihl) {
        buffer.putByte(at + VERSION_IHL, (byte) (0x40 | (ihl & 0xF)));
        return this;
    }

    public Ipv4Header tos(final int tos) {
        buffer.putByte(at + TOS, (byte) tos);
        return this;
    }

    public Ipv4Header totalLength(final int length) {
        buffer.putShort(at + TOTAL_LENGTH, (short) length, BIG_ENDIAN);
        return this;
    }

    public Ipv4Header identification(final int id) {
        buffer.putShort(at + IDENTIFICATION, (short) id, BIG_ENDIAN);
        return this;
    }

    public Ipv4Header flagsAndFragment(final int value) {
        buffer.putShort(at + FLAGS_FRAGMENT, (short) value, BIG_ENDIAN);
        return this;
    }

    public Ipv4Header ttl(final int ttl) {
        buffer.putByte(at + TTL, (byte) ttl);
        return this;
    }

    public Ipv4Header protocol(final int protocol) {
        buffer.putByte(at + PROTOCOL, (byte) protocol);
        return this;
    }

    public Ipv4Header checksum(final int checksum) {
        buffer.putShort(at + CHECKSUM, (short) checksum, BIG_ENDIAN);
        return this;
    }

    public Ipv4Header source(final int address) {
        buffer.putInt(at + SOURCE, address, BIG_ENDIAN);
        return this;
    }

    public Ipv4Header destination(final int address) {
        buffer.putInt(at + DESTINATION, address, BIG_ENDIAN);
        return this;
    }

    /**
     * Writes a whole header without options (IHL 5) as five 32-bit words, with its checksum
     * computed from the field values (RFC 1071 §2: the one's complement sum of the 16-bit
     * words; RFC 791 §3.1), not read back from the buffer: half the stores of the one-field
     * writers, and no 4-byte loads over fields just stored as bytes and shorts (loads the
     * store buffer cannot forward), as {@link #fillChecksum} after them does.
     */
    public Ipv4Header writeWithoutOptions(final int tos, final int totalLength, final int identification,
        final int flagsAndFragment, final int ttl, final int protocol, final int source, final int destination) {
        final int word0 = 0x4500_0000 | (tos & 0xFF) << 16 | (totalLength & 0xFFFF);
        final int word1 = (identification & 0xFFFF) << 16 | (flagsAndFragment & 0xFFFF);
        final int ttlProtocol = (ttl & 0xFF) << 8 | (protocol & 0xFF);
        final long sum = (word0 >>> 16) + (word0 & 0xFFFF) + (word1 >>> 16) + (word1 & 0xFFFF) + ttlProtocol
            + (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF);
        buffer.putInt(at + VERSION_IHL, word0, BIG_ENDIAN);
        buffer.putInt(at + IDENTIFICATION, word1, BIG_ENDIAN);
        buffer.putInt(at + TTL, ttlProtocol << 16 | Checksum.finish(sum), BIG_ENDIAN);
        buffer.putInt(at + SOURCE, source, BIG_ENDIAN);
        buffer.putInt(at + DESTINATION, destination, BIG_ENDIAN);
        return this;
    }

    /** Zeroes the checksum field, computes it over {@code headerLength()} bytes and stores it. */
    public Ipv4Header fillChecksum() {
        checksum(0);
        return checksum(Checksum.computeHeader(buffer, at, headerLength()));
    }

    /** Adds the TCP/UDP pseudo-header (RFC 9293 §3.1) for this datagram to a running sum. */
    public long pseudoHeaderSum(final int upperLength) {
        return pseudoHeaderSum(source(), destination(), protocol(), upperLength);
    }

    /** The TCP/UDP pseudo-header sum (RFC 9293 §3.1) from its fields. */
    public static long pseudoHeaderSum(final int source, final int destination, final int protocol,
        final int upperLength) {
        long sum = Checksum.addInt(0, source);
        sum = Checksum.addInt(sum, destination);
        sum = Checksum.addWord(sum, protocol);
        return Checksum.addWord(sum, upperLength);
    }

    /** A read-only check that works on any {@link DirectBuffer}, for code without a view. */
    public static int versionOf(final DirectBuffer buffer, final int offset) {
        return (buffer.getByte(offset) >>> 4) & 0xF;
    }
}
