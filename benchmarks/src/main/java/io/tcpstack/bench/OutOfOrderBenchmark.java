package io.tcpstack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.tcpstack.api.StackConfig;

/**
 * Reordering on an established connection, two full-size (1460-byte) segments per
 * operation: the second segment of a pair arrives first (RFC 9293 §3.10.7.4: kept in
 * place in the receive ring as an out-of-order range, and a duplicate ACK sent at once,
 * RFC 5681 §4.2), then the first fills the gap (RCV.NXT advances over both, the
 * application takes 2920 bytes, and the ACK goes at once). Compare with two
 * {@code TcpSegmentBenchmark.inOrderDataSegment}: the difference is the reordering's cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class OutOfOrderBenchmark {
    private static final int MSS = 1460;
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;

    private BenchStack stack;
    private UnsafeBuffer ahead;
    private UnsafeBuffer gapFill;
    private int peerSeq;
    private long delivered;
    private long pairs;
    private long sentAfterSetup;

    @Setup(Level.Trial)
    public void setUp() {
        stack = new BenchStack(StackConfig.builder().localAddress(BenchPackets.STACK).build(), 1);
        stack.tcp.listen(PORT, 16, () -> (c, buffer, offset, length) -> {
            delivered += length;
            return length;
        });
        final int stackSeq = stack.handshake(PEER_PORT, PORT, PEER_ISN);
        peerSeq = PEER_ISN + 1;
        ahead = BenchStack.segment(PEER_PORT, PORT, peerSeq + MSS, stackSeq, BenchStack.PSH_ACK, 65535, MSS);
        gapFill = BenchStack.segment(PEER_PORT, PORT, peerSeq, stackSeq, BenchStack.ACK_FLAG, 65535, MSS);
        sentAfterSetup = stack.link.sent;
    }

    /** Segment n+1 arrives (out of order, stored, ACK), then segment n (gap filled, both delivered, ACK). */
    @Benchmark
    public long outOfOrderThenGapFill() {
        BenchStack.patchInt(ahead, BenchStack.SEQ, peerSeq + MSS);
        stack.inject(ahead);
        BenchStack.patchInt(gapFill, BenchStack.SEQ, peerSeq);
        stack.inject(gapFill);
        peerSeq += 2 * MSS;
        pairs++;
        return delivered;
    }

    @TearDown(Level.Trial)
    public void check() {
        final boolean ok = pairs > 0
            && stack.counters.get("tcp.rx.out_of_order") == pairs
            && delivered == 2L * MSS * pairs
            && stack.link.sent - sentAfterSetup == 2 * pairs     // an immediate ACK for each segment
            && stack.counters.get("tcp.InErrs") == 0
            && stack.counters.get("tcp.rx.out_of_window") == 0
            && stack.counters.get("tcp.rx.duplicate_data") == 0;
        if (!ok) {
            throw new IllegalStateException("the benchmark measured the wrong path: pairs " + pairs + ", delivered "
                + delivered + ", sent " + (stack.link.sent - sentAfterSetup) + ", " + stack.counters.snapshot());
        }
    }
}
