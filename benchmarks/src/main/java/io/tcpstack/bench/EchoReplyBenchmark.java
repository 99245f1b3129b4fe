package io.tcpstack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SystemNanoClock;
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

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;

/**
 * A ping in steady state, one per operation, all on one thread: the "host" end of a
 * {@link MemoryLink} writes an echo request into the stack's inbound ring, one
 * {@link TcpStack#doWork()} reads the clock, polls the ring, validates the packet, verifies
 * the ICMP checksum, builds the reply and writes it into the host's ring, and the host end
 * drains it. So one op = two ring writes, two ring reads and the stack's work (compare
 * {@link Ipv4ParseBenchmark#echoToNullLink} for the stack's work alone).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class EchoReplyBenchmark {
    /** ICMP echo data bytes: 56 (ping's default, 84-byte packet) and 1472 (a 1500-byte packet). */
    @Param({"56", "1472"})
    public int data;

    private StackCounters counters;
    private TcpStack stack;
    private MemoryLink host;
    private UnsafeBuffer request;
    private int requestLength;
    private int replyLength;
    private final FrameHandler onReply = this::onReply;

    @Setup(Level.Trial)
    public void setUp() {
        counters = StackCounters.inMemory();
        final MemoryLink[] ends = MemoryLink.pair(1500);
        host = ends[1];
        stack = new TcpStack(StackConfig.builder().localAddress(BenchPackets.STACK).build(), ends[0],
            SystemNanoClock.INSTANCE, counters, null);
        final byte[] bytes = BenchPackets.echoRequest(BenchPackets.HOST, BenchPackets.STACK, data);
        request = BenchPackets.direct(bytes, 0);
        requestLength = bytes.length;
        if (ping() != requestLength) {
            throw new IllegalStateException("no echo reply of " + requestLength + " bytes: " + counters.snapshot());
        }
    }

    @TearDown(Level.Trial)
    public void check() {
        final long requests = counters.get("icmp.echo.requests");
        final long replies = counters.get("icmp.echo.replies");
        if (requests != replies || host.dropped() != 0) {
            throw new IllegalStateException("lost replies: " + counters.snapshot());
        }
        stack.onClose();
        counters.close();
    }

    private void onReply(final MutableDirectBuffer buffer, final int offset, final int length) {
        replyLength = length;
    }

    @Benchmark
    public int ping() {
        replyLength = 0;
        host.send(request, 0, requestLength);
        stack.doWork();
        // A second poll when the first found nothing: Agrona's read() stops at the padding
        // record at the ring's wrap and returns 0 with the reply still behind it. With a
        // single poll(1) that reply would stay queued and the backlog grow by one per wrap.
        if (host.poll(onReply, 64) == 0) {
            host.poll(onReply, 64);
        }
        return replyLength;
    }
}
