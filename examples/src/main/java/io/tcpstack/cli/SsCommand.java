package io.tcpstack.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.tcpstack.tcp.ConnectionTableFile.Timer;
import io.tcpstack.tcp.ConnectionTableReader;
import io.tcpstack.tcp.ConnectionTableReader.Row;
import io.tcpstack.tcp.ConnectionTableReader.Snapshot;
import io.tcpstack.tcp.TcpState;
import io.tcpstack.wire.IpAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpstack ss}: the connection table of a running stack, read from the memory-mapped
 * file its stack thread publishes (another process, no RPC), printed as {@code ss -tan}
 * prints the kernel's (iproute2 {@code misc/ss.c}): by default the connections that are not
 * listening, in TIME-WAIT or in SYN-RECEIVED (ss's {@code SS_CONN}); {@code -l} the listeners
 * only; {@code -a} everything.
 *
 * <p>Columns: State, Recv-Q, Send-Q (for a listener, as Linux's {@code tcp_diag}: its accept
 * queue and accept backlog), the local and peer address, the smoothed RTT and the RTO in
 * milliseconds (ss {@code -i}'s {@code rtt:} and {@code rto:}), the peer's send window
 * (SND.WND) and the congestion window ("-" until the stack has congestion control), then
 * details: a listener's SYN queue ({@code syn-q:half-open/backlog}), a connection's MSS and
 * pending timer, a TIME-WAIT record's time left, as ss {@code -o} writes timers.
 */
@Command(name = "ss", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Print the connection table of a running stack, like ss -tan (read from its "
        + "memory-mapped table: /dev/shm/tcpstack/NS.conns).")
final class SsCommand implements Callable<Integer> {
    /** How long to wait for a stack that has just started to publish its first table. */
    private static final long FIRST_TABLE_WAIT_MS = 2000;

    @Spec
    CommandSpec spec;

    @Option(names = "--netns", paramLabel = "NS", defaultValue = "tcpstack",
        description = "The stack's namespace: reads /dev/shm/tcpstack/NS.conns. Default: ${DEFAULT-VALUE}.")
    String netns;

    @Option(names = "--tun", paramLabel = "NAME", defaultValue = StackFiles.DEFAULT_TUN,
        description = "The stack's TUN device: for one other than tun0, reads NS-NAME.conns. "
            + "Default: ${DEFAULT-VALUE}.")
    String tun;

    @Option(names = "--file", paramLabel = "FILE", description = "Read this connection-table file instead.")
    Path file;

    @Option(names = {"-l", "--listening"}, description = "Only listeners.")
    boolean listening;

    @Option(names = {"-a", "--all"}, description = "Listeners, connections and TIME-WAIT records.")
    boolean all;

    @Option(names = {"-H", "--no-header"}, description = "No header line.")
    boolean noHeader;

    @Option(names = {"-t", "--tcp"}, description = "TCP sockets (the only kind there is; for ss habits: -tan).")
    boolean tcp;

    @Option(names = {"-n", "--numeric"}, description = "Numeric addresses and ports (always so).")
    boolean numeric;

    @Override
    public Integer call() throws Exception {
        final Path path = file != null ? file : StackFiles.conns(netns, tun);
        if (!Files.exists(path)) {
            throw new UserError(path + " does not exist: no stack is running" + (file != null ? " with that table."
                : " in netns " + netns + " (start one with tcpstack serve --netns " + netns
                + "), or give its table with --file."));
        }
        final Snapshot snapshot;
        try (ConnectionTableReader reader = open(path)) {
            final long pid = reader.pid();
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new UserError(path + " was left by process " + pid + ", which is not running: no stack is"
                    + " running (delete the file, or start tcpstack serve).");
            }
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIRST_TABLE_WAIT_MS);
            while (!reader.hasSnapshot() && System.nanoTime() - deadline < 0) {
                Thread.sleep(10); // a stack that has just started: its first table comes at its first duty cycle
            }
            snapshot = reader.read();
        } catch (final IllegalStateException e) {
            throw new UserError(e.getMessage() + ".");
        }
        final PrintWriter out = spec.commandLine().getOut();
        print(out, snapshot, listening ? Filter.LISTENING : all ? Filter.ALL : Filter.CONNECTED, !noHeader);
        final long ageMs = System.currentTimeMillis() - snapshot.publishedEpochMs();
        if (ageMs > 5000) {
            spec.commandLine().getErr().println("tcpstack: warning: this table was published " + ageMs / 1000
                + " s ago: is the stack thread stuck?");
        }
        out.flush();
        return 0;
    }

    private static ConnectionTableReader open(final Path path) {
        try {
            return ConnectionTableReader.open(path);
        } catch (final IllegalStateException e) {
            throw e;
        } catch (final Exception e) { // IoUtil rethrows an IOException unchecked
            throw new UserError("cannot read " + path + " (" + e + ").");
        }
    }

    /** Which rows, as ss's state filters: the default is its SS_CONN set. */
    enum Filter {
        CONNECTED, LISTENING, ALL;

        boolean shows(final TcpState s) {
            return switch (this) {
                case ALL -> true;
                case LISTENING -> s == TcpState.LISTEN;
                case CONNECTED -> s != TcpState.LISTEN && s != TcpState.TIME_WAIT && s != TcpState.SYN_RECEIVED
                    && s != TcpState.CLOSED;
            };
        }
    }

    private static final String[] HEADER = {"State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port",
        "RTT-ms", "RTO-ms", "Snd-Wnd", "Cwnd", "Details"};
    /** Columns aligned left (the rest right, as numbers). */
    private static final boolean[] LEFT = {true, false, false, true, true, false, false, false, false, true};

    static void print(final PrintWriter out, final Snapshot snapshot, final Filter filter, final boolean header) {
        final List<String[]> lines = new ArrayList<>();
        if (header) {
            lines.add(HEADER);
        }
        for (final Row r : snapshot.rows()) {
            if (filter.shows(r.state())) {
                lines.add(columns(r));
            }
        }
        final int[] width = new int[HEADER.length];
        for (final String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        for (final String[] line : lines) {
            final StringBuilder b = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                final boolean last = i == line.length - 1;
                final String pad = " ".repeat(width[i] - line[i].length());
                b.append(LEFT[i] ? line[i] + (last ? "" : pad) : pad + line[i]);
                if (!last) {
                    b.append("  ");
                }
            }
            out.println(b.toString().stripTrailing());
        }
        if (snapshot.omitted() > 0) {
            final int[] by = snapshot.omittedByKind();
            out.printf("truncated: %d more (%d listeners, %d connections, %d TIME-WAIT) not in the table,"
                + " which holds %d rows (serve --conns-rows)%n", snapshot.omitted(), by[0], by[1], by[2],
                snapshot.rows().size());
        }
    }

    static String[] columns(final Row r) {
        final String local = IpAddress.format(r.localAddress()) + ":" + r.localPort();
        if (r.state() == TcpState.LISTEN) {
            return new String[] {"LISTEN", Integer.toString(r.acceptQueued()), Integer.toString(r.acceptBacklog()),
                local, "0.0.0.0:*", "-", "-", "-", "-", "syn-q:" + r.halfOpen() + "/" + r.synBacklog()};
        }
        final String peer = IpAddress.format(r.remoteAddress()) + ":" + r.remotePort();
        final String timer = r.timer() == Timer.NONE ? ""
            : "timer:(" + r.timer().ssName() + "," + msTimer(TimeUnit.NANOSECONDS.toMillis(r.timerNs())) + ","
                + r.retries() + ")";
        if (r.state() == TcpState.TIME_WAIT) {
            return new String[] {"TIME-WAIT", "0", "0", local, peer, "-", "-", "-", "-", timer};
        }
        return new String[] {stateName(r.state()), Integer.toString(r.recvQ()), Integer.toString(r.sendQ()), local,
            peer, r.srttNs() == 0 ? "-" : String.format(Locale.ROOT, "%.3f", r.srttNs() / 1e6),
            Long.toString(TimeUnit.NANOSECONDS.toMillis(r.rtoNs())), Integer.toString(r.sendWindow()),
            r.hasCwnd() ? Integer.toString(r.cwnd()) : "-", ("mss:" + r.mss() + " " + timer).trim()};
    }

    /** ss's state names (iproute2 misc/ss.c, sstate_name). */
    static String stateName(final TcpState s) {
        return switch (s) {
            case ESTABLISHED -> "ESTAB";
            case SYN_SENT -> "SYN-SENT";
            case SYN_RECEIVED -> "SYN-RECV";
            case FIN_WAIT_1 -> "FIN-WAIT-1";
            case FIN_WAIT_2 -> "FIN-WAIT-2";
            case TIME_WAIT -> "TIME-WAIT";
            case CLOSED -> "UNCONN";
            case CLOSE_WAIT -> "CLOSE-WAIT";
            case LAST_ACK -> "LAST-ACK";
            case LISTEN -> "LISTEN";
            case CLOSING -> "CLOSING";
        };
    }

    /**
     * A timer's time left as ss writes it (iproute2 misc/ss.c, print_ms_timer, with the later
     * fix that writes "1.900sec" rather than "1.900ms"): "476ms", "1.900sec", "13sec", "2min".
     */
    static String msTimer(final long timeoutMs) {
        final long t = Math.max(0, timeoutMs);
        long secs = t / 1000;
        final long minutes = secs / 60;
        secs %= 60;
        long msecs = t % 1000;
        final StringBuilder b = new StringBuilder();
        if (minutes > 0) {
            msecs = 0;
            b.append(minutes).append("min");
            if (minutes > 9) {
                secs = 0;
            }
        }
        if (secs > 0) {
            if (secs > 9) {
                msecs = 0;
            }
            b.append(secs).append(msecs > 0 ? "." : "sec");
        }
        if (msecs > 0) {
            b.append(String.format(Locale.ROOT, "%03d", msecs)).append(secs > 0 ? "sec" : "ms");
        }
        return b.length() == 0 ? "0ms" : b.toString();
    }
}
