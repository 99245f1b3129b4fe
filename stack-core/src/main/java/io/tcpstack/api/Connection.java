package io.tcpstack.api;

import org.agrona.DirectBuffer;

import io.tcpstack.tcp.TcpState;

/**
 * One TCP connection as the application sees it. Every method must be called on the stack
 * thread (from a {@link TcpHandler} callback, or a task run by the stack); none blocks.
 */
public interface Connection {
    /**
     * Queues bytes for sending. Takes as many as fit in the send buffer and returns that
     * count (possibly 0); when space frees up, {@link TcpHandler#onWritable} is called.
     *
     * @throws IllegalStateException if output was already shut down or the connection is closed
     */
    int send(DirectBuffer source, int offset, int length);

    /**
     * Turns Nagle's algorithm off (true) or on (false, the default; RFC 9293 §3.7.4): with it
     * on, a segment shorter than the MSS waits while an earlier short one is unacknowledged
     * (Minshall's form, as Linux). Interactive protocols (request/response in several
     * writes) want it off, as {@code TCP_NODELAY}.
     */
    default void noDelay(final boolean on) {
    }

    /** Bytes {@link #send} would accept now. */
    int sendSpace();

    /** Bytes queued but not yet acknowledged by the peer. */
    int sendQueued();

    /**
     * Half-close: a FIN follows the data already queued (RFC 9293 §3.6). Receiving goes on
     * until the peer closes too. Idempotent.
     */
    void shutdownOutput();

    /** Closes normally: the same as {@link #shutdownOutput()} from the application's side. */
    void close();

    /** Aborts with RST (RFC 9293 §3.10.5): queued data is discarded. */
    void abort();

    /** Offers bytes left unconsumed by {@link TcpHandler#onData} again, now (e.g. from {@code onWritable}). */
    void resumeReading();

    TcpState state();

    /** The peer's address, big-endian int. */
    int remoteAddress();

    int remotePort();

    int localPort();

    /** Smoothed round-trip time in nanoseconds, 0 before the first sample. */
    long srttNs();
}
