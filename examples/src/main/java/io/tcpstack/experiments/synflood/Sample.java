package io.tcpstack.experiments.synflood;

/**
 * One sample of a target's counters.
 *
 * @param tNs    when, relative to the run's time zero
 * @param values indexed by {@link Metric#ordinal()}, NaN where unknown
 */
public record Sample(long tNs, double[] values) {
    public double get(final Metric m) {
        return values[m.ordinal()];
    }
}
