package io.tcpstack.ip;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.PcapWriter;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.TcpLayer;
import io.tcpstack.wire.Ipv4Header;

/**
 * The receive side of IPv4 (RFC 791, RFC 1122 §3.2.1): validates each packet the link
 * hands over, reassembles fragments, and passes whole datagrams to ICMP or TCP. Every
 * rejected packet is dropped and counted under its own reason; nothing on this path
 * throws or allocates. Stack thread only.
 *
 * <p>Order of checks (each a named counter): length ≥ 20 ({@code ip.rx.truncated}),
 * version 4 ({@code ip.rx.bad_version}; IPv6 {@code ip.rx.ipv6_dropped}), 5 ≤ IHL and header within the packet
 * ({@code ip.rx.bad_header_length}), header ≤ total length ≤ bytes read
 * ({@code ip.rx.bad_total_length}), header checksum ({@code ip.rx.bad_checksum}),
 * destination is ours ({@code ip.rx.not_for_us}), source is a unicast address
 * ({@code ip.rx.bad_source}), no IP options ({@code ip.rx.options_unsupported}).
 */
public final class Ipv4Input implements FrameHandler {
    private final int localAddress;
    private final PcapWriter pcap;
    private final Reassembler reassembler;
    private final Icmp icmp;
    private final TcpLayer tcp;
    private final Ipv4Header header = new Ipv4Header();
    private final AtomicCounter rxPackets;
    private final AtomicCounter rxBytes;
    private final AtomicCounter rxTruncated;
    private final AtomicCounter rxBadVersion;
    private final AtomicCounter rxIpv6;
    private final AtomicCounter rxBadHeaderLength;
    private final AtomicCounter rxBadTotalLength;
    private final AtomicCounter rxBadChecksum;
    private final AtomicCounter rxNotForUs;
    private final AtomicCounter rxBadSource;
    private final AtomicCounter rxOptions;
    private final AtomicCounter rxUnknownProtocol;
    private final AtomicCounter rxDelivered;
    private long nowNs;

    public Ipv4Input(final int localAddress, final Reassembler reassembler, final Icmp icmp,
        final TcpLayer tcp, final StackCounters counters, final PcapWriter pcap) {
        this.localAddress = localAddress;
        this.reassembler = reassembler;
        this.icmp = icmp;
        this.tcp = tcp;
        this.pcap = pcap;
        this.rxPackets = counters.newCounter("ip.rx.packets");
        this.rxBytes = counters.newCounter("ip.rx.bytes");
        this.rxTruncated = counters.newCounter("ip.rx.truncated");
        this.rxBadVersion = counters.newCounter("ip.rx.bad_version");
        this.rxIpv6 = counters.newCounter("ip.rx.ipv6_dropped");
        this.rxBadHeaderLength = counters.newCounter("ip.rx.bad_header_length");
        this.rxBadTotalLength = counters.newCounter("ip.rx.bad_total_length");
        this.rxBadChecksum = counters.newCounter("ip.rx.bad_checksum");
        this.rxNotForUs = counters.newCounter("ip.rx.not_for_us");
        this.rxBadSource = counters.newCounter("ip.rx.bad_source");
        this.rxOptions = counters.newCounter("ip.rx.options_unsupported");
        this.rxUnknownProtocol = counters.newCounter("ip.rx.unknown_protocol");
        this.rxDelivered = counters.newCounter("ip.rx.delivered");
    }

    /** Sets the time used for the packets of this duty cycle. */
    public void now(final long nowNs) {
        this.nowNs = nowNs;
    }

    @Override
    public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length) {
        onFrame(buffer, offset, length, 0);
    }

    /**
     * A packet from the link. The IPv4 header is always checked; with
     * {@link FrameHandler#CHECKSUM_TRUSTED} the TCP checksum is not (an offloading TUN:
     * the field may hold only the pseudo-header sum). No MTU check: an offloading link hands
     * over packets of up to 65535 bytes (GRO/GSO), and the total length check bounds them.
     */
    @Override
    public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length, final int flags) {
        rxPackets.incrementPlain();
        rxBytes.getAndAddPlain(length);
        if (pcap != null) {
            pcap.record(buffer, offset, length, nowNs);
        }
        if (length < Ipv4Header.MIN_LENGTH) {
            rxTruncated.incrementRelease();
            return;
        }
        final Ipv4Header ip = header.wrap(buffer, offset);
        // RFC 1122 §3.2.1.1: silently discard a datagram whose version is not 4. IPv6 (which
        // the kernel sends on any new interface: router solicitations, MLD) is not
        // implemented and counted apart from garbage.
        final int version = ip.version();
        if (version != 4) {
            (version == 6 ? rxIpv6 : rxBadVersion).incrementRelease();
            return;
        }
        // RFC 791 §3.1: IHL counts 32-bit words, minimum 5.
        final int headerLength = ip.headerLength();
        if (headerLength < Ipv4Header.MIN_LENGTH || headerLength > length) {
            rxBadHeaderLength.incrementRelease();
            return;
        }
        // The total length must cover the header and fit in what was read; bytes past it
        // (link padding) are ignored.
        final int totalLength = ip.totalLength();
        if (totalLength < headerLength || totalLength > length) {
            rxBadTotalLength.incrementRelease();
            return;
        }
        // RFC 1122 §3.2.1.2: a host MUST verify the header checksum and silently discard on failure.
        if (!ip.checksumValid()) {
            rxBadChecksum.incrementRelease();
            return;
        }
        // RFC 1122 §3.2.1.3: not addressed to us (we are a host, we do not forward).
        if (ip.destination() != localAddress) {
            rxNotForUs.incrementRelease();
            return;
        }
        // RFC 1122 §3.2.1.3: discard datagrams whose source is not a unicast host address
        // (0/8, 127/8, multicast 224/4, reserved and broadcast 240/4).
        if (!isUnicastSource(ip.source())) {
            rxBadSource.incrementRelease();
            return;
        }
        // IP options are not implemented: counted and dropped, never half-handled.
        if (headerLength != Ipv4Header.MIN_LENGTH) {
            rxOptions.incrementRelease();
            return;
        }
        if (ip.isFragment()) {
            if (reassembler.offer(buffer, offset, headerLength, nowNs)) {
                // Not trusted: the flag was for one fragment, not for the datagram.
                deliver(header.wrap(reassembler.datagram(), 0), reassembler.datagram(), 0, false);
            }
            return;
        }
        deliver(ip, buffer, offset, (flags & CHECKSUM_TRUSTED) != 0);
    }

    private void deliver(final Ipv4Header ip, final MutableDirectBuffer buffer, final int offset,
        final boolean checksumTrusted) {
        final int headerLength = ip.headerLength();
        final int payloadLength = ip.totalLength() - headerLength;
        final int payloadAt = offset + headerLength;
        switch (ip.protocol()) {
            case Ipv4Header.PROTO_ICMP -> {
                rxDelivered.incrementPlain();
                icmp.onMessage(ip, buffer, payloadAt, payloadLength, nowNs);
            }
            case Ipv4Header.PROTO_TCP -> {
                rxDelivered.incrementPlain();
                tcp.onSegment(ip, buffer, payloadAt, payloadLength, checksumTrusted, nowNs);
            }
            default -> {
                rxUnknownProtocol.incrementRelease();
                icmp.sendProtocolUnreachable(ip, nowNs); // RFC 1122 §3.2.2.1
            }
        }
    }

    static boolean isUnicastSource(final int address) {
        final int first = address >>> 24;
        return first != 0 && first != 127 && first < 224;
    }
}
