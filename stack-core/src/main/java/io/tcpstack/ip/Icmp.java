package io.tcpstack.ip;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.Checksum;
import io.tcpstack.wire.IcmpHeader;
import io.tcpstack.wire.Ipv4Header;

/**
 * ICMP for a host (RFC 792, RFC 1122 §3.2.2): answers echo requests and sends the
 * rate-limited error messages the rest of the stack asks for. Stack thread only.
 */
public final class Icmp {
    /** Bytes of the offending datagram's data quoted in an error (RFC 792: 64 bits). */
    private static final int QUOTED_DATA = 8;
    private static final int ECHO_REQUEST_WORD = IcmpHeader.TYPE_ECHO_REQUEST << 8;
    private static final int ECHO_REPLY_WORD = IcmpHeader.TYPE_ECHO_REPLY << 8;

    private final Ipv4Output output;
    private final TokenBucket errorLimiter;
    private final IcmpHeader in = new IcmpHeader();
    private final IcmpHeader out = new IcmpHeader();
    private final AtomicCounter rxMessages;
    private final AtomicCounter rxTruncated;
    private final AtomicCounter rxBadChecksum;
    private final AtomicCounter rxUnhandled;
    private final AtomicCounter echoRequests;
    private final AtomicCounter echoReplies;
    private final AtomicCounter txProtocolUnreachable;
    private final AtomicCounter txRateLimited;

    public Icmp(final Ipv4Output output, final int errorsPerSecond, final int errorBurst, final StackCounters counters) {
        this.output = output;
        this.errorLimiter = new TokenBucket(errorsPerSecond, errorBurst);
        this.rxMessages = counters.newCounter("icmp.rx.messages");
        this.rxTruncated = counters.newCounter("icmp.rx.truncated");
        this.rxBadChecksum = counters.newCounter("icmp.rx.bad_checksum");
        this.rxUnhandled = counters.newCounter("icmp.rx.unhandled_type");
        this.echoRequests = counters.newCounter("icmp.echo.requests");
        this.echoReplies = counters.newCounter("icmp.echo.replies");
        this.txProtocolUnreachable = counters.newCounter("icmp.tx.protocol_unreachable");
        this.txRateLimited = counters.newCounter("icmp.tx.rate_limited");
    }

    /**
     * An ICMP message arrived in a validated datagram.
     *
     * @param ip     the datagram's header view
     * @param at     where the ICMP message starts in {@code buffer}
     * @param length ICMP message length (from the IP total length)
     */
    public void onMessage(final Ipv4Header ip, final MutableDirectBuffer buffer, final int at, final int length,
        final long nowNs) {
        rxMessages.incrementRelease();
        if (length < IcmpHeader.HEADER_LENGTH) {
            rxTruncated.incrementRelease();
            return;
        }
        if (Checksum.compute(buffer, at, length) != 0) {
            rxBadChecksum.incrementRelease();
            return;
        }
        in.wrap(buffer, at);
        if (in.type() == IcmpHeader.TYPE_ECHO_REQUEST && in.code() == 0) {
            echoRequests.incrementRelease();
            replyToEcho(ip.source(), buffer, at, length, nowNs);
        } else {
            rxUnhandled.incrementRelease();
        }
    }

    /**
     * RFC 792 echo reply: the same identifier, sequence and data, type 0. The checksum is
     * updated incrementally for the one word that changed (RFC 1624 eqn. 3).
     */
    private void replyToEcho(final int destination, final MutableDirectBuffer buffer, final int at, final int length,
        final long nowNs) {
        final MutableDirectBuffer o = output.buffer();
        o.putBytes(Ipv4Output.PAYLOAD_OFFSET, buffer, at, length);
        out.wrap(o, Ipv4Output.PAYLOAD_OFFSET);
        final int checksum = out.checksum();
        out.type(IcmpHeader.TYPE_ECHO_REPLY).code(0)
            .checksum(Checksum.update16(checksum, ECHO_REQUEST_WORD, ECHO_REPLY_WORD));
        if (output.send(Ipv4Header.PROTO_ICMP, destination, length, nowNs)) {
            echoReplies.incrementRelease();
        }
    }

    /**
     * RFC 1122 §3.2.2.1: a datagram for a transport protocol we do not implement is answered
     * with Destination Unreachable, code 2, quoting its header and first 8 data bytes,
     * subject to the error rate limit.
     *
     * @param ip the offending datagram's header view (a whole, reassembled datagram)
     */
    public void sendProtocolUnreachable(final Ipv4Header ip, final long nowNs) {
        if (!errorLimiter.tryAcquire(nowNs)) {
            txRateLimited.incrementRelease();
            return;
        }
        final int quoted = ip.headerLength() + Math.min(QUOTED_DATA, ip.totalLength() - ip.headerLength());
        final MutableDirectBuffer o = output.buffer();
        out.wrap(o, Ipv4Output.PAYLOAD_OFFSET)
            .type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE)
            .code(IcmpHeader.CODE_PROTOCOL_UNREACHABLE)
            .rest(0);
        o.putBytes(Ipv4Output.PAYLOAD_OFFSET + IcmpHeader.HEADER_LENGTH, ip.buffer(), ip.offset(), quoted);
        out.fillChecksum(IcmpHeader.HEADER_LENGTH + quoted);
        if (output.send(Ipv4Header.PROTO_ICMP, ip.source(), IcmpHeader.HEADER_LENGTH + quoted, nowNs)) {
            txProtocolUnreachable.incrementRelease();
        }
    }
}
