package io.tcpstack.experiments.synflood;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The experiment's CSV files (RFC 4180: comma-separated, a header row, fields quoted when
 * they hold a comma, quote or line break; numbers in C locale; NaN as an empty cell).
 */
public final class Csv {
    private Csv() {
    }

    /** One CSV field. */
    static String field(final Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Double d) {
            return number(d);
        }
        final String s = value.toString();
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    /** A number: empty for NaN, integral values without a fraction, others with up to 6 decimals. */
    static String number(final double d) {
        if (Double.isNaN(d)) {
            return "";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.6f", d).replaceAll("0+$", "");
    }

    static String row(final Object... fields) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(field(fields[i]));
        }
        return sb.append('\n').toString();
    }

    /** attempts.csv: every legitimate connection. */
    public static void writeAttempts(final Path file, final List<Analysis.Summary> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(row("target", "cookies", "start_s", "phase", "ok", "connect_us", "request_us", "error"));
            for (final Analysis.Summary s : runs) {
                final RunResult r = s.run();
                for (final Attempt a : r.attempts()) {
                    final String phase = a.startNs() < r.floodStartNs() ? "baseline"
                        : a.startNs() <= r.floodEndNs() ? "flood" : "after";
                    w.write(row(r.key(), r.cookies(), a.startNs() / 1e9, phase, a.ok() ? 1 : 0,
                        a.connectNs() < 0 ? null : a.connectNs() / 1000, a.requestNs() < 0 ? null : a.requestNs() / 1000,
                        a.error()));
                }
            }
        }
    }

    /** samples.csv: every counter sample, one column per {@link Metric}. */
    public static void writeSamples(final Path file, final List<Analysis.Summary> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            final List<Object> header = new ArrayList<>(List.of("target", "cookies", "t_s"));
            for (final Metric m : Metric.values()) {
                header.add(m.column());
            }
            w.write(row(header.toArray()));
            for (final Analysis.Summary s : runs) {
                for (final Sample sample : s.run().samples()) {
                    final List<Object> fields = new ArrayList<>(List.of(s.run().key(), s.run().cookies(), sample.tNs() / 1e9));
                    for (final Metric m : Metric.values()) {
                        fields.add(sample.get(m));
                    }
                    w.write(row(fields.toArray()));
                }
            }
        }
    }

    /** buckets.csv: legitimate connections per 500 ms of start time. */
    public static void writeBuckets(final Path file, final List<Analysis.Summary> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(row("target", "cookies", "start_s", "attempts", "ok", "success_pct", "connect_p50_us",
                "connect_p99_us", "connect_max_us"));
            for (final Analysis.Summary s : runs) {
                for (final Analysis.Bucket b : s.buckets()) {
                    final Analysis.PhaseStats p = b.stats();
                    w.write(row(s.run().key(), s.run().cookies(), b.startSeconds(), p.attempts(), p.ok(), p.successPct(),
                        dash(p.connectUs(50)), dash(p.connectUs(99)), dash(p.connectUs(100))));
                }
            }
        }
    }

    /** runs.csv: one line of figures per run. */
    public static void writeRuns(final Path file, final List<Analysis.Summary> runs) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(row("target", "label", "cookies", "error", "syns_requested", "syns_sent", "syns_refused",
                "syns_skipped", "flood_s", "flood_rate", "baseline_attempts", "baseline_ok_pct", "baseline_connect_p50_us",
                "baseline_connect_p99_us", "flood_attempts", "flood_ok_pct", "flood_connect_p50_us", "flood_connect_p99_us",
                "after_attempts", "after_ok_pct", "after_connect_p99_us", "half_open_bound", "half_open_max",
                "syn_drops", "cookies_sent", "cookies_validated", "cookies_failed", "accept_overflows",
                "heap_old_before_bytes", "heap_old_after_bytes", "rss_before_bytes", "rss_after_bytes",
                "recovery_s", "checks_met", "checks_total"));
            for (final Analysis.Summary s : runs) {
                final RunResult r = s.run();
                final SynFlooder.Result f = r.flood();
                w.write(row(r.key(), r.label(), r.cookies(), r.error(), f == null ? null : f.requested(),
                    f == null ? null : f.sent(), f == null ? null : f.refused(), f == null ? null : f.skipped(),
                    f == null ? null : f.seconds(), f == null ? null : f.achievedRate(),
                    s.baseline().attempts(), s.baseline().successPct(), dash(s.baseline().connectUs(50)),
                    dash(s.baseline().connectUs(99)), s.flood().attempts(), s.flood().successPct(),
                    dash(s.flood().connectUs(50)), dash(s.flood().connectUs(99)), s.after().attempts(),
                    s.after().successPct(), dash(s.after().connectUs(99)), r.halfOpenBound(), s.maxHalfOpenInFlood(),
                    s.floodDeltas().get(Metric.SYN_DROPS), s.floodDeltas().get(Metric.COOKIES_SENT),
                    s.floodDeltas().get(Metric.COOKIES_VALIDATED), s.floodDeltas().get(Metric.COOKIES_FAILED),
                    s.floodDeltas().get(Metric.ACCEPT_OVERFLOWS), s.heapOldBeforeFlood(), s.heapOldAfterFlood(),
                    s.rssBeforeFlood(), s.rssAfterFlood(), s.recoveryNs() < 0 ? null : s.recoveryNs() / 1e9,
                    s.checks().stream().filter(Analysis.Check::met).count(), s.checks().size()));
            }
        }
    }

    private static Long dash(final long v) {
        return v < 0 ? null : v;
    }
}
