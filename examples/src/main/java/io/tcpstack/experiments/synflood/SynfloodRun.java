package io.tcpstack.experiments.synflood;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole experiment: every target in turn (each set up, measured and torn down before
 * the next starts, so they never compete for the CPU), then the report under the output
 * directory. Ctrl-C or SIGTERM stops the flood and the clients, stops every process
 * started here by its PID and deletes every namespace created here.
 */
public final class SynfloodRun {
    private final Config config;
    private final PrintWriter out;
    private final Host host = new Host();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> notes = new ArrayList<>();
    private final String prefix;

    /**
     * @param namespacePrefix every namespace this run creates starts with it (unique per process)
     */
    public SynfloodRun(final Config config, final PrintWriter out, final String namespacePrefix) {
        this.config = config;
        this.out = out;
        this.prefix = namespacePrefix;
    }

    /**
     * Asks the run to stop: the flood and the legitimate client end at once, the current
     * target is torn down, no further target starts, and the report covers what was measured.
     * Any thread (a signal handler).
     */
    public void stop() {
        stop.set(true);
    }

    public boolean stopped() {
        return stop.get();
    }

    /** What came out: the summaries, and whether every target ran to the end. */
    public record Outcome(List<Analysis.Summary> summaries, Path summary, boolean allRan) {
    }

    public Outcome run(final String commandLine) throws IOException {
        Files.createDirectories(config.out().resolve("logs"));
        final String startedAt = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        final String machine = machine();
        out.println("synflood: " + machine);
        out.flush();
        final List<Target> targets = targets();
        final Resources[] current = {null};
        final Thread hook = new Thread(() -> {
            stop.set(true);
            synchronized (current) {
                if (current[0] != null) {
                    current[0].close();
                }
            }
        }, "synflood-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        final List<Analysis.Summary> summaries = new ArrayList<>();
        boolean allRan = true;
        try {
            final Experiment experiment = new Experiment(config, stop, out);
            for (final Target target : targets) {
                if (stop.get()) {
                    break;
                }
                out.println("== " + target.label());
                out.flush();
                final Resources resources = new Resources(host);
                synchronized (current) {
                    current[0] = resources;
                }
                final RunResult result = experiment.run(target, resources);
                synchronized (current) {
                    current[0] = null;
                }
                final Analysis.Summary s = Analysis.summarize(result, config);
                summaries.add(s);
                if (result.error() != null) {
                    allRan = false;
                    out.println("  failed: " + result.error());
                } else {
                    out.printf("  legitimate connections OK: baseline %s, flood %s, after %s; connect p99 %s → %s%n",
                        Report.pct(s.baseline()), Report.pct(s.flood()), Report.pct(s.after()),
                        Analysis.ms(s.baseline().connectUs(99)), Analysis.ms(s.flood().connectUs(99)));
                }
                out.flush();
            }
        } finally {
            if (!stop.get()) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        notes.add("load average at the end: " + loadAverage() + " (other work on the machine competes with the "
            + "targets for the CPU: compare runs made at similar load)");
        final Path dir = config.out();
        Csv.writeAttempts(dir.resolve("attempts.csv"), summaries);
        Csv.writeSamples(dir.resolve("samples.csv"), summaries);
        Csv.writeBuckets(dir.resolve("buckets.csv"), summaries);
        Csv.writeRuns(dir.resolve("runs.csv"), summaries);
        List<String> plots = List.of();
        try {
            plots = Plots.write(dir, summaries, config);
        } catch (final IOException | RuntimeException | Error e) {
            notes.add("plots could not be drawn: " + e);
        }
        final Path summary = dir.resolve("summary.md");
        Files.writeString(summary, Report.markdown(config, summaries,
            new Report.Meta(commandLine, startedAt, machine, plots, notes, host.commands())), StandardCharsets.UTF_8);
        out.println("synflood: report in " + dir.toAbsolutePath() + "/: summary.md, runs.csv, buckets.csv, attempts.csv, "
            + "samples.csv" + (plots.isEmpty() ? "" : ", " + String.join(", ", plots)) + ", logs/");
        out.flush();
        return new Outcome(summaries, summary, allRan && !stop.get());
    }

    private List<Target> targets() {
        final List<Target> list = new ArrayList<>();
        for (final String t : config.targets()) {
            switch (t) {
                case "stack" -> {
                    int i = 0;
                    for (final String mode : config.cookieModes()) {
                        list.add(new StackTarget(config, mode, prefix + "-st" + i++, host));
                    }
                }
                case "linux" -> {
                    if (!onPath("nginx")) {
                        notes.add("Linux target left out: nginx is not installed (apt-get install nginx-light)");
                        out.println("synflood: " + notes.get(notes.size() - 1));
                        continue;
                    }
                    int i = 0;
                    for (final String mode : config.cookieModes()) {
                        final int sysctl = switch (mode) {
                            case "off" -> 0;
                            case "always" -> 2;
                            default -> 1;
                        };
                        list.add(new LinuxTarget(config, sysctl, prefix + "-lc" + i, prefix + "-ls" + i, host));
                        i++;
                    }
                }
                case "gvisor" -> {
                    final Path binary = buildGvisor();
                    if (binary != null) {
                        list.add(new GvisorTarget(config, prefix + "-gv", binary, host));
                    }
                }
                default -> throw new IllegalArgumentException("unknown target " + t);
            }
        }
        return list;
    }

    private Path buildGvisor() {
        final Path script = config.gvisorBuild();
        if (script == null || !Files.isRegularFile(script)) {
            notes.add("gVisor left out: no build script at " + script);
            out.println("synflood: " + notes.get(notes.size() - 1));
            return null;
        }
        out.println("synflood: building the gVisor peer (" + script + ")...");
        out.flush();
        final Host.Result r = host.run(600, script.toString());
        final String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
        if (!r.ok() || !Files.isExecutable(Path.of(last))) {
            notes.add("gVisor left out: its build failed: " + (last.isEmpty() ? r.firstLine() : last));
            out.println("synflood: " + notes.get(notes.size() - 1));
            return null;
        }
        return Path.of(last);
    }

    private static boolean onPath(final String command) {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command));
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " CPUs, Linux " + System.getProperty("os.version")
            + ", Java " + System.getProperty("java.version") + ", load average " + loadAverage() + " at the start";
    }

    private static String loadAverage() {
        final String[] l = ProcFs.read(Path.of("/proc/loadavg")).strip().split("\\s+");
        return l.length >= 3 ? l[0] + " " + l[1] + " " + l[2] : "?";
    }
}
