package io.tcpstack.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.PcapWriter;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tun.NetNamespace;
import io.tcpstack.tun.TunConfig;
import io.tcpstack.tun.TunException;
import io.tcpstack.tun.TunLink;
import io.tcpstack.wire.IpAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpstack serve}: creates (or joins) a network namespace, puts a TUN device in it,
 * runs the stack on it until SIGINT or SIGTERM, then removes what it created and prints
 * its counters. The options, the {@code ready:} line and the clean exit 0 on a signal are
 * a contract that users' scripts rely on.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Run the stack on a TUN device until SIGINT/SIGTERM.",
        "Prints 'ready: stack ADDR on TUN in netns NS' once it serves."})
final class ServeCommand implements Callable<Integer> {
    private static final Pattern NETNS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;

    @Spec
    CommandSpec spec;

    @Option(names = "--netns", paramLabel = "NS", defaultValue = "tcpstack",
        description = "Network namespace for the TUN (created if absent, then deleted at exit). Default: ${DEFAULT-VALUE}.")
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
        description = "Memory-mapped counters file (default /dev/shm/tcpstack/NS.counters).")
    Path counters;

    @Option(names = "--idle", paramLabel = "STRATEGY", defaultValue = "backoff",
        description = "Stack thread idle strategy: backoff, yield, spin, sleep. Default: ${DEFAULT-VALUE}.")
    String idle;

    /** Checked, parsed settings; every user error becomes a one-line {@link UserError}. */
    record Settings(String netns, String tun, int hostAddress, int prefixLength, int stackAddress, int mtu,
        Path pcap, Path counters, String idle) {
        String where() {
            return netns == null ? "in the current netns" : "in netns " + netns;
        }
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
        final String ns = noNetns ? null : netns;
        final Path countersFile = counters != null ? counters
            : Path.of("/dev/shm/tcpstack", (ns == null ? "root-" + tun : ns) + ".counters");
        return new Settings(ns, tun, host, prefix, stack, mtu, pcap, countersFile, idle);
    }

    private static int parseAddress(final String option, final String text) {
        try {
            return IpAddress.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UserError(option + " " + e.getMessage() + ".", 2);
        }
    }

    static IdleStrategy idleStrategy(final String name) {
        return switch (name) {
            case "backoff" -> new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MICROSECONDS.toNanos(100));
            case "yield" -> new YieldingIdleStrategy();
            case "spin" -> new BusySpinIdleStrategy();
            case "sleep" -> new SleepingMillisIdleStrategy(1);
            default -> throw new UserError("--idle " + name + ": unknown (backoff, yield, spin, sleep).", 2);
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

    @Override
    public Integer call() throws Exception {
        final Settings s = validate();
        checkPrivileges(s.netns() != null);
        final PrintWriter out = spec.commandLine().getOut();
        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        final long startNs = clock.nanoTime();

        final PcapWriter pcapWriter = openPcap(s.pcap(), startNs);
        boolean createdNamespace = false;
        TunLink link = null;
        StackCounters stackCounters = null;
        AgentRunner runner = null;
        boolean stackOwnsPcap = false;
        try {
            if (s.netns() != null && !NetNamespace.exists(s.netns())) {
                NetNamespace.create(s.netns());
                createdNamespace = true;
            }
            stackCounters = openCounters(s.counters());
            final TunConfig tunConfig = new TunConfig(s.netns(), s.tun(), s.hostAddress(), s.prefixLength(), s.mtu());
            link = TunLink.open(tunConfig, stackCounters);

            final StackConfig config = StackConfig.builder().localAddress(s.stackAddress()).mtu(s.mtu()).build();
            final TcpStack stack = new TcpStack(config, link, clock, stackCounters, pcapWriter);
            stackOwnsPcap = true; // closed by the agent's onClose
            final AtomicCounter errors = stackCounters.newCounter("stack.errors");
            runner = new AgentRunner(idleStrategy(s.idle()), ex -> {
                System.err.println("tcpstack: error on the stack thread (a bug; please report):");
                ex.printStackTrace();
            }, errors, stack);

            final CountDownLatch stop = new CountDownLatch(1);
            Signals.onStop(stop::countDown);
            AgentRunner.startOnThread(runner, r -> new Thread(r, "tcpstack-stack"));

            out.println("ready: stack " + IpAddress.format(s.stackAddress()) + " on " + s.tun() + " " + s.where());
            out.flush();
            stop.await();

            runner.close();
            runner = null;
            link.close();
            link = null;
            printSummary(out, stackCounters.snapshot(), clock.nanoTime() - startNs);
            return 0;
        } catch (final TunException e) {
            throw new UserError(e.getMessage());
        } finally {
            if (runner != null) {
                runner.close();
            } else if (pcapWriter != null && !stackOwnsPcap) {
                pcapWriter.close();
            }
            if (link != null) {
                link.close();
            }
            if (stackCounters != null) {
                stackCounters.close();
                if (counters == null) {
                    Files.deleteIfExists(s.counters());
                }
            }
            if (createdNamespace) {
                NetNamespace.delete(s.netns());
            }
        }
    }

    private static PcapWriter openPcap(final Path file, final long nowNs) {
        if (file == null) {
            return null;
        }
        try {
            return PcapWriter.create(file, nowNs);
        } catch (final UncheckedIOException e) {
            throw new UserError("--pcap " + file + ": cannot write the file (" + describe(e.getCause())
                + "): choose a writable path.");
        }
    }

    private static String describe(final java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }

    private static StackCounters openCounters(final Path file) {
        try {
            return StackCounters.mapped(file);
        } catch (final RuntimeException e) {
            throw new UserError("--counters " + file + ": cannot create the counters file (" + e.getMessage()
                + "): choose a writable path.");
        }
    }

    private static void printSummary(final PrintWriter out, final Map<String, Long> values, final long elapsedNs) {
        out.printf("stopped after %.1f s; counters (non-zero):%n", elapsedNs / 1e9);
        values.forEach((name, value) -> {
            if (value != 0) {
                out.printf("  %-32s %,d%n", name, value);
            }
        });
        out.flush();
    }
}
