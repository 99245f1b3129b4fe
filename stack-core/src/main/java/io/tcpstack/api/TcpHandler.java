package io.tcpstack.api;

import org.agrona.DirectBuffer;

/**
 * Events of one connection, called on the stack thread. Keep them short: the stack
 * processes nothing else while a callback runs.
 */
public interface TcpHandler {
    /** The handshake completed (ESTABLISHED). */
    default void onConnected(final Connection connection) {
    }

    /**
     * In-order bytes arrived. Return how many were consumed; bytes not consumed stay in the
     * receive buffer (shrinking the advertised window) and are offered again, at the front
     * of later data, on the next arrival or when the application calls
     * {@link Connection#resumeReading()}. The buffer is valid only during the call.
     *
     * @return bytes consumed, 0..length
     */
    int onData(Connection connection, DirectBuffer buffer, int offset, int length);

    /** Send-buffer space became available after {@link Connection#send} had returned less than asked. */
    default void onWritable(final Connection connection) {
    }

    /** The peer sent FIN: no more data will arrive; the application may still send (half-close). */
    default void onPeerClosed(final Connection connection) {
    }

    /** The connection is gone (CLOSED or TIME_WAIT reached, or aborted); called exactly once. */
    default void onClosed(final Connection connection, final CloseReason reason) {
    }
}
