package io.tcpstack.experiments.synflood;

/** Reads a target's counters into a row indexed by {@link Metric#ordinal()}. */
public interface MetricSource extends AutoCloseable {
    /** Fills {@code row} (NaN where the target has no such figure). Called by the sampler thread only. */
    void read(double[] row);

    @Override
    default void close() {
    }
}
