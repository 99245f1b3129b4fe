package io.tcpstack.ip;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.link.PacketLink;
import io.tcpstack.link.PcapWriter;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.Ipv4Header;

/**
 * Builds and sends IPv4 datagrams from the stack's own outbound buffer: the caller writes
 * the upper-layer message at {@link #PAYLOAD_OFFSET} of {@link #buffer()}, then calls
 * {@link #send}, which writes the header in front and hands the packet to the link with
 * one {@code send} (one {@code write()} on a TUN). Datagrams larger than the MTU are
 * fragmented (RFC 791 §3.2, "fragmentation procedure"). Stack thread only; allocation-free.
 */
public final class Ipv4Output {
    /** Where the upper-layer message starts in {@link #buffer()} (a 20-byte header, no options). */
    public static final int PAYLOAD_OFFSET = Ipv4Header.MIN_LENGTH;
    /** Largest upper-layer message: 65535 minus the header. */
    public static final int MAX_PAYLOAD = Ipv4Header.MAX_DATAGRAM - Ipv4Header.MIN_LENGTH;
    /** TTL of datagrams we originate (RFC 1700 / Linux default 64). */
    public static final int DEFAULT_TTL = 64;

    private final int localAddress;
    private final PacketLink link;
    private final int mtu;
    private final PcapWriter pcap;
    private final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Ipv4Header.MAX_DATAGRAM, 64));
    private final UnsafeBuffer fragment;
    private final Ipv4Header header = new Ipv4Header().wrap(buffer, 0); // the buffer never moves
    private final Ipv4Header fragmentHeader = new Ipv4Header();
    private final AtomicCounter txPackets;
    private final AtomicCounter txBytes;
    private final AtomicCounter txFragments;
    private final AtomicCounter txLinkDrops;
    private final AtomicCounter txTooBig;
    private final AtomicCounter txSegmented;
    private final int maxSegmentedPayload;
    private int nextIdentification;

    /**
     * @param pcap where to record every packet sent, or {@code null}
     */
    public Ipv4Output(final int localAddress, final PacketLink link, final int mtu, final StackCounters counters,
        final PcapWriter pcap) {
        this.localAddress = localAddress;
        this.link = link;
        this.mtu = mtu;
        this.pcap = pcap;
        this.fragment = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(mtu, 64), 64));
        this.txPackets = counters.newCounter("ip.tx.packets");
        this.txBytes = counters.newCounter("ip.tx.bytes");
        this.txFragments = counters.newCounter("ip.tx.fragments");
        this.txLinkDrops = counters.newCounter("ip.tx.link_drops");
        this.txTooBig = counters.newCounter("ip.tx.too_big");
        this.txSegmented = counters.newCounter("ip.tx.segmented");
        // Read once: fixed for the link's life, and asked for every segment sent.
        final int max = link.segmentationMax();
        this.maxSegmentedPayload = max <= PAYLOAD_OFFSET ? 0 : Math.min(max, Ipv4Header.MAX_DATAGRAM) - PAYLOAD_OFFSET;
        this.nextIdentification = (int) (System.nanoTime() & 0xFFFF);
    }

    /** The stack's own address, the source of every datagram sent. */
    public int localAddress() {
        return localAddress;
    }

    /** The outbound buffer: write the upper-layer message at {@link #PAYLOAD_OFFSET}. */
    public MutableDirectBuffer buffer() {
        return buffer;
    }

    /**
     * Writes a header for {@code payloadLength} bytes at {@link #PAYLOAD_OFFSET} and sends the
     * datagram, fragmented if it exceeds the MTU.
     *
     * @return false if the datagram was too large or the link dropped (part of) it; counted
     */
    public boolean send(final int protocol, final int destination, final int payloadLength, final long nowNs) {
        if (payloadLength > MAX_PAYLOAD) {
            txTooBig.incrementRelease();
            return false;
        }
        final int totalLength = PAYLOAD_OFFSET + payloadLength;
        header.writeWithoutOptions(0, totalLength, nextIdentification++, 0, DEFAULT_TTL, protocol,
            localAddress, destination);
        if (totalLength <= mtu) {
            return transmit(buffer, totalLength, nowNs);
        }
        return sendFragments(payloadLength, nowNs);
    }

    /**
     * The largest TCP payload (header plus data) {@link #sendSegmented} takes: what the link
     * can segment, less the IP header; 0 if it cannot (then segments stay within the MTU).
     */
    public int maxSegmentedPayload() {
        return maxSegmentedPayload;
    }

    /**
     * Sends a TCP segment larger than the MTU as one packet for the link to segment (TSO):
     * the TCP header and data are at {@link #PAYLOAD_OFFSET}, its checksum field holds the
     * folded pseudo-header sum. Counted as one packet. Only if {@link #maxSegmentedPayload()}
     * covers {@code payloadLength}. A segment within the MTU ({@code mss} 0) goes this way
     * too when the link finishes checksums: the stack then computes none.
     *
     * @param tcpHeaderLength bytes of the TCP header, options included
     * @param mss             data bytes per segment on the wire, or 0 for one segment
     */
    public boolean sendSegmented(final int destination, final int payloadLength, final int tcpHeaderLength,
        final int mss, final long nowNs) {
        final int totalLength = PAYLOAD_OFFSET + payloadLength;
        header.writeWithoutOptions(0, totalLength, nextIdentification, 0, DEFAULT_TTL,
            Ipv4Header.PROTO_TCP, localAddress, destination);
        // The kernel numbers the segments' IDs up from this one (TSO4 with a fixed-ID off).
        nextIdentification += mss == 0 ? 1 : Math.max(1, (payloadLength - tcpHeaderLength + mss - 1) / mss);
        if (pcap != null) {
            pcap.record(buffer, 0, totalLength, nowNs);
        }
        if (!link.sendSegmented(buffer, 0, totalLength, PAYLOAD_OFFSET + tcpHeaderLength, mss)) {
            txLinkDrops.incrementRelease();
            return false;
        }
        if (mss > 0 && payloadLength - tcpHeaderLength > mss) {
            txSegmented.incrementRelease();
        }
        txPackets.incrementPlain();
        txBytes.getAndAddPlain(totalLength);
        return true;
    }

    /** RFC 791 §3.2: every fragment but the last carries a multiple of 8 data bytes. */
    private boolean sendFragments(final int payloadLength, final long nowNs) {
        final int chunk = ((mtu - PAYLOAD_OFFSET) / 8) * 8;
        boolean allSent = true;
        for (int offset = 0; offset < payloadLength; offset += chunk) {
            final int length = Math.min(chunk, payloadLength - offset);
            final boolean last = offset + length == payloadLength;
            fragment.putBytes(0, buffer, 0, PAYLOAD_OFFSET);
            fragment.putBytes(PAYLOAD_OFFSET, buffer, PAYLOAD_OFFSET + offset, length);
            fragmentHeader.wrap(fragment, 0)
                .totalLength(PAYLOAD_OFFSET + length)
                .flagsAndFragment((last ? 0 : Ipv4Header.FLAG_MF) | (offset >>> 3))
                .fillChecksum();
            txFragments.incrementRelease();
            allSent &= transmit(fragment, PAYLOAD_OFFSET + length, nowNs);
        }
        return allSent;
    }

    private boolean transmit(final UnsafeBuffer packet, final int length, final long nowNs) {
        if (pcap != null) {
            pcap.record(packet, 0, length, nowNs);
        }
        if (!link.send(packet, 0, length)) {
            txLinkDrops.incrementRelease();
            return false;
        }
        txPackets.incrementPlain();
        txBytes.getAndAddPlain(length);
        return true;
    }
}
