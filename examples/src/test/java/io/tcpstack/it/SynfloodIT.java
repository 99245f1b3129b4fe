package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tcpstack.experiments.synflood.Attempt;
import io.tcpstack.experiments.synflood.LegitClient;
import io.tcpstack.experiments.synflood.Pacer;
import io.tcpstack.experiments.synflood.RawIpSocket;
import io.tcpstack.experiments.synflood.SpoofedSources;
import io.tcpstack.experiments.synflood.SynFlooder;
import io.tcpstack.tun.NetNamespace;
import io.tcpstack.wire.IpAddress;

/**
 * A real SYN flood through a real TUN: the project's own generator sends spoofed SYNs from
 * inside the stack's namespace while legitimate connections go on, and {@code tcpstack stat}
 * (another process) reads what the defences did from the counters file. Then the
 * {@code synflood} command itself, small, end to end.
 *
 * <p>Namespaces carry this JVM's PID and "syn" (other engineers run ITs at the same time).
 */
class SynfloodIT {
    private static final int HOST = IpAddress.parse("10.7.0.1");
    private static final int STACK = IpAddress.parse("10.7.0.2");
    private static final int SYN_BACKLOG = 256;

    @TempDir
    Path dir;
    String ns;

    @BeforeEach
    void names() {
        Host.assumeRootAndTun();
        ns = "tcpstack-syn-" + ProcessHandle.current().pid() + "-it";
    }

    @AfterEach
    void noNamespaceLeft() {
        if (ns != null) {
            final boolean left = Host.namespaceExists(ns);
            Host.deleteNamespace(ns);
            assertThat(left).as("namespace " + ns + " left behind").isFalse();
        }
    }

    @Test
    void twentyThousandSpoofedSyns_twoHundredLegitimateConnectionsSucceed_countersReadByStat() throws Exception {
        final Path counters = dir.resolve("syn.counters");
        try (ServeProcess serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(),
            "--syn-backlog", Integer.toString(SYN_BACKLOG), "--syn-cookies", "on")) {
            assertThat(serve.awaitReady(30)).as(serve.output()).startsWith("ready:");

            final AtomicBoolean stop = new AtomicBoolean();
            final long t0 = System.nanoTime() + 200_000_000L;
            final AtomicReference<List<Attempt>> attempts = new AtomicReference<>();
            final AtomicReference<Throwable> clientFailure = new AtomicReference<>();
            // 200 connections at 100/s: the whole client run lies inside the 2 s flood.
            final LegitClient client = new LegitClient(new LegitClient.Config(
                new InetSocketAddress(IpAddress.format(STACK), 80), 100, 200, 3_000_000_000L, 3_000_000_000L, 256));
            final Thread clientThread = new Thread(() -> {
                try {
                    attempts.set(NetNamespace.inside(ns, () -> {
                        try {
                            return client.run(t0, stop);
                        } catch (final java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }));
                } catch (final Throwable t) {
                    clientFailure.set(t);
                }
            }, "legit-client");
            clientThread.start();

            final SynFlooder.Result flood;
            try (RawIpSocket raw = RawIpSocket.open(ns)) {
                final SpoofedSources sources = new SpoofedSources(HOST, 24, new int[] {HOST, STACK}, 6);
                final SynFlooder flooder = new SynFlooder(raw, STACK, 80, sources);
                // 20,000 SYNs at 10,000/s, starting 50 ms before the client; at most 10 s. A
                // descheduled flooder catches up on everything it owes (no skipping), so the
                // count does not depend on how busy the machine is.
                while (System.nanoTime() < t0 - 50_000_000L) {
                    Thread.sleep(1); // waiting for the start time, not timing the stack
                }
                flood = flooder.run(new Pacer(10_000, 20_000, 10_000_000_000L, 20_000), stop);
            }
            clientThread.join(20_000);
            stop.set(true);
            assertThat(clientFailure.get()).isNull();

            assertThat(flood.skipped()).isZero();
            assertThat(flood.sent() + flood.refused()).isEqualTo(20_000);
            assertThat(flood.sent()).as("SYNs the kernel took").isGreaterThanOrEqualTo(19_000);
            final List<Attempt> done = attempts.get();
            assertThat(done).hasSize(200);
            assertThat(done.stream().filter(a -> !a.ok()).map(Attempt::error).collect(Collectors.toList()))
                .as("failed legitimate connections").isEmpty();

            // The counters, as another process reads them.
            final Map<String, Long> stat = stat(counters);
            assertThat(stat.get("tcp.listen.half_open")).as("half-open held at the bound").isEqualTo(SYN_BACKLOG);
            // Loose lower bounds: a busy machine can stall the stack thread and overflow its ring
            // (tun.rx.ring_full), and the first legitimate connections may find the table not yet full.
            assertThat(stat.get("tcp.syncookies.sent")).as(stat.toString()).isGreaterThan(10_000L);
            assertThat(stat.get("tcp.syncookies.validated")).as("legitimate connections made from cookies")
                .isGreaterThanOrEqualTo(100L).isLessThanOrEqualTo(200L);
            assertThat(stat.getOrDefault("tcp.listen.syn_backlog_drops", 0L)).isZero();
            assertThat(stat.getOrDefault("tcp.syncookies.invalid", 0L)).isZero();
            assertThat(stat.get("tcp.PassiveOpens")).isGreaterThanOrEqualTo(200L);
            assertThat(stat.get("jvm.heap.used_bytes")).isPositive();

            assertThat(serve.interruptAndWait(20)).isZero();
        }
    }

    /** Runs {@code tcpstack stat --counters FILE} as its own process and parses "name  value" lines. */
    private static Map<String, Long> stat(final Path counters) throws Exception {
        try (ServeProcess stat = ServeProcess.start("stat", "--counters", counters.toString())) {
            assertThat(stat.waitForExit(30)).as(stat.output()).isZero();
            final Map<String, Long> values = new HashMap<>();
            for (final String line : stat.output().split("\n")) {
                final String[] f = line.trim().split("\\s+");
                if (f.length == 2) {
                    values.put(f[0], Long.parseLong(f[1].replace(",", "")));
                }
            }
            return values;
        }
    }

    @Test
    void synfloodCommand_smallRun_writesTheReport_andLeavesNothing() throws Exception {
        final Set<String> before = namespaces();
        final Path out = dir.resolve("report");
        try (ServeProcess run = ServeProcess.start("synflood", "--out", out.toString(), "--targets", "stack",
            "--syn-cookies", "on", "--syn-backlog", "128", "--baseline", "1", "--duration", "1", "--after", "1",
            "--rate", "5000", "--client-rate", "50", "--warmup", "20", "--stack-jvm-opts", "-Xmx128m")) {
            assertThat(run.waitForExit(120)).as(run.output()).isZero();
            assertThat(run.output()).contains("== tcpstack, cookies on").contains("synflood: report in");
        }
        for (final String f : List.of("summary.md", "runs.csv", "buckets.csv", "attempts.csv", "samples.csv",
            "success.png", "connect_p99.png", "half_open.png", "cookies_sent.png", "cookies_validated.png",
            "drops.png", "memory.png")) {
            assertThat(out.resolve(f)).as(f).isNotEmptyFile();
        }
        final String summary = Files.readString(out.resolve("summary.md"));
        assertThat(summary).contains("| tcpstack, cookies on | ").contains("## Acceptance targets");
        final List<String> runs = Files.readAllLines(out.resolve("runs.csv"));
        assertThat(runs).hasSize(2);
        assertThat(runs.get(1)).startsWith("stack-cookies-on,\"tcpstack, cookies on\",on,,5000,");
        assertThat(Files.readAllLines(out.resolve("attempts.csv"))).hasSize(1 + 150);
        final Set<String> after = namespaces();
        after.removeAll(before);
        assertThat(after).as("namespaces the command left").isEmpty();
    }

    private static Set<String> namespaces() throws Exception {
        try (var files = Files.list(NetNamespace.NETNS_DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("tcpstack-syn-"))
                .collect(Collectors.toSet());
        }
    }
}
