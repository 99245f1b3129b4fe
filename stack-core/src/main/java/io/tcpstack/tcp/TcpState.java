package io.tcpstack.tcp;

/** The eleven states of RFC 9293 §3.3.2. */
public enum TcpState {
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT;

    /** True in the states where sequence numbers are synchronized (§3.3.2: SYN-RECEIVED and after). */
    public boolean isSynchronized() {
        return ordinal() >= SYN_RECEIVED.ordinal();
    }
}
