package io.tcpstack.tcp;

/**
 * A sender's congestion window (RFC 5681 §3): how many bytes may be in flight, from what
 * the ACKs and losses say. The loss detection itself (duplicate ACKs, recovery points,
 * timeouts) is the connection's; an implementation only does the arithmetic, so another
 * algorithm (CUBIC, RFC 9438) is one more class. One instance per connection, stack thread.
 */
interface CongestionControl {
    /** The congestion window, bytes. */
    int cwnd();

    /** The slow-start threshold, bytes ({@link Integer#MAX_VALUE} until the first loss). */
    int ssthresh();

    /**
     * New data was acknowledged outside loss recovery.
     *
     * @param srttNs the smoothed RTT now (0 before the first sample)
     */
    void onAck(int ackedBytes, long nowNs, long srttNs);

    /** Fast retransmit (third duplicate ACK): enter recovery with {@code flightSize} bytes out. */
    void onFastRetransmit(int flightSize);

    /** Another duplicate ACK during recovery: a segment left the network. */
    void onDuplicateAckInRecovery();

    /** A partial ACK during recovery acknowledged {@code ackedBytes}. */
    void onPartialAck(int ackedBytes);

    /** Recovery ends: a full ACK, with {@code flightSize} bytes still out after it. */
    void onRecoveryEnd(int flightSize);

    /** The retransmission timer fired with {@code flightSize} bytes out. */
    void onRetransmitTimeout(int flightSize);

    /** The connection sends after being idle for longer than an RTO (RFC 5681 §4.1). */
    void onIdleRestart();
}
