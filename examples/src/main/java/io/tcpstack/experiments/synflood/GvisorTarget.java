package io.tcpstack.experiments.synflood;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jnr.ffi.LibraryLoader;

/**
 * gVisor's netstack on a TUN, through the shared measuring peer ({@code gvisor-peer}, built
 * by its {@code build.sh}): it creates its namespace with the same addresses as
 * {@code serve} and serves {@code GET /}. Its settings are its own and fixed: listen
 * backlog 4096, SYN cookies once 4096 handshakes are pending. Counters come from the
 * dump it prints on SIGUSR1 (endpoint table and TCP counters), asked for every
 * {@value #DUMP_PERIOD_MS} ms.
 */
final class GvisorTarget implements Target {
    static final long DUMP_PERIOD_MS = 500;
    private static final Pattern COUNTERS = Pattern.compile(
        "gvisor-peer: tcp passive-opens (\\d+) established-now (\\d+) resets-sent (\\d+) resets-rcvd (\\d+) "
            + "retransmits (\\d+) .* syn-cookies-sent (\\d+) listen-syn-drops (\\d+)");
    private static final int SIGUSR1 = 10;

    /** kill(2), to ask the peer for its counters. */
    public interface Kill {
        int kill(int pid, int signal);
    }

    private final Config config;
    private final String namespace;
    private final Path binary;
    private final Host host;
    private final Dump dump = new Dump();
    private Child peer;

    GvisorTarget(final Config config, final String namespace, final Path binary, final Host host) {
        this.config = config;
        this.namespace = namespace;
        this.binary = binary;
        this.host = host;
    }

    @Override
    public String key() {
        return "gvisor";
    }

    @Override
    public String label() {
        return "gVisor netstack";
    }

    @Override
    public String system() {
        return "gvisor";
    }

    @Override
    public String cookies() {
        return "on (its default)";
    }

    @Override
    public void start(final Resources resources) throws Exception {
        resources.adoptNamespace(namespace);
        peer = resources.add(Child.start(host, "gvisor-peer", List.of(binary.toString(), "--netns", namespace),
            config.out().resolve("logs").resolve("gvisor.log"), dump::offer, "ready:"));
        if (!peer.awaitReady(30_000)) {
            throw new IllegalStateException("gvisor-peer did not start: " + peer.tail().strip());
        }
        if (!Probe.waitForPort(namespace, StackTarget.STACK, 80, 10_000)) {
            throw new IllegalStateException("gvisor-peer does not accept connections on port 80");
        }
    }

    @Override
    public String clientNamespace() {
        return namespace;
    }

    @Override
    public int serverAddress() {
        return StackTarget.STACK;
    }

    @Override
    public int subnet() {
        return StackTarget.HOST;
    }

    @Override
    public int prefixLength() {
        return 24;
    }

    @Override
    public int[] realAddresses() {
        return new int[] {StackTarget.HOST, StackTarget.STACK};
    }

    @Override
    public MetricSource metrics() {
        final Kill kill = LibraryLoader.create(Kill.class).load("c");
        final long pid = peer.pid();
        return new MetricSource() {
            private long lastAskNs = System.nanoTime() - DUMP_PERIOD_MS * 1_000_000L;

            @Override
            public void read(final double[] row) {
                final long now = System.nanoTime();
                if (now - lastAskNs >= DUMP_PERIOD_MS * 1_000_000L) {
                    kill.kill((int) pid, SIGUSR1);
                    lastAskNs = now;
                }
                dump.copyTo(row);
                final long rss = ProcFs.rssBytes(pid);
                row[Metric.RSS.ordinal()] = rss < 0 ? Double.NaN : rss;
            }
        };
    }

    @Override
    public int halfOpenBound() {
        return 4096;
    }

    @Override
    public List<String> settings() {
        return List.of("gvisor-peer (`" + binary + " --netns " + namespace + "`): gVisor netstack (Debian's "
            + "golang-gvisor-gvisor-dev) on a TUN, 10.7.0.1/24 kernel side, 10.7.0.2 stack; its own fixed settings: "
            + "listen backlog 4096, SYN cookies when 4096 handshakes are pending (cannot be turned off from its "
            + "command line), SYN-ACK retries gVisor's default; counters from its SIGUSR1 dump every "
            + DUMP_PERIOD_MS + " ms (no validated-cookie counter there)");
    }

    /** Parses the peer's SIGUSR1 dumps from its output; keeps the latest complete one. */
    static final class Dump {
        private final double[] latest = new double[Metric.values().length];
        private int synRcvd;

        Dump() {
            Arrays.fill(latest, Double.NaN);
        }

        /** Takes one output line; returns whether it belongs in the log (endpoint lines do not). */
        synchronized boolean offer(final String line) {
            if (line.endsWith("registered TCP endpoints")) {
                synRcvd = 0;
                return false;
            }
            if (line.startsWith("  ") && line.contains(" <- ")) {
                if (line.endsWith("SYN-RCVD")) {
                    synRcvd++;
                }
                return false;
            }
            final Matcher m = COUNTERS.matcher(line);
            if (m.find()) {
                latest[Metric.PASSIVE_OPENS.ordinal()] = Long.parseLong(m.group(1));
                latest[Metric.CURR_ESTAB.ordinal()] = Long.parseLong(m.group(2));
                latest[Metric.SYNACK_RETRANSMITS.ordinal()] = Long.parseLong(m.group(5));
                latest[Metric.COOKIES_SENT.ordinal()] = Long.parseLong(m.group(6));
                latest[Metric.SYN_DROPS.ordinal()] = Long.parseLong(m.group(7));
                latest[Metric.HALF_OPEN.ordinal()] = synRcvd;
                return false;
            }
            return true;
        }

        synchronized void copyTo(final double[] row) {
            System.arraycopy(latest, 0, row, 0, latest.length);
        }
    }
}
