package io.tcpstack.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.PcapWriter;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.ConnectionTableWriter;
import io.tcpstack.tun.NetNamespace;
import io.tcpstack.tun.TunConfig;
import io.tcpstack.tun.TunException;
import io.tcpstack.tun.TunLink;

/**
 * Runs a stack on a TUN for a command: checks privileges, opens the pcap file, creates the
 * namespace if absent, opens the TUN and the counters, starts the stack thread (with the
 * connection-table writer for {@code tcpstack ss} on the same thread), runs the command's
 * body, then stops and removes everything it created, in that reverse order, whatever
 * happened.
 */
final class StackRunner {
    /** What the command does while the stack runs; returns the exit code. */
    @FunctionalInterface
    interface Body {
        int run(TcpStack stack, CountDownLatch stop) throws Exception;
    }

    private StackRunner() {
    }

    static int run(final StackOptions.Settings s, final boolean keepCountersFile, final Consumer<TcpStack> setUp,
        final Body body, final PrintWriter out, final boolean printSummary) throws Exception {
        StackOptions.checkPrivileges(s.netns() != null);
        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        final long startNs = clock.nanoTime();

        final PcapWriter pcapWriter = openPcap(s.pcap(), startNs);
        boolean createdNamespace = false;
        TunLink link = null;
        StackCounters stackCounters = null;
        ConnectionTableWriter conns = null;
        AgentRunner runner = null;
        JvmGauges gauges = null;
        boolean stackOwnsPcap = false;
        try {
            if (s.netns() != null && !NetNamespace.exists(s.netns())) {
                NetNamespace.create(s.netns());
                createdNamespace = true;
            }
            stackCounters = openCounters(s.counters());
            final TunConfig tunConfig = new TunConfig(s.netns(), s.tun(), s.hostAddress(), s.prefixLength(), s.mtu(),
                s.offload());
            link = TunLink.open(tunConfig, stackCounters);

            final StackConfig config = s.listening().applyTo(StackConfig.builder()).localAddress(s.stackAddress())
                .mtu(s.mtu()).mslNs(s.mslNs()).congestionControl(s.cc())
                .recoveryProbe(s.recoveryProbe()).build();
            final io.tcpstack.link.PacketLink stackLink = s.impair() == null ? link
                : new io.tcpstack.link.ImpairedLink(link, s.impair(), clock, stackCounters);
            final TcpStack stack = new TcpStack(config, stackLink, clock, stackCounters, pcapWriter);
            stackOwnsPcap = true; // closed by the agent's onClose
            setUp.accept(stack);
            if (s.conns().periodNs() > 0) {
                conns = openConnectionTable(s, stack, clock);
            }
            // The table writer runs in the stack's duty cycle, on its thread: the tables' only reader.
            final Agent agent = conns == null ? stack : new CompositeAgent(stack, conns);
            final AtomicCounter errors = stackCounters.newCounter("stack.errors");
            gauges = new JvmGauges(stackCounters).start();
            runner = new AgentRunner(StackOptions.idleStrategy(s.idle(), stack), ex -> {
                System.err.println("tcpstack: error on the stack thread (a bug; please report):");
                ex.printStackTrace();
            }, errors, agent);
            AgentRunner.startOnThread(runner, r -> new Thread(r, "tcpstack-stack"));

            final int exitCode = body.run(stack, new CountDownLatch(1));

            runner.close();
            runner = null;
            link.close();
            link = null;
            if (printSummary) {
                printSummary(out, stackCounters.snapshot(), clock.nanoTime() - startNs);
            }
            return exitCode;
        } catch (final TunException e) {
            throw new UserError(e.getMessage());
        } finally {
            if (gauges != null) {
                gauges.close();
            }
            if (runner != null) {
                runner.close();
            } else if (pcapWriter != null && !stackOwnsPcap) {
                pcapWriter.close();
            }
            if (link != null) {
                link.close();
            }
            if (conns != null) {
                conns.close(); // idempotent: the agent's onClose has closed it if the thread ran
                if (!s.conns().keep()) {
                    Files.deleteIfExists(s.conns().file());
                }
            }
            if (stackCounters != null) {
                stackCounters.close();
                if (!keepCountersFile) {
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

    private static ConnectionTableWriter openConnectionTable(final StackOptions.Settings s, final TcpStack stack,
        final SystemNanoClock clock) {
        try {
            return ConnectionTableWriter.create(s.conns().file(), stack.tcp(), s.stackAddress(), s.conns().rows(),
                s.conns().periodNs(), clock, SystemEpochClock.INSTANCE);
        } catch (final Exception e) { // IoUtil rethrows an IOException unchecked
            throw new UserError("--conns " + s.conns().file() + ": cannot create the connection table (" + e.getMessage()
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
