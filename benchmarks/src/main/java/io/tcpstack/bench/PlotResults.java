package io.tcpstack.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws the ratio columns of a {@code scripts/bench-tcp} results file as a bar chart (PNG):
 * one group of bars per metric, one bar per ratio column of the summary table (every column
 * whose heading is two names joined by '/', such as {@code tcpstack/loop}, {@code tcpstack/gVisor} and
 * {@code tcpstack-tso/loop-tso}; a "-" cell, a metric not measured for that pair, gets no bar), with a
 * line at 1.0 (parity). Reads the first Markdown table in the file that has such columns,
 * so it keeps working when the script adds rows or columns.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tcpstack.bench.PlotResults \
 *     benchmarks/results/bench-tcp-2026-11-25-quick.txt docs/bench-tcp-ratios.png
 * </pre>
 *
 * Prints the numbers it plotted. Exit code 2 with one line if the file has no such table.
 */
public final class PlotResults {
    /** A ratio column's heading: two names joined by '/', no spaces ("tcpstack/gVisor", not "round trips/s"). */
    private static final java.util.regex.Pattern RATIO_HEADING =
        java.util.regex.Pattern.compile("[A-Za-z][\\w.+-]*/[A-Za-z][\\w.+-]*");

    private PlotResults() {
    }

    /** The parsed table: metric names, ratio column names, and values (NaN where a cell is not a number). */
    record Ratios(List<String> metrics, List<String> columns, double[][] values) {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: PlotResults RESULTS_FILE OUTPUT.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        final Path input = Path.of(args[0]);
        final Ratios ratios = parse(Files.readAllLines(input));
        if (ratios == null) {
            System.err.println("PlotResults: " + input + ": no Markdown table with ratio columns (a heading with '/').");
            System.exit(2);
        }
        final CategoryChart chart = new CategoryChartBuilder().width(1100).height(700)
            .title("bench-tcp: tcpstack relative to the baselines (" + input.getFileName() + ")")
            .xAxisTitle("metric").yAxisTitle("ratio (higher is better for tcpstack; 1.0 = parity)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsPosition(1.0);   // at the top of the bar: readable on short bars too
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(java.awt.Color.BLACK);
        chart.getStyler().setDecimalPattern("0.00");
        chart.getStyler().setXAxisLabelRotation(12);
        chart.getStyler().setYAxisMin(0.0);
        for (int c = 0; c < ratios.columns().size(); c++) {
            final List<String> xs = new ArrayList<>();
            final List<Double> ys = new ArrayList<>();
            for (int m = 0; m < ratios.metrics().size(); m++) {
                xs.add(ratios.metrics().get(m));
                final double v = ratios.values()[m][c];
                ys.add(Double.isNaN(v) ? null : v); // not measured: no bar
                System.out.printf("%-34s %-18s %s%n", ratios.metrics().get(m), ratios.columns().get(c),
                    Double.isNaN(v) ? "-" : String.format("%.2f", v));
            }
            chart.addSeries(seriesName(ratios.columns().get(c)), xs, ys);
        }
        chart.addAnnotation(new AnnotationLine(1.0, false, false));
        final Path output = Path.of(args[1]);
        final Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(output)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        System.out.println("wrote " + output);
    }

    /** bench-tcp's column headings, spelled out for the legend; others as they are. */
    private static String seriesName(final String heading) {
        return switch (heading) {
            case "tcpstack/loop" -> "tcpstack / TUN copy loop (C, same TUN path)";
            case "tcpstack/gVisor" -> "tcpstack / gVisor netstack (same TUN path)";
            case "tcpstack/veth" -> "tcpstack / Linux kernel over veth";
            case "tcpstack-tso/loop-tso" -> "with checksum + TSO offloads: tcpstack / TUN copy loop";
            case "tcpstack-64k/loop-64k" -> "at MTU 65535: tcpstack / TUN copy loop";
            default -> heading;
        };
    }

    /** The first Markdown table with at least one ratio column, or null. */
    static Ratios parse(final List<String> lines) {
        List<String> header = null;
        final List<Integer> ratioColumns = new ArrayList<>();
        final List<String> metrics = new ArrayList<>();
        final List<double[]> rows = new ArrayList<>();
        for (final String line : lines) {
            final String trimmed = line.trim();
            if (!trimmed.startsWith("|")) {
                if (header != null && !rows.isEmpty()) {
                    break; // the table ended
                }
                header = null;
                continue;
            }
            final List<String> cells = cells(trimmed);
            if (header == null) {
                ratioColumns.clear();
                for (int i = 1; i < cells.size(); i++) {
                    if (RATIO_HEADING.matcher(cells.get(i)).matches()) {
                        ratioColumns.add(i);
                    }
                }
                header = ratioColumns.isEmpty() ? null : cells;
                continue;
            }
            if (cells.get(0).startsWith("-")) {
                continue; // |---|---| separator
            }
            if (cells.get(0).contains("µs")) {
                continue; // a latency: lower is better, so its ratio does not belong on this chart
            }
            final double[] values = new double[ratioColumns.size()];
            for (int k = 0; k < ratioColumns.size(); k++) {
                final int i = ratioColumns.get(k);
                values[k] = i < cells.size() ? number(cells.get(i)) : Double.NaN;
            }
            metrics.add(cells.get(0));
            rows.add(values);
        }
        if (header == null || rows.isEmpty()) {
            return null;
        }
        final List<String> columns = new ArrayList<>();
        for (final int i : ratioColumns) {
            columns.add(header.get(i));
        }
        return new Ratios(metrics, columns, rows.toArray(new double[0][]));
    }

    private static List<String> cells(final String row) {
        final String inner = row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
        final List<String> cells = new ArrayList<>();
        for (final String cell : inner.split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }

    private static double number(final String cell) {
        try {
            return Double.parseDouble(cell.replace(",", "").replace("x", "").replace("×", "").trim());
        } catch (final NumberFormatException e) {
            return Double.NaN;
        }
    }
}
