package io.tcpstack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.tcpstack.ip.Icmp;
import io.tcpstack.ip.Ipv4Input;
import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.ip.Reassembler;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.api.StackConfig;
import io.tcpstack.tcp.TcpLayer;

/**
 * One echo-request packet handed straight to {@link Ipv4Input#onFrame} (no link, no ring):
 * <ul>
 * <li>{@code notForUs}: addressed to 10.7.0.9, so every check runs (length, version, IHL,
 *     total length, header checksum) and the packet is dropped at the destination check,
 *     counted as {@code ip.rx.not_for_us}: the cost of IPv4 validation alone;</li>
 * <li>{@code echoToNullLink}: addressed to the stack, so it is also delivered to ICMP, whose
 *     checksum is verified over the whole message, the reply is copied into the output
 *     buffer, given a header and "sent" on a {@link NullLink}: the stack's whole per-ping
 *     work without the ring either side.</li>
 * </ul>
 * The counters are checked at tear-down, so a benchmark cannot silently measure the wrong path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class Ipv4ParseBenchmark {
    /** ICMP echo data bytes (ping -s); 56 is ping's default (an 84-byte packet). */
    @Param({"56"})
    public int data;

    private StackCounters counters;
    private NullLink link;
    private Ipv4Input input;
    private UnsafeBuffer notForUs;
    private UnsafeBuffer forUs;
    private int notForUsLength;
    private int forUsLength;

    @Setup(Level.Trial)
    public void setUp() {
        counters = StackCounters.inMemory();
        link = new NullLink(1500);
        final Ipv4Output output = new Ipv4Output(BenchPackets.STACK, link, 1500, counters, null);
        final Reassembler reassembler = new Reassembler(64, TimeUnit.SECONDS.toNanos(30), counters);
        final Icmp icmp = new Icmp(output, 1000, 50, counters);
        final TcpLayer tcp = new TcpLayer(StackConfig.builder().localAddress(BenchPackets.STACK).build(), output,
            counters, 1);
        input = new Ipv4Input(BenchPackets.STACK, reassembler, icmp, tcp, counters, null);
        input.now(1);
        final byte[] other = BenchPackets.echoRequest(BenchPackets.HOST, BenchPackets.OTHER, data);
        final byte[] ours = BenchPackets.echoRequest(BenchPackets.HOST, BenchPackets.STACK, data);
        notForUs = BenchPackets.direct(other, 0);
        notForUsLength = other.length;
        forUs = BenchPackets.direct(ours, 0);
        forUsLength = ours.length;
    }

    @TearDown(Level.Trial)
    public void check() {
        final long packets = counters.get("ip.rx.packets");
        final long dropped = counters.get("ip.rx.not_for_us");
        final long replies = counters.get("icmp.echo.replies");
        if (packets == 0 || packets != dropped + replies) {
            throw new IllegalStateException("unexpected path: " + counters.snapshot());
        }
        counters.close();
    }

    @Benchmark
    public void notForUs() {
        input.onFrame(notForUs, 0, notForUsLength);
    }

    @Benchmark
    public long echoToNullLink() {
        input.onFrame(forUs, 0, forUsLength);
        return link.sent;
    }
}
