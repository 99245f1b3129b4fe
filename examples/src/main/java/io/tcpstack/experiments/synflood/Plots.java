package io.tcpstack.experiments.synflood;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiment's PNG plots (XChart), one series per target, time in seconds since the
 * start of the baseline on the x axis, the flood's start and end as vertical lines.
 */
final class Plots {
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 480;
    private static final double MIB = 1024 * 1024;

    private Plots() {
    }

    /** Writes every plot into {@code dir}; returns the file names written. */
    static List<String> write(final Path dir, final List<Analysis.Summary> runs, final Config config) throws IOException {
        System.setProperty("java.awt.headless", "true");
        final List<Analysis.Summary> ok = runs.stream().filter(s -> s.run().flood() != null).toList();
        final List<String> files = new ArrayList<>();
        if (ok.isEmpty()) {
            return files;
        }
        final double floodStart = config.baselineSeconds();
        final double floodEnd = config.baselineSeconds() + config.floodSeconds();

        XYChart chart = chart("Legitimate connections that succeeded (per 500 ms of start time)", "success, %",
            floodStart, floodEnd);
        for (final Analysis.Summary s : ok) {
            add(chart, s.run().label(), s.buckets(), b -> b.stats().successPct());
        }
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        files.add(save(chart, dir, "success"));

        chart = chart("Legitimate connect time, p99 per 500 ms (log scale)", "connect p99, ms", floodStart, floodEnd);
        chart.getStyler().setYAxisLogarithmic(true);
        for (final Analysis.Summary s : ok) {
            add(chart, s.run().label(), s.buckets(), b -> {
                final long us = b.stats().connectUs(99);
                return us <= 0 ? Double.NaN : us / 1000.0;
            });
        }
        files.add(save(chart, dir, "connect_p99"));

        chart = chart("Half-open connections (SYN-RECEIVED) held", "half-open", floodStart, floodEnd);
        for (final Analysis.Summary s : ok) {
            addSamples(chart, s.run().label(), s.run().samples(), Metric.HALF_OPEN, false);
        }
        files.add(save(chart, dir, "half_open"));

        chart = chart("SYN cookies sent per second", "cookies sent/s", floodStart, floodEnd);
        for (final Analysis.Summary s : ok) {
            if (Analysis.cookiesOn(s.run())) {
                addSamples(chart, s.run().label(), s.run().samples(), Metric.COOKIES_SENT, true);
            }
        }
        files.add(save(chart, dir, "cookies_sent"));

        chart = chart("Connections made from a valid cookie, per second", "cookies validated/s", floodStart, floodEnd);
        for (final Analysis.Summary s : ok) {
            if (Analysis.cookiesOn(s.run()) && !s.run().system().equals("gvisor")) {
                addSamples(chart, s.run().label(), s.run().samples(), Metric.COOKIES_VALIDATED, true);
            }
        }
        files.add(save(chart, dir, "cookies_validated"));

        chart = chart("SYNs dropped at a full backlog, per second (Linux: ListenDrops)", "drops/s", floodStart, floodEnd);
        for (final Analysis.Summary s : ok) {
            addSamples(chart, s.run().label(), s.run().samples(), Metric.SYN_DROPS, true);
        }
        files.add(save(chart, dir, "drops"));

        chart = chart("Memory: JVM old generation and RSS (tcpstack), RSS (gVisor), request socks (Linux)", "MiB",
            floodStart, floodEnd);
        for (final Analysis.Summary s : ok) {
            if (s.run().system().equals("stack")) {
                addScaled(chart, s.run().label() + ": old gen", s.run().samples(), Metric.HEAP_OLD);
                addScaled(chart, s.run().label() + ": heap in use", s.run().samples(), Metric.HEAP_USED);
                addScaled(chart, s.run().label() + ": RSS", s.run().samples(), Metric.RSS);
            } else if (s.run().system().equals("gvisor")) {
                addScaled(chart, s.run().label() + ": RSS", s.run().samples(), Metric.RSS);
            } else {
                addScaled(chart, s.run().label() + ": request_sock_TCP slab", s.run().samples(), Metric.KERNEL_REQSK);
            }
        }
        files.add(save(chart, dir, "memory"));
        return files;
    }

    private static XYChart chart(final String title, final String yTitle, final double floodStart, final double floodEnd) {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("seconds since the start of the baseline (flood between the grey lines)").yAxisTitle(yTitle).build();
        final XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendLayout(Styler.LegendLayout.Vertical);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setAnnotationLineColor(Color.GRAY);
        styler.setAnnotationLineStroke(new BasicStroke(1.5f));
        for (final double x : new double[] {floodStart, floodEnd}) {
            chart.addAnnotation(new AnnotationLine(x, true, false));
        }
        return chart;
    }

    private static void add(final XYChart chart, final String name, final List<Analysis.Bucket> buckets,
        final Function<Analysis.Bucket, Double> y) {
        final List<Double> xs = new ArrayList<>();
        final List<Double> ys = new ArrayList<>();
        for (final Analysis.Bucket b : buckets) {
            final double v = y.apply(b);
            if (!Double.isNaN(v)) {
                xs.add(b.startSeconds() + 0.25);
                ys.add(v);
            }
        }
        series(chart, name, xs, ys);
    }

    /** A metric over time; with {@code rate}, its change per second between samples. */
    private static void addSamples(final XYChart chart, final String name, final List<Sample> samples, final Metric m,
        final boolean rate) {
        final List<Double> xs = new ArrayList<>();
        final List<Double> ys = new ArrayList<>();
        Sample previous = null;
        for (final Sample s : samples) {
            final double v = s.get(m);
            if (Double.isNaN(v)) {
                continue;
            }
            if (!rate) {
                xs.add(s.tNs() / 1e9);
                ys.add(v);
            } else if (previous != null && s.tNs() > previous.tNs()) {
                xs.add(s.tNs() / 1e9);
                ys.add(Math.max(0, (v - previous.get(m)) * 1e9 / (s.tNs() - previous.tNs())));
            }
            previous = s;
        }
        series(chart, name, xs, ys);
    }

    private static void addScaled(final XYChart chart, final String name, final List<Sample> samples, final Metric m) {
        final List<Double> xs = new ArrayList<>();
        final List<Double> ys = new ArrayList<>();
        for (final Sample s : samples) {
            if (!Double.isNaN(s.get(m))) {
                xs.add(s.tNs() / 1e9);
                ys.add(s.get(m) / MIB);
            }
        }
        series(chart, name, xs, ys);
    }

    private static void series(final XYChart chart, final String name, final List<Double> xs, final List<Double> ys) {
        if (xs.isEmpty()) {
            return;
        }
        final XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.NONE);
        series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }

    private static String save(final XYChart chart, final Path dir, final String name) throws IOException {
        if (chart.getSeriesMap().isEmpty()) {
            // XChart cannot draw an empty chart: give it an invisible point so the file still says "nothing here"
            final XYSeries none = chart.addSeries("(no data)", new double[] {0}, new double[] {0});
            none.setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        return name + ".png";
    }
}
