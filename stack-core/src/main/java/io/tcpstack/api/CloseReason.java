package io.tcpstack.api;

/** Why a connection ended, as passed to {@link TcpHandler#onClosed}. */
public enum CloseReason {
    /** Both sides closed; the FIN exchange completed. */
    NORMAL,
    /** The peer reset the connection (RFC 9293 §3.10.7.4, "reset" for a synchronized state). */
    RESET_BY_PEER,
    /** An active open was answered with RST: nothing listens on the port. */
    REFUSED,
    /** Retransmissions ran out (RFC 9293 §3.8.3, R2) or the handshake timed out. */
    TIMEOUT,
    /** The application called {@link Connection#abort()}. */
    ABORTED,
    /** The stack was stopped with the connection open. */
    STACK_CLOSED
}
