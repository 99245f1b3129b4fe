package io.tcpstack.tcp;

/**
 * CUBIC (RFC 9438): after a congestion event the window grows along
 * W(t) = C (t - K)^3 + W_max, concave up to the last maximum, then convex beyond it,
 * independent of the RTT; never slower than Reno would (the "Reno-friendly" estimate,
 * §4.3). Slow start, the timeout and the NewReno recovery steps around it are as in
 * {@link NewReno} with β = 0.7 instead of 0.5 (§4.6, §4.8). Windows are kept in bytes and
 * computed in segments, as the RFC writes them. No allocation.
 */
final class Cubic implements CongestionControl {
    /** RFC 9438 §5: C = 0.4, β_cubic = 0.7. */
    static final double C = 0.4;
    static final double BETA = 0.7;
    private static final double ALPHA_RENO = 3 * (1 - BETA) / (1 + BETA);

    private final int smss;
    private final int initialWindow;
    private int cwnd;
    private int ssthresh = Integer.MAX_VALUE;
    private double fraction;
    // RFC 9438 §4: the state of the current congestion-avoidance epoch, in segments and ns
    private double wMax;
    private double wLastMax;
    private double k;
    private long epochStartNs = -1;
    private double wEst;

    Cubic(final int smss) {
        this.smss = smss;
        this.initialWindow = NewReno.initialWindow(smss);
        this.cwnd = initialWindow;
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
            cwnd = bound((long) cwnd + Math.min(ackedBytes, smss)); // slow start, as RFC 5681
            return;
        }
        final double segments = (double) cwnd / smss;
        if (epochStartNs < 0) {
            // §4.2: the epoch starts with the first ACK in congestion avoidance;
            // K = cbrt((W_max - cwnd_epoch) / C) (equation 2), W_est = cwnd_epoch (§4.3).
            epochStartNs = nowNs;
            if (wMax < segments) {
                wMax = segments;
            }
            k = Math.cbrt((wMax - segments) / C);
            wEst = segments;
        }
        final double rtt = Math.max(srttNs, 1_000_000L) / 1e9;
        final double t = (nowNs - epochStartNs) / 1e9;
        final double ackedSegments = (double) ackedBytes / smss;
        wEst += ALPHA_RENO * ackedSegments / segments; // §4.3
        final double next;
        if (wCubic(t) < wEst) {
            next = wEst; // §4.3: the Reno-friendly region
        } else {
            // §4.4/§4.5: target W_cubic(t + RTT), bounded to [cwnd, 1.5 cwnd];
            // cwnd += (target - cwnd) / cwnd per segment acknowledged.
            final double target = Math.min(Math.max(wCubic(t + rtt), segments), 1.5 * segments);
            next = segments + (target - segments) / segments * ackedSegments;
        }
        if (next > segments) {
            fraction += (next - segments) * smss;
            final int add = (int) fraction;
            fraction -= add;
            cwnd = bound((long) cwnd + add);
        }
    }

    /** W_cubic(t) = C (t - K)^3 + W_max, segments (RFC 9438 §4.2, equation 1). */
    double wCubic(final double t) {
        final double d = t - k;
        return C * d * d * d + wMax;
    }

    /** The window reduction of a congestion event (§4.6), with fast convergence (§4.7). */
    private void congestionEvent(final int flightSize) {
        final double segments = (double) cwnd / smss;
        wMax = segments < wLastMax ? segments * (1 + BETA) / 2 : segments;
        wLastMax = segments;
        ssthresh = Math.max((int) (flightSize * BETA), 2 * smss);
        epochStartNs = -1;
        fraction = 0;
    }

    @Override
    public void onFastRetransmit(final int flightSize) {
        congestionEvent(flightSize);
        cwnd = ssthresh + 3 * smss; // then NewReno's recovery (RFC 9438 §4.6 with RFC 6582)
    }

    @Override
    public void onDuplicateAckInRecovery() {
        cwnd = bound((long) cwnd + smss);
    }

    @Override
    public void onPartialAck(final int ackedBytes) {
        cwnd = Math.max(cwnd - ackedBytes + (ackedBytes >= smss ? smss : 0), smss);
    }

    @Override
    public void onRecoveryEnd(final int flightSize) {
        cwnd = ssthresh; // RFC 6582 §3.2 step 3 option (2), as NewReno
    }

    @Override
    public void onRetransmitTimeout(final int flightSize) {
        congestionEvent(flightSize); // §4.8: as for any congestion event, then one segment
        cwnd = smss;
    }

    @Override
    public void onIdleRestart() {
        cwnd = Math.min(cwnd, initialWindow);
        epochStartNs = -1;
    }

    /** For tests: K, the time to return to W_max, seconds. */
    double k() {
        return k;
    }

    double wMax() {
        return wMax;
    }

    private static int bound(final long window) {
        return window > (1 << 30) ? 1 << 30 : (int) window;
    }
}
