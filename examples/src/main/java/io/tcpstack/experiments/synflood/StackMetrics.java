package io.tcpstack.experiments.synflood;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import org.agrona.concurrent.status.CountersReader;

import io.tcpstack.stats.StackCounters;

/**
 * The stack's counters, read live from its memory-mapped counters file (as
 * {@code tcpstack stat} does), plus the resident size of its process.
 */
final class StackMetrics implements MetricSource {
    static final Map<Metric, String> COUNTERS = new EnumMap<>(Map.ofEntries(
        Map.entry(Metric.HALF_OPEN, "tcp.listen.half_open"),
        Map.entry(Metric.SYN_DROPS, "tcp.listen.syn_backlog_drops"),
        Map.entry(Metric.COOKIES_SENT, "tcp.syncookies.sent"),
        Map.entry(Metric.COOKIES_VALIDATED, "tcp.syncookies.validated"),
        Map.entry(Metric.COOKIES_FAILED, "tcp.syncookies.invalid"),
        Map.entry(Metric.ACCEPT_OVERFLOWS, "tcp.listen.accept_queue_overflows"),
        Map.entry(Metric.SYNACK_RETRANSMITS, "tcp.listen.synack_retransmits"),
        Map.entry(Metric.HALF_OPEN_EXPIRED, "tcp.listen.half_open_expired"),
        Map.entry(Metric.PASSIVE_OPENS, "tcp.PassiveOpens"),
        Map.entry(Metric.CURR_ESTAB, "tcp.CurrEstab"),
        Map.entry(Metric.RX_DROPS, "tun.rx.ring_full"),
        Map.entry(Metric.HEAP_USED, "jvm.heap.used_bytes"),
        Map.entry(Metric.HEAP_OLD, "jvm.heap.old_used_bytes")));
    /** Not a column of their own, but added to a metric: stale cookies count as failed. */
    private static final String COOKIES_STALE = "tcp.syncookies.stale";

    private final CountersReader reader;
    private final long pid;
    private final Map<String, Integer> ids = new java.util.HashMap<>();

    StackMetrics(final Path countersFile, final long pid) {
        this.reader = StackCounters.openReader(countersFile);
        this.pid = pid;
        reader.forEach((id, label) -> ids.put(label, id));
    }

    @Override
    public void read(final double[] row) {
        java.util.Arrays.fill(row, Double.NaN);
        COUNTERS.forEach((metric, name) -> row[metric.ordinal()] = value(name));
        final double stale = value(COOKIES_STALE);
        if (!Double.isNaN(stale)) {
            row[Metric.COOKIES_FAILED.ordinal()] += stale;
        }
        final long rss = ProcFs.rssBytes(pid);
        row[Metric.RSS.ordinal()] = rss < 0 ? Double.NaN : rss;
    }

    private double value(final String name) {
        final Integer id = ids.get(name);
        return id == null ? Double.NaN : reader.getCounterValue(id);
    }
}
