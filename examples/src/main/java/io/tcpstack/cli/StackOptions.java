package io.tcpstack.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.SynCookies;
import io.tcpstack.wire.IpAddress;
import picocli.CommandLine.Option;

/**
 * The options every command that runs a stack on a TUN shares ({@code serve}, {@code get}),
 * and their checking: every bad value becomes one line and exit code 2.
 */
final class StackOptions {
    private static final Pattern NETNS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;

    @Option(names = "--netns", paramLabel = "NS", defaultValue = "tcpstack",
        description = "Network namespace for the TUN (created if absent, then deleted at exit; an existing one is used "
            + "and left in place). Default: ${DEFAULT-VALUE}.")
    String netns;

    @Option(names = "--no-netns", description = "Put the TUN in the current namespace (you configure routing yourself).")
    boolean noNetns;

    @Option(names = "--tun", paramLabel = "NAME", defaultValue = "tun0",
        description = "TUN device name. Default: ${DEFAULT-VALUE}.")
    String tun;

    @Option(names = "--host-addr", paramLabel = "A/P", defaultValue = "10.7.0.1/24",
        description = "The kernel's address on the TUN, with prefix length. Default: ${DEFAULT-VALUE}.")
    String hostAddr;

    @Option(names = "--stack-addr", paramLabel = "A", defaultValue = "10.7.0.2",
        description = "The stack's own address (in the host address's subnet). Default: ${DEFAULT-VALUE}.")
    String stackAddr;

    @Option(names = "--mtu", paramLabel = "N", defaultValue = "1500",
        description = "Interface MTU, 68..65535. Default: ${DEFAULT-VALUE}.")
    int mtu;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Write every packet in and out to FILE (pcap, LINKTYPE_RAW).")
    Path pcap;

    @Option(names = "--counters", paramLabel = "FILE",
        description = "Memory-mapped counters file (default /dev/shm/tcpstack/NS.counters; NS-TUN.counters "
            + "for a TUN other than tun0).")
    Path counters;

    @Option(names = "--conns", paramLabel = "FILE",
        description = "Memory-mapped connection table for 'tcpstack ss' (default /dev/shm/tcpstack/NS.conns; "
            + "NS-TUN.conns for a TUN other than tun0).")
    Path conns;

    @Option(names = "--conns-period", paramLabel = "MS", defaultValue = "100",
        description = "Publish the connection table at most every MS milliseconds, 1..60000; 0: not at all. Default: ${DEFAULT-VALUE}.")
    long connsPeriodMs;

    @Option(names = "--conns-rows", paramLabel = "N", defaultValue = "4096",
        description = "Rows the connection table holds, 1..1000000; the rest are counted. Default: ${DEFAULT-VALUE}.")
    int connsRows;

    @Option(names = "--msl", paramLabel = "SECONDS", defaultValue = "30",
        description = "Maximum segment lifetime; TIME-WAIT lasts 2 x MSL. Default: ${DEFAULT-VALUE}.")
    double mslSeconds;

    @Option(names = "--syn-backlog", paramLabel = "N", defaultValue = "1024",
        description = "Half-open connections (SYN-RECEIVED) per listener, 1..1000000. Default: ${DEFAULT-VALUE}.")
    int synBacklog;

    @Option(names = "--accept-backlog", paramLabel = "N", defaultValue = "4096",
        description = "Established connections per listener not yet accepted, 1..1000000. Default: ${DEFAULT-VALUE}.")
    int acceptBacklog;

    @Option(names = "--syn-cookies", paramLabel = "MODE", defaultValue = "on",
        description = "SYN cookies: off, on (only while a SYN backlog is full), always. Default: ${DEFAULT-VALUE}.")
    String synCookies;

    @Option(names = "--syn-ack-retries", paramLabel = "N", defaultValue = "5",
        description = "SYN-ACK retransmissions before a half-open connection expires, 0..15. Default: ${DEFAULT-VALUE}.")
    int synAckRetries;

    @Option(names = "--accept-overflow", paramLabel = "ACTION", defaultValue = "drop",
        description = "A completing ACK when the accept queue is full: drop (the client retries) or reset. Default: ${DEFAULT-VALUE}.")
    String acceptOverflow;

    @Option(names = "--cc", paramLabel = "ALGORITHM", defaultValue = "newreno",
        description = "Congestion control: newreno (RFC 5681/6582) or cubic (RFC 9438). Default: ${DEFAULT-VALUE}.")
    String cc;

    @Option(names = "--impair", paramLabel = "SPEC",
        description = "Lose, duplicate, reorder and delay packets both ways between the TUN and the stack, as "
            + "tc netem would, for experiments and tests under loss: e.g. "
            + "loss=1%%,duplicate=1%%,reorder=5%%,delay=1ms,jitter=200us,seed=7 (times in ns, us, ms or s; "
            + "limit=N: packets each way's delay holds, default 1000). Off by default.")
    String impair;

    @Option(names = "--offload", paramLabel = "on|off", defaultValue = "on",
        description = "TUN offloads: open the TUN with a virtio-net header and checksum + TSO4 offloads, so the "
            + "kernel hands over TCP packets of up to 64 KiB with checksums the stack need not verify. "
            + "Default: ${DEFAULT-VALUE}.")
    String offload;

    @Option(names = "--recovery-probe", paramLabel = "on|off", defaultValue = "off",
        description = "In SACK loss recovery, resend the highest segment once when no ACK has come for a probe "
            + "timeout (2 SRTT, at least 10 ms) instead of waiting for the RTO: beyond RFC 8985, which arms no "
            + "probe in recovery. Default: ${DEFAULT-VALUE}.")
    String recoveryProbe;

    @Option(names = "--idle", paramLabel = "STRATEGY", defaultValue = "wake",
        description = "Stack thread idle strategy: wake (park until a packet arrives), backoff, yield, spin, sleep. "
            + "Default: ${DEFAULT-VALUE}.")
    String idle;

    /** Checked, parsed settings; every user error becomes a one-line {@link UserError}. */
    record Settings(String netns, String tun, int hostAddress, int prefixLength, int stackAddress, int mtu,
        Path pcap, Path counters, String idle, long mslNs, Listening listening, ConnTable conns,
        io.tcpstack.link.ImpairedLink.Impairment impair, StackConfig.CongestionControlKind cc, boolean offload,
        boolean recoveryProbe) {
        String where() {
            return netns == null ? "in the current netns" : "in netns " + netns;
        }
    }

    /** The listener defences (issue 6, RFC 4987). */
    record Listening(int synBacklog, int acceptBacklog, SynCookies synCookies, int synAckRetries,
        boolean resetOnAcceptOverflow) {
        StackConfig.Builder applyTo(final StackConfig.Builder b) {
            return b.synBacklog(synBacklog).acceptBacklog(acceptBacklog).synCookies(synCookies)
                .synAckRetries(synAckRetries).resetOnAcceptOverflow(resetOnAcceptOverflow);
        }
    }

    /**
     * The connection table for {@code tcpstack ss}: where, whether the file stays after exit (if
     * the user chose it), how often it is published (0: never) and how many rows it holds.
     */
    record ConnTable(Path file, boolean keep, long periodNs, int rows) {
    }

    private StackConfig.CongestionControlKind congestionControl() {
        try {
            return StackConfig.CongestionControlKind.parse(cc);
        } catch (final IllegalArgumentException e) {
            throw new UserError("--cc " + e.getMessage() + ".", 2);
        }
    }

    private io.tcpstack.link.ImpairedLink.Impairment impairment() {
        if (impair == null) {
            return null;
        }
        try {
            return io.tcpstack.link.ImpairedLink.Impairment.parse(impair);
        } catch (final IllegalArgumentException e) {
            throw new UserError("--impair " + e.getMessage() + ".", 2);
        }
    }

    /** True if the user chose the counters file (then it is kept after exit). */
    boolean countersGiven() {
        return counters != null;
    }

    Settings validate() {
        if (!noNetns && !NETNS_NAME.matcher(netns).matches()) {
            throw new UserError("--netns '" + netns + "': invalid name (letters, digits, '_', '.', '-'; at most 64).", 2);
        }
        if (!IFNAME.matcher(tun).matches()) {
            throw new UserError("--tun '" + tun + "': invalid interface name (at most 15 of letters, digits, '_', '.', '-').", 2);
        }
        final int slash = hostAddr.indexOf('/');
        if (slash < 0) {
            throw new UserError("--host-addr '" + hostAddr + "': expected ADDRESS/PREFIX, e.g. 10.7.0.1/24.", 2);
        }
        final int host = parseAddress("--host-addr", hostAddr.substring(0, slash));
        final int prefix;
        try {
            prefix = Integer.parseInt(hostAddr.substring(slash + 1));
        } catch (final NumberFormatException e) {
            throw new UserError("--host-addr '" + hostAddr + "': invalid prefix length (expected 1..30).", 2);
        }
        if (prefix < 1 || prefix > 30) {
            throw new UserError("--host-addr '" + hostAddr + "': prefix length " + prefix + " out of range (1..30).", 2);
        }
        final int stack = parseAddress("--stack-addr", stackAddr);
        if (stack == host) {
            throw new UserError("--stack-addr " + stackAddr + ": must differ from the host address.", 2);
        }
        if (!IpAddress.sameSubnet(host, stack, prefix)) {
            throw new UserError("--stack-addr " + stackAddr + ": not in " + hostAddr
                + "'s subnet, so the kernel would not route it into the TUN.", 2);
        }
        if (mtu < StackConfig.MIN_MTU || mtu > StackConfig.MAX_MTU) {
            throw new UserError("--mtu " + mtu + ": out of range (" + StackConfig.MIN_MTU + ".." + StackConfig.MAX_MTU + ").", 2);
        }
        idleStrategy(idle); // throws for an unknown name
        if (!(mslSeconds > 0 && mslSeconds <= 3600)) {
            throw new UserError("--msl " + mslSeconds + ": out of range (0..3600 seconds, not 0).", 2);
        }
        if (synBacklog < 1 || synBacklog > 1_000_000) {
            throw new UserError("--syn-backlog " + synBacklog + ": out of range (1..1000000).", 2);
        }
        if (acceptBacklog < 1 || acceptBacklog > 1_000_000) {
            throw new UserError("--accept-backlog " + acceptBacklog + ": out of range (1..1000000).", 2);
        }
        final SynCookies cookies;
        try {
            cookies = SynCookies.parse(synCookies);
        } catch (final IllegalArgumentException e) {
            throw new UserError("--syn-cookies " + e.getMessage() + ".", 2);
        }
        if (synAckRetries < 0 || synAckRetries > 15) {
            throw new UserError("--syn-ack-retries " + synAckRetries + ": out of range (0..15).", 2);
        }
        if (!acceptOverflow.equals("drop") && !acceptOverflow.equals("reset")) {
            throw new UserError("--accept-overflow '" + acceptOverflow + "': expected drop or reset.", 2);
        }
        final Listening listening = new Listening(synBacklog, acceptBacklog, cookies, synAckRetries,
            acceptOverflow.equals("reset"));
        if (connsPeriodMs < 0 || connsPeriodMs > 60_000) {
            throw new UserError("--conns-period " + connsPeriodMs + ": out of range (0..60000 ms; 0: do not publish).", 2);
        }
        if (connsRows < 1 || connsRows > 1_000_000) {
            throw new UserError("--conns-rows " + connsRows + ": out of range (1..1000000).", 2);
        }
        if (!offload.equals("on") && !offload.equals("off")) {
            throw new UserError("--offload '" + offload + "': expected on or off.", 2);
        }
        if (!recoveryProbe.equals("on") && !recoveryProbe.equals("off")) {
            throw new UserError("--recovery-probe '" + recoveryProbe + "': expected on or off.", 2);
        }
        final String ns = noNetns ? null : netns;
        final Path countersFile = counters != null ? counters : StackFiles.counters(ns, tun);
        final ConnTable connTable = new ConnTable(conns != null ? conns : StackFiles.conns(ns, tun),
            conns != null, TimeUnit.MILLISECONDS.toNanos(connsPeriodMs), connsRows);
        return new Settings(ns, tun, host, prefix, stack, mtu, pcap, countersFile, idle,
            (long) (mslSeconds * 1_000_000_000L), listening, connTable, impairment(), congestionControl(),
            offload.equals("on"), recoveryProbe.equals("on"));
    }

    private static int parseAddress(final String option, final String text) {
        try {
            return IpAddress.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UserError(option + " " + e.getMessage() + ".", 2);
        }
    }

    /**
     * The stack thread's idle strategy; {@code wake} needs the stack (it parks until a packet
     * or task arrives), the others do not.
     */
    static IdleStrategy idleStrategy(final String name, final io.tcpstack.api.TcpStack stack) {
        if (name.equals("wake")) {
            // Spin 50 µs after the last packet before parking: an answer (the next ping, the
            // next request on a connection) often comes sooner, and a wake-up from a park on
            // an idle core costs ~30 µs (bench-ping p50: 33 µs parked at once, ~6 µs this way).
            return stack.wakeableIdleStrategy(100, TimeUnit.MICROSECONDS.toNanos(50), 10,
                TimeUnit.MILLISECONDS.toNanos(1));
        }
        return idleStrategy(name);
    }

    static IdleStrategy idleStrategy(final String name) {
        return switch (name) {
            case "wake" -> null; // checked here, built by idleStrategy(name, stack)
            case "backoff" -> new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MICROSECONDS.toNanos(100));
            case "yield" -> new YieldingIdleStrategy();
            case "spin" -> new BusySpinIdleStrategy();
            case "sleep" -> new SleepingMillisIdleStrategy(1);
            default -> throw new UserError("--idle " + name + ": unknown (wake, backoff, yield, spin, sleep).", 2);
        };
    }

    /** Fails with a message saying what to do when this process may not create TUN devices. */
    static void checkPrivileges(final boolean needsNamespace) {
        final long caps = effectiveCapabilities();
        if ((caps & (1L << CAP_NET_ADMIN)) == 0) {
            throw new UserError("creating a TUN device needs CAP_NET_ADMIN: run as root (sudo) or grant the capability.");
        }
        if (needsNamespace && (caps & (1L << CAP_SYS_ADMIN)) == 0) {
            throw new UserError("entering a network namespace needs CAP_SYS_ADMIN: run as root (sudo), or use --no-netns.");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            throw new UserError("/dev/net/tun does not exist: load the tun module (modprobe tun) or run where TUN devices are available.");
        }
    }

    private static long effectiveCapabilities() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (final java.io.IOException e) {
            return -1L; // cannot tell: let the system calls speak
        }
        return -1L;
    }

}
