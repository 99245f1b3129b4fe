package io.tcpstack.experiments.synflood;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.tcpstack.tun.NetNamespace;
import io.tcpstack.wire.IpAddress;

/**
 * Runs one target through the experiment: start it, warm it up, then from time zero a
 * legitimate client at a fixed rate for baseline + flood + after seconds, the flood from
 * the end of the baseline (bounded in count and time), the counters sampled every
 * {@value #SAMPLE_PERIOD_MS} ms, and tear it all down again.
 */
public final class Experiment {
    static final long SAMPLE_PERIOD_MS = 100;
    private static final long SECOND = 1_000_000_000L;

    private final Config config;
    private final AtomicBoolean stop;
    private final PrintWriter progress;

    Experiment(final Config config, final AtomicBoolean stop, final PrintWriter progress) {
        this.config = config;
        this.stop = stop;
        this.progress = progress;
    }

    /** Runs the target; failures come back in {@link RunResult#error()}, resources are always released. */
    RunResult run(final Target target, final Resources resources) {
        try {
            target.start(resources);
            return measure(target);
        } catch (final Exception e) {
            return new RunResult(target.key(), target.label(), target.system(), target.cookies(),
                target.halfOpenBound(), target.settings(), 0, 0, null, List.of(), List.of(),
                e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            resources.close();
        }
    }

    private RunResult measure(final Target target) throws Exception {
        final String ns = target.clientNamespace();
        final InetSocketAddress server = new InetSocketAddress(IpAddress.format(target.serverAddress()), 80);
        final long timeoutNs = config.clientTimeoutMs() * 1_000_000L;

        // Warm-up: the JIT on both sides, ARP on the veth, the first connections' costs.
        final int warm = config.warmupConnections();
        if (warm > 0) {
            final List<Attempt> w = NetNamespace.inside(ns, () -> runClient(
                new LegitClient.Config(server, 200, warm, timeoutNs, timeoutNs, 256), System.nanoTime()));
            final long ok = w.stream().filter(Attempt::ok).count();
            progress.printf("  warm-up: %d of %d connections succeeded%n", ok, w.size());
            progress.flush();
            if (ok == 0) {
                throw new IllegalStateException("no warm-up connection succeeded: " + w.get(0).error());
            }
        }
        final SpoofedSources sources = new SpoofedSources(target.subnet(), target.prefixLength(),
            target.realAddresses(), config.seed());
        final RawIpSocket raw = RawIpSocket.open(ns);
        try {
            final SynFlooder flooder = new SynFlooder(raw, target.serverAddress(), 80, sources);
            flooder.warmUp(200_000);

            final long t0 = System.nanoTime() + SECOND / 2;
            final List<Sample> samples = new ArrayList<>();
            final MetricSource metrics = target.metrics();
            final AtomicBoolean samplingDone = new AtomicBoolean();
            final Thread sampler = new Thread(() -> sample(metrics, t0, samples, samplingDone), "synflood-sampler");
            sampler.setDaemon(true);
            sampler.start();

            final AtomicReference<List<Attempt>> attempts = new AtomicReference<>(List.of());
            final AtomicReference<Throwable> clientFailure = new AtomicReference<>();
            final LegitClient.Config clientConfig = new LegitClient.Config(server, config.clientRate(),
                config.clientCount(), timeoutNs, timeoutNs, 4096);
            final Thread client = new Thread(() -> {
                try {
                    attempts.set(NetNamespace.inside(ns, () -> runClient(clientConfig, t0)));
                } catch (final Throwable t) {
                    clientFailure.set(t);
                }
            }, "synflood-client");
            client.setDaemon(true);
            client.start();

            final long floodAt = t0 + (long) (config.baselineSeconds() * SECOND);
            sleepUntil(floodAt);
            // A descheduled flooder may catch up on up to 50 ms of SYNs at once; beyond that it skips.
            final Pacer pacer = new Pacer(config.floodRate(), config.floodCount(),
                (long) (config.floodSeconds() * SECOND), Math.max(1, (long) (config.floodRate() / 20)));
            progress.printf("  flood: %,d SYNs at %,.0f/s to %s:80 from %d spoofed sources in %s/%d%n",
                config.floodCount(), config.floodRate(), IpAddress.format(target.serverAddress()),
                sources.addressCount(), IpAddress.format(target.subnet() & IpAddress.netmask(target.prefixLength())),
                target.prefixLength());
            progress.flush();
            final SynFlooder.Result flood = stop.get() ? new SynFlooder.Result(config.floodCount(), 0, 0, 0, 0, 0)
                : flooder.run(pacer, stop);
            progress.printf("  flood done: %,d sent (%,.0f/s achieved), %,d refused by the kernel, %,d skipped%n",
                flood.sent(), flood.achievedRate(), flood.refused(), flood.skipped());
            progress.flush();

            client.join((long) ((config.totalSeconds() + 10) * 1000) + 2 * config.clientTimeoutMs());
            if (client.isAlive()) {
                stop.set(true);
                client.join(5000);
            }
            samplingDone.set(true);
            sampler.join(2000);
            if (clientFailure.get() != null) {
                throw new IllegalStateException("the legitimate client failed: " + clientFailure.get());
            }
            final long floodStart = flood.sent() > 0 ? flood.firstNs() - t0 : floodAt - t0;
            final long floodEnd = flood.sent() > 0 ? flood.lastNs() - t0 : floodStart;
            final List<Sample> copy;
            synchronized (samples) {
                copy = List.copyOf(samples);
            }
            return new RunResult(target.key(), target.label(), target.system(), target.cookies(),
                target.halfOpenBound(), target.settings(), floodStart, floodEnd, flood, attempts.get(), copy,
                stop.get() ? "interrupted" : null);
        } finally {
            raw.close();
        }
    }

    private List<Attempt> runClient(final LegitClient.Config clientConfig, final long t0) {
        try {
            return new LegitClient(clientConfig).run(t0, stop);
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void sample(final MetricSource metrics, final long t0, final List<Sample> samples, final AtomicBoolean done) {
        long next = t0 - SECOND / 2;
        while (!done.get()) {
            sleepUntil(next);
            final double[] row = new double[Metric.values().length];
            Arrays.fill(row, Double.NaN);
            final long at = System.nanoTime();
            try {
                metrics.read(row);
            } catch (final RuntimeException e) {
                // a target that went away mid-run: the sample stays empty
            }
            synchronized (samples) {
                samples.add(new Sample(at - t0, row));
            }
            next += SAMPLE_PERIOD_MS * 1_000_000L;
        }
    }

    private static void sleepUntil(final long deadlineNs) {
        for (long left; (left = deadlineNs - System.nanoTime()) > 0; ) {
            try {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
