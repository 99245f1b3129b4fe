package io.tcpstack.tcp;

/**
 * RFC 5681 slow start and congestion avoidance with the NewReno window changes of
 * RFC 6582 §3.2, and the initial window of RFC 6928. Congestion avoidance counts bytes
 * (RFC 5681 §3.1, the "bytes acked" variant): cwnd grows by one SMSS each time a whole
 * cwnd's worth has been acknowledged.
 */
final class NewReno implements CongestionControl {
    private final int smss;
    private final int initialWindow;
    private int cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    private int bytesAcked;

    /** @param smss the sender's maximum segment size (RFC 5681 §2, SMSS) */
    NewReno(final int smss) {
        this.smss = smss;
        this.initialWindow = initialWindow(smss);
        this.cwnd = initialWindow;
    }

    /** RFC 6928 §2: IW = min(10 * MSS, max(2 * MSS, 14600)). */
    static int initialWindow(final int smss) {
        return Math.min(10 * smss, Math.max(2 * smss, 14600));
    }

    @Override
    public int cwnd() {
        return cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }

    @Override
    public void onAck(final int ackedBytes, final long nowNs, final long srttNs) {
        if (cwnd < ssthresh) {
            // §3.1 slow start: cwnd += min(N, SMSS) per ACK (RFC 3465 with L = 1).
            cwnd = grow(cwnd, Math.min(ackedBytes, smss));
            return;
        }
        // §3.1 congestion avoidance, byte counting: one SMSS per cwnd of data acknowledged.
        bytesAcked += ackedBytes;
        if (bytesAcked >= cwnd) {
            bytesAcked -= cwnd;
            cwnd = grow(cwnd, smss);
        }
    }

    @Override
    public void onFastRetransmit(final int flightSize) {
        // RFC 6582 §3.2 step 2 (RFC 5681 §3.2 steps 2-3): halve, then inflate by the three
        // segments the duplicate ACKs say have left the network.
        ssthresh = Math.max(flightSize / 2, 2 * smss);
        cwnd = ssthresh + 3 * smss;
        bytesAcked = 0;
    }

    @Override
    public void onDuplicateAckInRecovery() {
        cwnd = grow(cwnd, smss); // RFC 6582 §3.2 step 4
    }

    @Override
    public void onPartialAck(final int ackedBytes) {
        // RFC 6582 §3.2 step 5: deflate by the amount acknowledged, add back one SMSS if
        // that was at least one SMSS.
        cwnd = Math.max(cwnd - ackedBytes + (ackedBytes >= smss ? smss : 0), smss);
    }

    @Override
    public void onRecoveryEnd(final int flightSize) {
        // RFC 6582 §3.2 step 3, option (2): cwnd = ssthresh, as Linux ends its reduction
        // (RFC 6937). Option (1), min(ssthresh, FlightSize + SMSS), left 2 segments after a
        // recovery that had repaired everything: one lost ACK of those two then cost an RTO
        // (seen against Linux at 1 % loss, a 200 ms stall every ~1,500 segments).
        cwnd = ssthresh;
        bytesAcked = 0;
    }

    @Override
    public void onRetransmitTimeout(final int flightSize) {
        // RFC 5681 §3.1, equation (4), and the loss window of one SMSS.
        ssthresh = Math.max(flightSize / 2, 2 * smss);
        cwnd = smss;
        bytesAcked = 0;
    }

    @Override
    public void onIdleRestart() {
        cwnd = Math.min(cwnd, initialWindow); // RFC 5681 §4.1: the restart window
    }

    private static int grow(final int window, final int by) {
        final long grown = (long) window + by;
        return grown > (1 << 30) ? 1 << 30 : (int) grown;
    }
}
