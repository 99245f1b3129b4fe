package io.tcpstack.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import io.tcpstack.experiments.synflood.Config;
import io.tcpstack.experiments.synflood.SynfloodRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpstack synflood}: the SYN-flood experiment of issue 6. Floods port 80 of the
 * stack, of the Linux kernel and of gVisor's netstack, each in namespaces of its own, with
 * spoofed-source SYNs while a legitimate client measures what still gets through, and
 * writes CSV files, PNG plots and a Markdown summary.
 */
@Command(name = "synflood", mixinStandardHelpOptions = true,
    description = {"Run the SYN-flood experiment against the stack, the Linux kernel and gVisor; write a report.",
        "Every target runs in network namespaces this command creates and deletes; spoofed sources are only "
            + "addresses of the target's own /24; the flood is bounded in count and time."})
public final class SynfloodCommand implements Callable<Integer> {
    private static final long STOP_GRACE_MS = 20_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Report directory. Default: synflood-DATE-TIME.")
    Path out;

    @Option(names = "--rate", paramLabel = "SYN/s", defaultValue = "20000",
        description = "Flood rate asked for, 1..1000000. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--duration", paramLabel = "S", defaultValue = "10",
        description = "Flood length in seconds (its count is rate × duration), 0.1..600. Default: ${DEFAULT-VALUE}.")
    double duration;

    @Option(names = "--baseline", paramLabel = "S", defaultValue = "5",
        description = "Seconds without flood before it, 1..600. Default: ${DEFAULT-VALUE}.")
    double baseline;

    @Option(names = "--after", paramLabel = "S", defaultValue = "5",
        description = "Seconds measured after the flood, 0..600. Default: ${DEFAULT-VALUE}.")
    double after;

    @Option(names = "--syn-backlog", paramLabel = "N", defaultValue = "1024",
        description = "Half-open bound: the stack's --syn-backlog, Linux's tcp_max_syn_backlog and listen backlog. Default: ${DEFAULT-VALUE}.")
    int synBacklog;

    @Option(names = "--syn-ack-retries", paramLabel = "N", defaultValue = "5",
        description = "The stack's --syn-ack-retries and Linux's tcp_synack_retries, 0..15. Default: ${DEFAULT-VALUE}.")
    int synAckRetries;

    @Option(names = "--syn-cookies", paramLabel = "MODE", defaultValue = "both",
        description = "off, on, always, or both (= off and on): for the stack, and as tcp_syncookies 0/1/2 for Linux. Default: ${DEFAULT-VALUE}.")
    String synCookies;

    @Option(names = "--targets", paramLabel = "LIST", defaultValue = "stack,linux,gvisor", split = ",",
        description = "Any of stack, linux, gvisor. Default: ${DEFAULT-VALUE}.")
    List<String> targets;

    @Option(names = "--client-rate", paramLabel = "N", defaultValue = "100",
        description = "Legitimate connections per second, 1..5000. Default: ${DEFAULT-VALUE}.")
    double clientRate;

    @Option(names = "--client-timeout", paramLabel = "MS", defaultValue = "3000",
        description = "Time limit of a legitimate connect, and again of its response, 100..60000 ms. Default: ${DEFAULT-VALUE}.")
    long clientTimeoutMs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "300",
        description = "Legitimate connections before the measurement (not reported). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
        description = "Seed of the spoofed sources. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--stack-jvm-opts", paramLabel = "OPTS", defaultValue = "-Xmx512m",
        description = "JVM options of the stack's serve process. Default: ${DEFAULT-VALUE}.")
    String stackJvmOpts;

    @Option(names = "--gvisor-build", paramLabel = "FILE",
        description = "The gVisor peer's build.sh. Default: ../shared/peers/gvisor/build.sh beside the project.")
    Path gvisorBuild;

    @Override
    public Integer call() throws Exception {
        final Config config = validate();
        StackOptions.checkPrivileges(true);
        final PrintWriter pw = spec.commandLine().getOut();
        final String prefix = "tcpstack-syn-" + ProcessHandle.current().pid();
        final List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!args.isEmpty() && args.get(0).equals("synflood")) {
            args.remove(0); // originalArgs() starts at the top-level command's arguments
        }
        final String commandLine = "scripts/tcpstack synflood " + String.join(" ", args);
        final SynfloodRun run = new SynfloodRun(config, pw, prefix);
        // Ctrl-C or SIGTERM: stop the flood and the clients, tear down, write what was measured.
        // Should that take longer than STOP_GRACE_MS, exit anyway: the run's shutdown hook still
        // stops its processes and deletes its namespaces.
        Signals.onStop(() -> {
            run.stop();
            final Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(STOP_GRACE_MS);
                } catch (final InterruptedException e) {
                    return;
                }
                System.exit(130);
            }, "synflood-stop-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        });
        final SynfloodRun.Outcome outcome = run.run(commandLine.strip());
        if (run.stopped()) {
            pw.println("synflood: stopped before the end; the report covers what was measured.");
            pw.flush();
            return 130;
        }
        return outcome.allRan() ? 0 : 1;
    }

    Config validate() {
        range("--rate", rate, 1, 1_000_000);
        range("--duration", duration, 0.1, 600);
        range("--baseline", baseline, 1, 600);
        range("--after", after, 0, 600);
        range("--syn-backlog", synBacklog, 1, 1_000_000);
        range("--syn-ack-retries", synAckRetries, 0, 15);
        range("--client-rate", clientRate, 1, 5000);
        range("--client-timeout", clientTimeoutMs, 100, 60_000);
        range("--warmup", warmup, 0, 100_000);
        final List<String> modes = switch (synCookies) {
            case "both" -> List.of("off", "on");
            case "off", "on", "always" -> List.of(synCookies);
            default -> throw new UserError("--syn-cookies '" + synCookies + "': expected off, on, always or both.", 2);
        };
        final List<String> order = new ArrayList<>();
        for (final String t : List.of("stack", "linux", "gvisor")) {
            if (targets.contains(t)) {
                order.add(t);
            }
        }
        for (final String t : targets) {
            if (!order.contains(t)) {
                throw new UserError("--targets: unknown target '" + t + "' (stack, linux, gvisor).", 2);
            }
        }
        if ((baseline + duration + after) * clientRate > 1_000_000) {
            throw new UserError("--client-rate " + clientRate + ": more than 1,000,000 legitimate connections in one run.", 2);
        }
        final Path dir = out != null ? out
            : Path.of("synflood-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError("--out " + dir + ": exists and is not a directory.", 2);
        }
        final List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.addAll(Arrays.asList(stackJvmOpts.trim().split("\\s+")).stream().filter(s -> !s.isEmpty()).toList());
        java.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"), Main.class.getName()));
        return new Config(dir, rate, duration, baseline, after, synBacklog, synAckRetries, modes, order, clientRate,
            clientTimeoutMs, warmup, seed, java, gvisorBuild != null ? gvisorBuild : defaultGvisorBuild());
    }

    private static void range(final String option, final double value, final double min, final double max) {
        if (!(value >= min && value <= max)) {
            throw new UserError(option + " " + (value == Math.rint(value) ? Long.toString((long) value) : value)
                + ": out of range (" + fmt(min) + ".." + fmt(max) + ").", 2);
        }
    }

    private static String fmt(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** {@code ../shared/peers/gvisor/build.sh} beside the project this class was loaded from. */
    static Path defaultGvisorBuild() {
        try {
            Path p = Path.of(SynfloodCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (int i = 0; i < 6 && p != null; i++, p = p.getParent()) {
                final Path candidate = p.resolveSibling("shared").resolve("peers/gvisor/build.sh");
                if (Files.exists(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("scripts"))
                    && Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
        } catch (final Exception e) {
            // no code source: fall through
        }
        return Path.of("/work/shared/peers/gvisor/build.sh");
    }
}
