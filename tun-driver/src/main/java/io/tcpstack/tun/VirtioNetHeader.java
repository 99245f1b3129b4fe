package io.tcpstack.tun;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The {@code struct virtio_net_hdr} a TUN opened with {@code IFF_VNET_HDR} puts before every
 * packet it hands over and expects before every packet written (include/uapi/linux/virtio_net.h,
 * virtio spec §5.1.6). A view: holds an offset, never a copy.
 *
 * <pre>
 *  byte 0        1          2          4          6           8            10
 *      +--------+----------+----------+----------+-----------+------------+
 *      | flags  | gso_type | hdr_len  | gso_size | csum_start| csum_offset|
 *      +--------+----------+----------+----------+-----------+------------+
 * </pre>
 *
 * <p>We use the 10-byte legacy header ({@link #LENGTH}, set with TUNSETVNETHDRSZ): the
 * 12-byte variant only adds {@code num_buffers}, which is for mergeable receive buffers and
 * means nothing to a TUN reader. The 16-bit fields are in the TUN's virtio byte order, which
 * without TUNSETVNETLE/BE is the legacy one: the host's own ({@code tun_is_little_endian()}
 * in drivers/net/tun.c is {@code virtio_legacy_is_little_endian()}), hence
 * {@link ByteOrder#nativeOrder()} on every access, not network order.
 *
 * <p>Not thread-safe; one instance per thread.
 */
public final class VirtioNetHeader {
    /** Bytes of the header we ask for with TUNSETVNETHDRSZ. */
    public static final int LENGTH = 10;
    /** The csum_start/csum_offset pair is valid: the checksum field holds a partial sum to finish. */
    public static final int F_NEEDS_CSUM = 1;
    /** The checksum has been validated (by the sender's kernel or GRO). */
    public static final int F_DATA_VALID = 2;
    /** Not a GSO packet. */
    public static final int GSO_NONE = 0;
    /** A TCP/IPv4 packet to be (or that was) segmented at {@code gso_size} payload bytes. */
    public static final int GSO_TCPV4 = 1;
    /** UDP fragmentation offload (UFO); never asked for here. */
    public static final int GSO_UDP = 3;
    /** A TCP/IPv6 GSO packet. */
    public static final int GSO_TCPV6 = 4;
    /** Flag in gso_type: the packet has ECN CWR set and needs TSO_ECN. */
    public static final int GSO_ECN = 0x80;

    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private DirectBuffer buffer;
    private int at;

    /** Views the header at {@code at}; the caller has checked that {@link #LENGTH} bytes are there. */
    public VirtioNetHeader wrap(final DirectBuffer buffer, final int at) {
        this.buffer = buffer;
        this.at = at;
        return this;
    }

    /** {@link #F_NEEDS_CSUM}, {@link #F_DATA_VALID}. */
    public int flags() {
        return buffer.getByte(at + FLAGS) & 0xFF;
    }

    /** {@link #GSO_NONE}, {@link #GSO_TCPV4}, ... possibly with {@link #GSO_ECN}. */
    public int gsoType() {
        return buffer.getByte(at + GSO_TYPE) & 0xFF;
    }

    /** Bytes of the link, IP and transport headers (for TSO: the part copied into each segment). */
    public int hdrLen() {
        return buffer.getShort(at + HDR_LEN, ORDER) & 0xFFFF;
    }

    /** Payload bytes per segment (the MSS) of a GSO packet. */
    public int gsoSize() {
        return buffer.getShort(at + GSO_SIZE, ORDER) & 0xFFFF;
    }

    /** Where the checksum coverage starts, from the start of the packet (the IP header). */
    public int csumStart() {
        return buffer.getShort(at + CSUM_START, ORDER) & 0xFFFF;
    }

    /** Where the checksum field is, from {@link #csumStart()}. */
    public int csumOffset() {
        return buffer.getShort(at + CSUM_OFFSET, ORDER) & 0xFFFF;
    }

    /** Whether the transport checksum needs no verification: partial (local sender) or validated. */
    public boolean checksumTrusted() {
        return (flags() & (F_NEEDS_CSUM | F_DATA_VALID)) != 0;
    }

    /** Writes all-zero fields: no checksum to finish, not GSO (a plain packet). */
    public static void putPlain(final MutableDirectBuffer buffer, final int at) {
        buffer.setMemory(at, LENGTH, (byte) 0);
    }

    /**
     * Writes a header asking the kernel to finish a partial checksum and, if {@code gsoSize}
     * &gt; 0, to segment a TCP/IPv4 packet at {@code gsoSize} payload bytes (TSO).
     *
     * @param hdrLen     IP plus TCP header bytes
     * @param csumStart  where the TCP header starts (the IP header length)
     * @param csumOffset where the TCP checksum field is, from csumStart (16)
     */
    public static void putTcpV4(final MutableDirectBuffer buffer, final int at, final int gsoSize, final int hdrLen,
                                final int csumStart, final int csumOffset) {
        buffer.putByte(at + FLAGS, (byte) F_NEEDS_CSUM);
        buffer.putByte(at + GSO_TYPE, (byte) (gsoSize > 0 ? GSO_TCPV4 : GSO_NONE));
        buffer.putShort(at + HDR_LEN, (short) hdrLen, ORDER);
        buffer.putShort(at + GSO_SIZE, (short) gsoSize, ORDER);
        buffer.putShort(at + CSUM_START, (short) csumStart, ORDER);
        buffer.putShort(at + CSUM_OFFSET, (short) csumOffset, ORDER);
    }
}
