package io.tcpstack.experiments.synflood;

/**
 * The schedule of a paced, bounded sender: packet {@code i} is due at
 * {@code start + i / rate}; at most {@code maxCount} packets, and nothing after
 * {@code start + maxDuration}, whichever comes first.
 *
 * <p>A sender that falls behind (a descheduled thread, a GC pause) does not burst to catch
 * up: the backlog beyond {@code maxLag} packets is skipped and counted, so the achieved
 * rate shows the shortfall instead of hiding it in bursts. No clock inside: the caller
 * passes {@code nowNs}, so the logic is tested without sleeping.
 *
 * <p>Single thread.
 */
public final class Pacer {
    private final double ratePerSecond;
    private final long maxCount;
    private final long maxDurationNs;
    private final long maxLag;
    private long startNs;
    private long claimed;
    private long skipped;
    private boolean started;

    /**
     * @param ratePerSecond packets per second, &gt; 0
     * @param maxCount      packets at most, &ge; 0
     * @param maxDurationNs sending time at most
     * @param maxLag        packets that may be owed at once before the excess is skipped, &ge; 1
     */
    public Pacer(final double ratePerSecond, final long maxCount, final long maxDurationNs, final long maxLag) {
        if (!(ratePerSecond > 0) || maxCount < 0 || maxDurationNs <= 0 || maxLag < 1) {
            throw new IllegalArgumentException("rate " + ratePerSecond + ", count " + maxCount + ", duration "
                + maxDurationNs + " ns, lag " + maxLag);
        }
        this.ratePerSecond = ratePerSecond;
        this.maxCount = maxCount;
        this.maxDurationNs = maxDurationNs;
        this.maxLag = maxLag;
    }

    public void start(final long nowNs) {
        startNs = nowNs;
        started = true;
    }

    /**
     * How many packets are due now (at most {@code maxLag}); the caller sends them and
     * reports with {@link #claim}. Zero when ahead of schedule or finished.
     */
    public long due(final long nowNs) {
        if (!started || finished(nowNs)) {
            return 0;
        }
        final long scheduled = Math.min(maxCount, (long) ((nowNs - startNs) * ratePerSecond / 1e9) + 1);
        long owed = scheduled - claimed - skipped;
        if (owed > maxLag) {
            skipped += owed - maxLag;
            owed = maxLag;
        }
        return Math.max(0, owed);
    }

    /** Records that {@code n} due packets were handed to the network (sent or refused). */
    public void claim(final long n) {
        claimed += n;
    }

    /** True once every packet was claimed or skipped, or the time is up. */
    public boolean finished(final long nowNs) {
        return claimed + skipped >= maxCount || nowNs - startNs >= maxDurationNs;
    }

    /** Nanoseconds until the next packet is due (0 if one is due now). */
    public long nanosUntilDue(final long nowNs) {
        final long next = claimed + skipped;
        final long dueAt = startNs + (long) Math.ceil(next * 1e9 / ratePerSecond);
        return Math.max(0, dueAt - nowNs);
    }

    public long claimed() {
        return claimed;
    }

    public long skipped() {
        return skipped;
    }

    public long maxCount() {
        return maxCount;
    }
}
