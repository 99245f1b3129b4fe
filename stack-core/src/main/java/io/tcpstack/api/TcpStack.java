package io.tcpstack.api;

import java.util.function.Supplier;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

import io.tcpstack.ip.Icmp;
import io.tcpstack.ip.Ipv4Input;
import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.ip.Reassembler;
import io.tcpstack.link.PacketLink;
import io.tcpstack.link.PcapWriter;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.Listener;
import io.tcpstack.tcp.TcpLayer;

/**
 * One stack instance: an Agrona {@link Agent} whose duty cycle drains a bounded batch of
 * packets from the link, processes each to completion (replies are built and sent in the
 * same call), and then runs due timers. Run it under an {@code AgentRunner} on its own
 * thread, or call {@link #doWork()} directly in simulated-time tests.
 *
 * <p>Single writer: every table, buffer and timer of the stack belongs to the thread that
 * calls {@link #doWork()}. Time comes from the injected {@link NanoClock}, read once per
 * duty cycle.
 */
public final class TcpStack implements Agent {
    private final StackConfig config;
    private final PacketLink link;
    private final NanoClock clock;
    private final PcapWriter pcap;
    private final Reassembler reassembler;
    private final Ipv4Input input;
    private final TcpLayer tcp;
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(1024);
    private volatile WakeableIdleStrategy wakeable;

    /**
     * @param counters where the stack allocates its counters (the caller closes them)
     * @param pcap     records every packet in and out, or {@code null}; the stack closes it
     */
    public TcpStack(final StackConfig config, final PacketLink link, final NanoClock clock,
        final StackCounters counters, final PcapWriter pcap) {
        this.config = config;
        this.link = link;
        this.clock = clock;
        this.pcap = pcap;
        final Ipv4Output output = new Ipv4Output(config.localAddress(), link, config.mtu(), counters, pcap);
        this.reassembler = new Reassembler(config.reassemblyMaxDatagrams(), config.reassemblyTimeoutNs(), counters);
        final Icmp icmp = new Icmp(output, config.icmpErrorsPerSecond(), config.icmpErrorBurst(), counters);
        this.tcp = new TcpLayer(config, output, counters, clock.nanoTime());
        this.input = new Ipv4Input(config.localAddress(), reassembler, icmp, tcp, counters, pcap);
    }

    @Override
    public int doWork() {
        final long nowNs = clock.nanoTime();
        input.now(nowNs);
        int work = tasks.drain(Runnable::run, 64);
        work += link.poll(input, config.framesPerCycle());
        work += tcp.pollTimers(nowNs);
        final long deadlineNs = reassembler.nextDeadlineNs();
        if (deadlineNs != Long.MAX_VALUE && nowNs - deadlineNs >= 0) {
            work += reassembler.expire(nowNs);
        }
        if (work == 0 && pcap != null && pcap.hasPending()) {
            pcap.flush(); // idle: let readers of the pcap file see what happened
        }
        return work;
    }

    /** The earliest time at which {@link #doWork()} has timer work, or {@link Long#MAX_VALUE}. */
    public long nextDeadlineNs() {
        return Math.min(reassembler.nextDeadlineNs(), tcp.nextDeadlineNs());
    }

    /**
     * Listens on a port (RFC 9293 passive OPEN); each connection that completes its handshake
     * gets a handler from {@code handlers}. The SYN backlog is {@link StackConfig#synBacklog()};
     * SYN cookies as {@link StackConfig#synCookies()} says. Call on the stack thread, or
     * before the stack runs.
     *
     * @param backlog the accept queue's bound, as POSIX {@code listen()}'s (RFC 4987 §2): for an
     *                event-style listener connections are taken as they complete, so it only
     *                matters to adapters that queue them (see {@link Listener#acceptQueueDepth})
     * @throws IllegalStateException if the port already has a listener
     */
    public Listener listen(final int port, final int backlog, final Supplier<TcpHandler> handlers) {
        return tcp.listen(port, backlog, handlers);
    }

    /** Listens with the configured SYN backlog and accept backlog ({@link StackConfig#acceptBacklog()}). */
    public Listener listen(final int port, final Supplier<TcpHandler> handlers) {
        return tcp.listen(port, handlers);
    }

    /** Listens with both queue bounds given: half-open connections, and completed ones not yet accepted. */
    public Listener listen(final int port, final int synBacklog, final int acceptBacklog,
        final Supplier<TcpHandler> handlers) {
        return tcp.listen(port, synBacklog, acceptBacklog, handlers);
    }

    /** Stops listening (RFC 9293 §3.10.4); established connections stay. Stack thread. */
    public void closeListener(final Listener listener) {
        tcp.closeListener(listener);
    }

    /**
     * Opens a connection (RFC 9293 active OPEN) from an ephemeral port. Call on the stack
     * thread (e.g. from a task given to {@link #submit}).
     *
     * @return the connection (in SYN-SENT), or null if no ephemeral port is free
     */
    public Connection connect(final int remoteAddress, final int remotePort, final TcpHandler handler) {
        return tcp.connect(remoteAddress, remotePort, handler);
    }

    /**
     * Runs {@code task} on the stack thread at its next duty cycle. Safe from any thread.
     *
     * @return false if the task queue (1024) is full
     */
    public boolean submit(final Runnable task) {
        final boolean taken = tasks.offer(task);
        final WakeableIdleStrategy idle = wakeable;
        if (taken && idle != null) {
            idle.wake();
        }
        return taken;
    }

    /**
     * An idle strategy for the thread that runs this stack which parks when there is
     * nothing to do and is woken at once by an arriving packet (if the link can tell, as
     * the TUN link does) or a submitted task, and parks no longer than until a packet the
     * link holds back falls due ({@link PacketLink#nextDueNs()}). One per stack.
     *
     * @param maxParkNs longest park, so timers run (they have 1 ms resolution anyway)
     */
    public synchronized WakeableIdleStrategy wakeableIdleStrategy(final int spins, final int yields,
        final long maxParkNs) {
        return wakeableIdleStrategy(spins, 0, yields, maxParkNs);
    }

    /**
     * As {@link #wakeableIdleStrategy(int, int, long)}, spinning for at least {@code spinNs}
     * after the last work before yielding and parking.
     */
    public synchronized WakeableIdleStrategy wakeableIdleStrategy(final int spins, final long spinNs,
        final int yields, final long maxParkNs) {
        if (wakeable != null) {
            throw new IllegalStateException("the stack already has its wakeable idle strategy");
        }
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(spins, spinNs, yields, maxParkNs,
            () -> !tasks.isEmpty() || link.hasPending(), this::nsUntilLinkDue);
        link.onArrival(idle::wake);
        wakeable = idle;
        return idle;
    }

    /** Nanoseconds until the link's next delayed packet falls due, {@link Long#MAX_VALUE} if none. */
    private long nsUntilLinkDue() {
        final long dueNs = link.nextDueNs();
        return dueNs == Long.MAX_VALUE ? Long.MAX_VALUE : dueNs - clock.nanoTime();
    }

    /** The TCP layer, for tests and tools on the stack thread. */
    public TcpLayer tcp() {
        return tcp;
    }

    /** Datagrams being reassembled now. */
    public int reassembliesInProgress() {
        return reassembler.inProgress();
    }

    @Override
    public void onClose() {
        tcp.closeAll();
        if (pcap != null) {
            pcap.close();
        }
    }

    @Override
    public String roleName() {
        return "tcpstack";
    }
}
