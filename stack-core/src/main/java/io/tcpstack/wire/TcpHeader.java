package io.tcpstack.wire;

import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;

/**
 * TCP header view (RFC 9293 §3.1). Holds an offset, never a copy.
 *
 * <pre>
 *  bit 0              16              31
 *     +---------------+---------------+
 *   0 |   src port    |   dst port    |
 *   4 |        sequence number        |
 *   8 |     acknowledgment number     |
 *  12 |off|rsv| flags |    window     |
 *  16 |   checksum    |    urgent     |
 *  20 |   options (0..40 bytes) ...   |
 * </pre>
 */
public final class TcpHeader {
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQ = 4;
    private static final int ACK_NUMBER = 8;
    private static final int DATA_OFFSET = 12;
    private static final int FLAGS = 13;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    private static final int URGENT = 18;

    private MutableDirectBuffer buffer;
    private int at;
    private byte[] array;  // the buffer's memory, as UnsafeBuffer addresses it: array (or null) + base
    private long base;     // address of the header's first byte

    /**
     * Points this view at a TCP header starting at {@code offset}. Checks once that the
     * fixed 20 bytes lie inside the buffer; the field accessors then read and write them
     * directly, with no bounds check of their own (as {@link Ipv4Header#wrap}). Options and
     * data past the fixed header are read through the buffer.
     *
     * @throws IndexOutOfBoundsException if the buffer ends within the fixed header
     */
    public TcpHeader wrap(final MutableDirectBuffer buffer, final int offset) {
        buffer.boundsCheck(offset, MIN_LENGTH);
        this.buffer = buffer;
        this.at = offset;
        this.array = buffer.byteArray();
        this.base = buffer.addressOffset() + offset;
        return this;
    }

    public int offset() {
        return at;
    }

    public int sourcePort() {
        return UnsafeApi.getShortUnaligned(array, base + SOURCE_PORT, true) & 0xFFFF;
    }

    public int destinationPort() {
        return UnsafeApi.getShortUnaligned(array, base + DESTINATION_PORT, true) & 0xFFFF;
    }

    public int seq() {
        return UnsafeApi.getIntUnaligned(array, base + SEQ, true);
    }

    public int ack() {
        return UnsafeApi.getIntUnaligned(array, base + ACK_NUMBER, true);
    }

    /** Header length in bytes (data offset × 4). */
    public int headerLength() {
        return ((UnsafeApi.getByte(array, base + DATA_OFFSET) >>> 4) & 0xF) << 2;
    }

    /** The eight flag bits (CWR..FIN). */
    public int flags() {
        return UnsafeApi.getByte(array, base + FLAGS) & 0xFF;
    }

    public boolean has(final int flag) {
        return (flags() & flag) != 0;
    }

    public int window() {
        return UnsafeApi.getShortUnaligned(array, base + WINDOW, true) & 0xFFFF;
    }

    public int checksum() {
        return UnsafeApi.getShortUnaligned(array, base + CHECKSUM, true) & 0xFFFF;
    }

    public int urgentPointer() {
        return UnsafeApi.getShortUnaligned(array, base + URGENT, true) & 0xFFFF;
    }

    public TcpHeader sourcePort(final int port) {
        UnsafeApi.putShortUnaligned(array, base + SOURCE_PORT, (short) port, true);
        return this;
    }

    public TcpHeader destinationPort(final int port) {
        UnsafeApi.putShortUnaligned(array, base + DESTINATION_PORT, (short) port, true);
        return this;
    }

    public TcpHeader seq(final int seq) {
        UnsafeApi.putIntUnaligned(array, base + SEQ, seq, true);
        return this;
    }

    public TcpHeader ack(final int ack) {
        UnsafeApi.putIntUnaligned(array, base + ACK_NUMBER, ack, true);
        return this;
    }

    /** Sets the data offset from a header length in bytes (a multiple of 4) and clears the reserved bits. */
    public TcpHeader headerLength(final int bytes) {
        UnsafeApi.putByte(array, base + DATA_OFFSET, (byte) ((bytes >>> 2) << 4));
        return this;
    }

    public TcpHeader flags(final int flags) {
        UnsafeApi.putByte(array, base + FLAGS, (byte) flags);
        return this;
    }

    public TcpHeader window(final int window) {
        UnsafeApi.putShortUnaligned(array, base + WINDOW, (short) window, true);
        return this;
    }

    public TcpHeader checksum(final int checksum) {
        UnsafeApi.putShortUnaligned(array, base + CHECKSUM, (short) checksum, true);
        return this;
    }

    public TcpHeader urgentPointer(final int urgent) {
        UnsafeApi.putShortUnaligned(array, base + URGENT, (short) urgent, true);
        return this;
    }

    /**
     * Writes the fixed 20 bytes (RFC 9293 §3.1) as five 32-bit words, reserved bits and the
     * urgent pointer zero, the checksum field zero: fill it with {@link #fillChecksum(long, int, long)}
     * and the sum this returns. Words, not one store per field, and the sum from the values,
     * so nothing reads back 4 bytes over fields just stored as bytes and shorts (loads the
     * store buffer cannot forward).
     *
     * @return the one's complement sum of the fixed header's 16-bit words (RFC 1071), not folded
     */
    public long writeFixed(final int sourcePort, final int destinationPort, final int seq, final int ack,
        final int headerLength, final int flags, final int window) {
        final int ports = sourcePort << 16 | (destinationPort & 0xFFFF);
        final int offsetFlagsWindow = (headerLength >>> 2) << 28 | (flags & 0xFF) << 16 | (window & 0xFFFF);
        UnsafeApi.putIntUnaligned(array, base + SOURCE_PORT, ports, true);
        UnsafeApi.putIntUnaligned(array, base + SEQ, seq, true);
        UnsafeApi.putIntUnaligned(array, base + ACK_NUMBER, ack, true);
        UnsafeApi.putIntUnaligned(array, base + DATA_OFFSET, offsetFlagsWindow, true);
        UnsafeApi.putIntUnaligned(array, base + CHECKSUM, 0, true);
        return (ports >>> 16) + (ports & 0xFFFF) + (seq >>> 16) + (seq & 0xFFFF) + (ack >>> 16) + (ack & 0xFFFF)
            + (offsetFlagsWindow >>> 16) + (offsetFlagsWindow & 0xFFFF);
    }

    /**
     * Fills the checksum of a segment whose fixed header {@link #writeFixed} wrote (RFC 9293
     * §3.1): the pseudo-header and fixed-header sums as given, the options and data after
     * them read from the buffer.
     *
     * @param fixedHeaderSum what {@link #writeFixed} returned
     */
    public TcpHeader fillChecksum(final long pseudoHeaderSum, final int segmentLength, final long fixedHeaderSum) {
        final int rest = segmentLength - MIN_LENGTH;
        final long sum = pseudoHeaderSum + fixedHeaderSum;
        return checksum(Checksum.finish(rest > 0 ? Checksum.sum(buffer, at + MIN_LENGTH, rest, sum) : sum));
    }

    /**
     * Computes the checksum over pseudo-header + segment (RFC 9293 §3.1) and stores it.
     *
     * @param pseudoHeaderSum from {@link Ipv4Header#pseudoHeaderSum(int)}
     * @param segmentLength   TCP header plus data, in bytes
     */
    public TcpHeader fillChecksum(final long pseudoHeaderSum, final int segmentLength) {
        checksum(0);
        return checksum(Checksum.finish(Checksum.sum(buffer, at, segmentLength, pseudoHeaderSum)));
    }

    /** True if pseudo-header + segment sum to 0 (the checksum verifies). */
    public boolean checksumValid(final long pseudoHeaderSum, final int segmentLength) {
        return Checksum.finish(Checksum.sum(buffer, at, segmentLength, pseudoHeaderSum)) == 0;
    }
}
