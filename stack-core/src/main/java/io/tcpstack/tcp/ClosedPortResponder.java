package io.tcpstack.tcp;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.Ipv4Header;
import io.tcpstack.wire.TcpHeader;

/**
 * TCP for a host with no connections and no listeners yet: every segment finds the
 * CLOSED state and is answered per RFC 9293 §3.10.7.1, so that ports are refused at once
 * rather than silent. The TCP state machine replaces this with real demultiplexing.
 * Stack thread only; allocation-free.
 */
public final class ClosedPortResponder {
    private final Ipv4Output output;
    private final TcpHeader in = new TcpHeader();
    private final TcpHeader out = new TcpHeader();
    private final AtomicCounter inSegs;
    private final AtomicCounter inErrs;
    private final AtomicCounter badChecksum;
    private final AtomicCounter badHeaderLength;
    private final AtomicCounter rstIgnored;
    private final AtomicCounter outSegs;
    private final AtomicCounter outRsts;

    public ClosedPortResponder(final Ipv4Output output, final StackCounters counters) {
        this.output = output;
        this.inSegs = counters.newCounter("tcp.rx.segments");
        this.inErrs = counters.newCounter("tcp.rx.errors");
        this.badChecksum = counters.newCounter("tcp.rx.bad_checksum");
        this.badHeaderLength = counters.newCounter("tcp.rx.bad_header_length");
        this.rstIgnored = counters.newCounter("tcp.rx.rst_to_closed");
        this.outSegs = counters.newCounter("tcp.tx.segments");
        this.outRsts = counters.newCounter("tcp.tx.resets");
    }

    /**
     * A TCP segment arrived in a validated datagram.
     *
     * @param ip     the datagram's header view
     * @param at     where the TCP header starts in {@code buffer}
     * @param length TCP header plus data, from the IP total length
     */
    public void onSegment(final Ipv4Header ip, final MutableDirectBuffer buffer, final int at, final int length,
        final long nowNs) {
        // RFC 9293 §3.1: a segment shorter than the fixed header, or whose data offset
        // points before the options' minimum or past the segment, is malformed.
        if (length < TcpHeader.MIN_LENGTH) {
            badHeaderLength.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        in.wrap(buffer, at);
        final int headerLength = in.headerLength();
        if (headerLength < TcpHeader.MIN_LENGTH || headerLength > length) {
            badHeaderLength.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        if (!in.checksumValid(ip.pseudoHeaderSum(length), length)) {
            badChecksum.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        inSegs.incrementRelease();
        replyInClosed(ip.source(), length - headerLength, nowNs);
    }

    /**
     * RFC 9293 §3.10.7.1, state CLOSED: an incoming RST is discarded; otherwise, if ACK is
     * off, send {@code <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>}, and if ACK is on, send
     * {@code <SEQ=SEG.ACK><CTL=RST>}. SEG.LEN counts SYN and FIN.
     */
    private void replyInClosed(final int remoteAddress, final int dataLength, final long nowNs) {
        final int flags = in.flags();
        if ((flags & TcpHeader.RST) != 0) {
            rstIgnored.incrementRelease();
            return;
        }
        final MutableDirectBuffer o = output.buffer();
        out.wrap(o, Ipv4Output.PAYLOAD_OFFSET)
            .sourcePort(in.destinationPort())
            .destinationPort(in.sourcePort())
            .headerLength(TcpHeader.MIN_LENGTH)
            .window(0)
            .urgentPointer(0);
        if ((flags & TcpHeader.ACK) == 0) {
            final int segLen = dataLength + ((flags & TcpHeader.SYN) != 0 ? 1 : 0) + ((flags & TcpHeader.FIN) != 0 ? 1 : 0);
            out.seq(0).ack(in.seq() + segLen).flags(TcpHeader.RST | TcpHeader.ACK);
        } else {
            out.seq(in.ack()).ack(0).flags(TcpHeader.RST);
        }
        final long pseudoSum = Ipv4Header.pseudoHeaderSum(
            output.localAddress(), remoteAddress, Ipv4Header.PROTO_TCP, TcpHeader.MIN_LENGTH);
        out.fillChecksum(pseudoSum, TcpHeader.MIN_LENGTH);
        if (output.send(Ipv4Header.PROTO_TCP, remoteAddress, TcpHeader.MIN_LENGTH, nowNs)) {
            outSegs.incrementRelease();
            outRsts.incrementRelease();
        }
    }
}
