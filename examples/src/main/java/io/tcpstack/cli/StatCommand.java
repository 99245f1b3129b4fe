package io.tcpstack.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.agrona.concurrent.status.CountersReader;

import io.tcpstack.stats.StackCounters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpstack stat}: reads the counters of a running stack from its memory-mapped file
 * (another process, no RPC), like {@code nstat}: names, values and, with an interval, the
 * change per second.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Print the live counters of a running stack (from its memory-mapped counters file).")
final class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--netns", paramLabel = "NS", defaultValue = "tcpstack",
        description = "The stack's namespace: reads /dev/shm/tcpstack/NS.counters. Default: ${DEFAULT-VALUE}.")
    String netns;

    @Option(names = "--tun", paramLabel = "NAME", defaultValue = StackFiles.DEFAULT_TUN,
        description = "The stack's TUN device: for one other than tun0, reads NS-NAME.counters. "
            + "Default: ${DEFAULT-VALUE}.")
    String tun;

    @Option(names = "--counters", paramLabel = "FILE", description = "Read this counters file instead.")
    Path counters;

    @Option(names = "--interval", paramLabel = "MS", defaultValue = "0",
        description = "Print again every MS milliseconds with per-second deltas (0: once). Default: ${DEFAULT-VALUE}.")
    long intervalMs;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
        description = "With --interval: stop after N samples (0: until interrupted).")
    long count;

    @Option(names = {"-a", "--all"}, description = "Also print counters that are zero.")
    boolean all;

    @Override
    public Integer call() throws Exception {
        final Path file = counters != null ? counters : StackFiles.counters(netns, tun);
        if (!Files.exists(file)) {
            throw new UserError(file + " does not exist: is a stack running (tcpstack serve --netns " + netns
                + "), or give its file with --counters.");
        }
        final CountersReader reader;
        try {
            reader = StackCounters.openReader(file);
        } catch (final IllegalStateException e) {
            throw new UserError(e.getMessage() + ".");
        }
        final PrintWriter out = spec.commandLine().getOut();
        Map<String, Long> previous = read(reader);
        print(out, previous, null, 0);
        long previousNs = System.nanoTime();
        for (long sample = 1; intervalMs > 0 && (count == 0 || sample < count); sample++) {
            Thread.sleep(intervalMs);
            final Map<String, Long> now = read(reader);
            final long nowNs = System.nanoTime();
            print(out, now, previous, nowNs - previousNs);
            previous = now;
            previousNs = nowNs;
        }
        return 0;
    }

    private static Map<String, Long> read(final CountersReader reader) {
        final Map<String, Long> values = new LinkedHashMap<>();
        reader.forEach((id, label) -> values.put(label, reader.getCounterValue(id)));
        return values;
    }

    private void print(final PrintWriter out, final Map<String, Long> now, final Map<String, Long> before,
        final long elapsedNs) {
        if (before != null) {
            out.println();
        }
        now.forEach((name, value) -> {
            if (value == 0 && !all) {
                return;
            }
            if (before == null) {
                out.printf("%-36s %,18d%n", name, value);
            } else {
                final double perSecond = (value - before.getOrDefault(name, 0L)) * 1e9 / elapsedNs;
                out.printf("%-36s %,18d %,14.1f/s%n", name, value, perSecond);
            }
        });
        out.flush();
    }
}
