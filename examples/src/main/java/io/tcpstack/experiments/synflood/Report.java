package io.tcpstack.experiments.synflood;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown summary of an experiment: how it was run, one table of figures per target,
 * the acceptance targets as measured, the plots, and the commands run. Pure: it formats
 * what it is given.
 */
public final class Report {
    private static final double MIB = 1024 * 1024;

    /** What the summary says about the run as a whole. */
    public record Meta(String command, String startedAt, String machine, List<String> plots, List<String> notes,
        List<String> commands) {
    }

    private Report() {
    }

    public static String markdown(final Config c, final List<Analysis.Summary> runs, final Meta meta) {
        final StringBuilder md = new StringBuilder();
        md.append("# SYN flood experiment\n\n");
        md.append("Run ").append(meta.startedAt()).append(" with\n\n```\n").append(meta.command()).append("\n```\n\n");
        md.append("Machine: ").append(meta.machine()).append(".\n\n");
        md.append(String.format(Locale.ROOT,
            "Each target in turn: %.0f s without flood (the baseline), then %,d spoofed-source SYNs to port 80 at "
                + "%,.0f SYN/s (at most %.0f s; a flooder that falls more than 50 ms behind skips the excess), then "
                + "%.0f s after the flood. Sources are random addresses of the "
                + "target's own /24 (its real addresses excluded) with random ports and sequence numbers (seed %d). "
                + "Throughout, a legitimate client opens %.0f connections/s on a fixed schedule (open loop), each "
                + "`GET /` read to the end then closed by the client, %d ms limit for the connect and again for the "
                + "response; %d warm-up connections before time zero are not counted. Counters every %d ms.%n%n",
            c.baselineSeconds(), c.floodCount(), c.floodRate(), c.floodSeconds(), c.afterSeconds(), c.seed(),
            c.clientRate(), c.clientTimeoutMs(), c.warmupConnections(), Experiment.SAMPLE_PERIOD_MS));

        md.append("## Results\n\n");
        md.append("| target | flood sent (achieved rate) | legit OK: baseline / flood / after | connect p50 / p99, "
            + "baseline | connect p50 / p99, flood | half-open max (bound) | SYN drops | cookies sent / validated | "
            + "service back after the flood |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (final Analysis.Summary s : runs) {
            final RunResult r = s.run();
            if (r.flood() == null) {
                md.append("| ").append(r.label()).append(" | failed: ").append(escape(r.error()))
                    .append(" | | | | | | | |\n");
                continue;
            }
            md.append("| ").append(r.label())
                .append(" | ").append(String.format("%,d (%,.0f/s)", r.flood().sent(), r.flood().achievedRate()))
                .append(" | ").append(pct(s.baseline())).append(" / ").append(pct(s.flood())).append(" / ")
                .append(pct(s.after()))
                .append(" | ").append(Analysis.ms(s.baseline().connectUs(50))).append(" / ")
                .append(Analysis.ms(s.baseline().connectUs(99)))
                .append(" | ").append(Analysis.ms(s.flood().connectUs(50))).append(" / ")
                .append(Analysis.ms(s.flood().connectUs(99)))
                .append(" | ").append(count(s.maxHalfOpenInFlood())).append(" (")
                .append(r.halfOpenBound() < 0 ? "?" : Integer.toString(r.halfOpenBound())).append(")")
                .append(" | ").append(count(s.floodDeltas().get(Metric.SYN_DROPS)))
                .append(" | ").append(count(s.floodDeltas().get(Metric.COOKIES_SENT))).append(" / ")
                .append(count(s.floodDeltas().get(Metric.COOKIES_VALIDATED)))
                .append(" | ").append(recovery(s, c)).append(" |\n");
        }
        md.append("\nCounts are over the flood and the phase after it. \"Service back\": from the flood's last SYN "
            + "to the start of the first legitimate connection after which every one succeeded with its first SYN "
            + "answered (connect < 1 s, the client's first SYN retransmission timeout).\n\n");

        md.append("### Memory\n\n| target | heap in use, max: baseline / flood | old generation: before → after the flood "
            + "| RSS: before → after | kernel request socks, max |\n|---|---|---|---|---|\n");
        for (final Analysis.Summary s : runs) {
            if (s.run().flood() == null) {
                continue;
            }
            md.append("| ").append(s.run().label())
                .append(" | ").append(mib(s.heapUsedMaxBaseline())).append(" / ").append(mib(s.heapUsedMaxFlood()))
                .append(" | ").append(mib(s.heapOldBeforeFlood())).append(" → ").append(mib(s.heapOldAfterFlood()))
                .append(" | ").append(mib(s.rssBeforeFlood())).append(" → ").append(mib(s.rssAfterFlood()))
                .append(" | ").append(Double.isNaN(s.kernelReqskMax()) ? "-"
                    : String.format("%.0f KiB", s.kernelReqskMax() / 1024))
                .append(" |\n");
        }

        md.append("\n## Acceptance targets (measured, not asserted)\n\n| target | what | measured | met |\n|---|---|---|---|\n");
        for (final Analysis.Summary s : runs) {
            for (final Analysis.Check check : s.checks()) {
                md.append("| ").append(s.run().label()).append(" | ").append(check.what()).append(" | ")
                    .append(escape(check.measured())).append(" | ").append(check.met() ? "yes" : "**no**").append(" |\n");
            }
        }

        md.append("\n## Failed legitimate connections, by reason\n\n");
        for (final Analysis.Summary s : runs) {
            final StringBuilder line = new StringBuilder();
            for (final Analysis.PhaseStats p : List.of(s.baseline(), s.flood(), s.after())) {
                if (!p.errors().isEmpty()) {
                    line.append(line.length() == 0 ? "" : "; ").append(p.phase()).append(": ").append(errors(p.errors()));
                }
            }
            md.append("- ").append(s.run().label()).append(": ").append(line.length() == 0 ? "none" : line).append('\n');
        }

        if (!meta.plots().isEmpty()) {
            md.append("\n## Plots\n\n");
            for (final String plot : meta.plots()) {
                md.append("![").append(plot).append("](").append(plot).append(")\n\n");
            }
        }
        md.append("## Targets\n\n");
        for (final Analysis.Summary s : runs) {
            md.append("- **").append(s.run().label()).append("**: ").append(String.join("; ", s.run().settings()))
                .append('\n');
        }
        if (!meta.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            for (final String n : meta.notes()) {
                md.append("- ").append(n).append('\n');
            }
        }
        md.append("\n## Files\n\n`attempts.csv` (every legitimate connection), `buckets.csv` (per 500 ms), "
            + "`samples.csv` (counters every 100 ms), `runs.csv` (one line per target), `logs/` (the servers' output).\n");
        if (!meta.commands().isEmpty()) {
            md.append("\n## Commands run\n\n```\n");
            for (final String cmd : meta.commands()) {
                md.append(cmd).append('\n');
            }
            md.append("```\n");
        }
        return md.toString();
    }

    static String pct(final Analysis.PhaseStats p) {
        return p.attempts() == 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", p.successPct());
    }

    private static String count(final Double v) {
        return v == null || Double.isNaN(v) ? "-" : String.format("%,.0f", v);
    }

    private static String mib(final double bytes) {
        return Double.isNaN(bytes) ? "-" : String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
    }

    private static String recovery(final Analysis.Summary s, final Config c) {
        if (s.recoveryNs() >= 0) {
            return String.format(Locale.ROOT, "%.2f s", s.recoveryNs() / 1e9);
        }
        return String.format(Locale.ROOT, "not within %.0f s", c.afterSeconds());
    }

    private static String errors(final Map<String, Integer> errors) {
        final StringBuilder sb = new StringBuilder();
        errors.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }

    private static String escape(final String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}
