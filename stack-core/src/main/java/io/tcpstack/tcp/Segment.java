package io.tcpstack.tcp;

import org.agrona.MutableDirectBuffer;

import io.tcpstack.wire.TcpHeader;

/**
 * One arriving segment's fields, parsed once at the edge (RFC 9293 §3.3.1 names). Reused
 * for every segment; valid only while it is being processed.
 */
public final class Segment {
    int remoteAddress;
    int remotePort;
    int localPort;
    int seq;
    int ack;
    int flags;
    int window;
    int mss;
    /** The window scale option's shift, or -1 (RFC 7323 §2.2). */
    int windowScale;
    /** SACK-permitted on a SYN (RFC 2018 §2). */
    boolean sackPermitted;
    /** The SACK blocks of the segment's option (RFC 2018 §3): the parser's arrays. */
    io.tcpstack.wire.TcpOptions options;
    MutableDirectBuffer data;
    int dataOffset;
    int dataLength;

    boolean has(final int flag) {
        return (flags & flag) != 0;
    }

    /** SEG.LEN: data plus one for SYN and one for FIN (RFC 9293 §3.4). */
    int len() {
        return dataLength + ((flags & TcpHeader.SYN) != 0 ? 1 : 0) + ((flags & TcpHeader.FIN) != 0 ? 1 : 0);
    }
}
