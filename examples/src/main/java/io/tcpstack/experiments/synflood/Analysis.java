package io.tcpstack.experiments.synflood;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * Turns one run's raw measurements into the figures of the report: per phase (no-flood
 * baseline, flood, after), per time bucket, the counters over the flood, the recovery
 * after it, and the acceptance checks. Pure: no I/O, no clock.
 */
public final class Analysis {
    /** Connect and request times are recorded in microseconds, 1 µs to 10 min, 3 significant digits. */
    static final long MAX_US = 600_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final long MIB = 1024 * 1024;

    private Analysis() {
    }

    /** The legitimate connections of one phase (or bucket). */
    public record PhaseStats(String phase, int attempts, int ok, Histogram connectUs, Histogram requestUs,
        Map<String, Integer> errors) {
        public double successPct() {
            return attempts == 0 ? Double.NaN : 100.0 * ok / attempts;
        }

        /** Percentile of the connect time of the successful connections, µs; -1 if none. */
        public long connectUs(final double percentile) {
            return connectUs.getTotalCount() == 0 ? -1 : connectUs.getValueAtPercentile(percentile);
        }

        public long requestUs(final double percentile) {
            return requestUs.getTotalCount() == 0 ? -1 : requestUs.getValueAtPercentile(percentile);
        }
    }

    /** A time bucket of the legitimate connections, by start time. */
    public record Bucket(double startSeconds, PhaseStats stats) {
    }

    /** One acceptance target, measured. */
    public record Check(String what, String measured, boolean met) {
    }

    /** What the report says about one run. */
    public record Summary(RunResult run, PhaseStats baseline, PhaseStats flood, PhaseStats after, List<Bucket> buckets,
        double maxHalfOpenInFlood, double halfOpenAtFloodEnd, Map<Metric, Double> floodDeltas,
        double heapOldBeforeFlood, double heapOldAfterFlood, double heapUsedMaxBaseline, double heapUsedMaxFlood,
        double rssBeforeFlood, double rssAfterFlood, double kernelReqskMax, long recoveryNs, long firstSuccessAfterNs,
        List<Check> checks) {
        Summary withChecks(final List<Check> list) {
            return new Summary(run, baseline, flood, after, buckets, maxHalfOpenInFlood, halfOpenAtFloodEnd, floodDeltas,
                heapOldBeforeFlood, heapOldAfterFlood, heapUsedMaxBaseline, heapUsedMaxFlood, rssBeforeFlood,
                rssAfterFlood, kernelReqskMax, recoveryNs, firstSuccessAfterNs, List.copyOf(list));
        }
    }

    static Histogram histogram() {
        return new Histogram(1, MAX_US, 3);
    }

    /** Statistics of the attempts that started in [fromNs, toNs). */
    static PhaseStats phase(final String name, final List<Attempt> attempts, final long fromNs, final long toNs) {
        final Histogram connect = histogram();
        final Histogram request = histogram();
        final Map<String, Integer> errors = new TreeMap<>();
        int n = 0;
        int ok = 0;
        for (final Attempt a : attempts) {
            if (a.startNs() < fromNs || a.startNs() >= toNs) {
                continue;
            }
            n++;
            if (a.ok()) {
                ok++;
            } else {
                errors.merge(a.error(), 1, Integer::sum);
            }
            if (a.connectNs() >= 0) {
                connect.recordValue(clampUs(a.connectNs()));
            }
            if (a.requestNs() >= 0) {
                request.recordValue(clampUs(a.requestNs()));
            }
        }
        return new PhaseStats(name, n, ok, connect, request, errors);
    }

    private static long clampUs(final long ns) {
        return Math.max(1, Math.min(MAX_US, ns / 1000));
    }

    /** Attempts bucketed by start time, {@code bucketNs} wide, from 0 to {@code endNs}. */
    static List<Bucket> buckets(final List<Attempt> attempts, final long bucketNs, final long endNs) {
        final List<Bucket> out = new ArrayList<>();
        for (long from = 0; from < endNs; from += bucketNs) {
            out.add(new Bucket(from / 1e9, phase("bucket", attempts, from, Math.min(from + bucketNs, endNs))));
        }
        return out;
    }

    /** A connect slower than this needed a retransmitted SYN (Linux's first SYN timeout is 1 s). */
    static final long PROMPT_CONNECT_NS = SECOND;

    /**
     * When service came back after the flood: the start of the first attempt after
     * {@code floodEndNs} from which on every attempt succeeded with its first SYN answered
     * (connected in under {@link #PROMPT_CONNECT_NS}), relative to the flood's end; -1 if
     * not so by the end of the run. (An attempt that got in only by retransmitting its SYN
     * a second later says the service was not there when it started.)
     */
    static long recoveryNs(final List<Attempt> attempts, final long floodEndNs) {
        long recovered = -1;
        for (final Attempt a : attempts) {
            if (a.startNs() <= floodEndNs) {
                continue;
            }
            if (!a.ok() || a.connectNs() >= PROMPT_CONNECT_NS) {
                recovered = -1;
            } else if (recovered < 0) {
                recovered = a.startNs() - floodEndNs;
            }
        }
        return recovered;
    }

    /** The first attempt started after the flood's end that succeeded, relative to the end; -1 if none. */
    static long firstSuccessAfter(final List<Attempt> attempts, final long floodEndNs) {
        for (final Attempt a : attempts) {
            if (a.startNs() > floodEndNs && a.ok()) {
                return a.startNs() - floodEndNs;
            }
        }
        return -1;
    }

    /** The last sample at or before {@code tNs} (or the first one), or null if there are none. */
    static Sample sampleAt(final List<Sample> samples, final long tNs) {
        Sample best = null;
        for (final Sample s : samples) {
            if (s.tNs() <= tNs || best == null) {
                best = s;
            }
            if (s.tNs() > tNs) {
                break;
            }
        }
        return best;
    }

    /** Maximum of a metric over the samples in [fromNs, toNs]; NaN if none has it. */
    static double max(final List<Sample> samples, final Metric m, final long fromNs, final long toNs) {
        double max = Double.NaN;
        for (final Sample s : samples) {
            final double v = s.get(m);
            if (s.tNs() >= fromNs && s.tNs() <= toNs && !Double.isNaN(v) && (Double.isNaN(max) || v > max)) {
                max = v;
            }
        }
        return max;
    }

    public static Summary summarize(final RunResult run, final Config config) {
        final long end = (long) (config.totalSeconds() * SECOND);
        final List<Attempt> a = run.attempts();
        final long fs = run.floodStartNs();
        final long fe = run.floodEndNs();
        final PhaseStats baseline = phase("baseline", a, 0, fs);
        final PhaseStats flood = phase("flood", a, fs, fe + 1);
        final PhaseStats after = phase("after", a, fe + 1, Long.MAX_VALUE);
        final List<Bucket> buckets = buckets(a, SECOND / 2, end);
        final List<Sample> s = run.samples();
        final Map<Metric, Double> deltas = new TreeMap<>();
        final Sample before = sampleAt(s, fs);
        final Sample atEnd = sampleAt(s, fe + Experiment.SAMPLE_PERIOD_MS * 1_000_000L);
        final Sample last = s.isEmpty() ? null : s.get(s.size() - 1);
        for (final Metric m : Metric.values()) {
            if (m.cumulative() && before != null && last != null) {
                deltas.put(m, last.get(m) - before.get(m));
            }
        }
        final double maxHalfOpen = max(s, Metric.HALF_OPEN, fs, fe);
        final double halfOpenEnd = atEnd == null ? Double.NaN : atEnd.get(Metric.HALF_OPEN);
        final double oldBefore = before == null ? Double.NaN : before.get(Metric.HEAP_OLD);
        final double oldAfter = atEnd == null ? Double.NaN : atEnd.get(Metric.HEAP_OLD);
        final double rssBefore = before == null ? Double.NaN : before.get(Metric.RSS);
        final double rssAfter = atEnd == null ? Double.NaN : atEnd.get(Metric.RSS);
        final Summary summary = new Summary(run, baseline, flood, after, buckets, maxHalfOpen, halfOpenEnd, deltas,
            oldBefore, oldAfter, max(s, Metric.HEAP_USED, 0, fs), max(s, Metric.HEAP_USED, fs, fe), rssBefore, rssAfter,
            max(s, Metric.KERNEL_REQSK, fs, fe), recoveryNs(a, fe), firstSuccessAfter(a, fe), List.of());
        return summary.withChecks(checks(summary, config));
    }

    /** True for settings that answer a full backlog with cookies. */
    static boolean cookiesOn(final RunResult run) {
        return switch (run.system()) {
            case "stack" -> !run.cookies().equals("off");
            case "linux" -> !run.cookies().equals("0");
            default -> true;
        };
    }

    /** The acceptance targets that apply to this run's setting, measured. */
    static List<Check> checks(final Summary s, final Config config) {
        final List<Check> checks = new ArrayList<>();
        if (s.run().flood() == null) {
            return checks;
        }
        final double rate = s.run().flood().achievedRate();
        final double seconds = s.run().flood().seconds();
        // Within 0.5 %: n paced SYNs span (n - 1) intervals, and the clock reads of the first
        // and last send jitter by microseconds.
        checks.add(new Check("flood at 20,000 SYN/s or more for 10 s (within 0.5 %)",
            String.format("%,.0f SYN/s for %.2f s (%,d SYNs)", rate, seconds, s.run().flood().sent()),
            rate >= 0.995 * 20_000 && seconds >= 0.995 * 10));
        if (cookiesOn(s.run())) {
            checks.add(new Check("≥ 99 % of legitimate connections succeed during the flood",
                String.format("%.2f %% (%d of %d)", s.flood().successPct(), s.flood().ok(), s.flood().attempts()),
                s.flood().attempts() > 0 && s.flood().successPct() >= 99.0));
            final long p99 = s.flood().connectUs(99);
            final long base = s.baseline().connectUs(99);
            checks.add(new Check("p99 connect during the flood < 3 × no-flood p99",
                String.format("%s vs %s (×%.1f)", ms(p99), ms(base), base > 0 && p99 > 0 ? (double) p99 / base : Double.NaN),
                p99 > 0 && base > 0 && p99 < 3 * base));
        } else {
            final int bound = s.run().halfOpenBound();
            // + 2: a sample may also count the legitimate client's own handshake in progress.
            // The flood must fill what it may: the whole backlog, or the three quarters that
            // unproven (spoofed) sources may take when the rest is kept for known peers (the
            // stack and Linux both do that without cookies).
            checks.add(new Check("half-open count held at its bound (" + bound + ", +2; unproven sources get 3/4)",
                String.format("max %.0f during the flood, %.0f at its end", s.maxHalfOpenInFlood(), s.halfOpenAtFloodEnd()),
                !Double.isNaN(s.maxHalfOpenInFlood()) && bound > 0 && s.maxHalfOpenInFlood() <= bound + 2
                    && s.maxHalfOpenInFlood() >= 0.7 * bound));
            if (!Double.isNaN(s.heapOldBeforeFlood())) {
                final double growth = s.heapOldAfterFlood() - s.heapOldBeforeFlood();
                checks.add(new Check("memory flat: old generation grows < 4 MiB over the flood",
                    String.format("%.1f → %.1f MiB (%+.1f); RSS %.0f → %.0f MiB", s.heapOldBeforeFlood() / MIB,
                        s.heapOldAfterFlood() / MIB, growth / MIB, s.rssBeforeFlood() / MIB, s.rssAfterFlood() / MIB),
                    growth < 4 * MIB));
            } else if (!Double.isNaN(s.kernelReqskMax())) {
                checks.add(new Check("memory flat: request sockets bounded (slab request_sock_TCP)",
                    String.format("max %.0f KiB during the flood", s.kernelReqskMax() / 1024),
                    s.kernelReqskMax() <= 2.0 * Math.max(1, bound) * 512));
            }
            checks.add(new Check("service returns within 1 s of the flood's end",
                s.recoveryNs() < 0 ? String.format("not within the %.0f s after the flood", config.afterSeconds())
                    : String.format("%.2f s", s.recoveryNs() / 1e9),
                s.recoveryNs() >= 0 && s.recoveryNs() <= SECOND));
        }
        return checks;
    }

    /** Microseconds as milliseconds text, e.g. {@code 0.42 ms}; {@code -} for none. */
    static String ms(final long us) {
        return us < 0 ? "-" : String.format("%.2f ms", us / 1000.0);
    }
}
