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
import io.tcpstack.tcp.ConnectionTableReader;
import io.tcpstack.tcp.TcpState;

/**
 * A pure ACK (no data, no SYN/FIN) arriving on an established connection with nothing in
 * flight: IPv4 validation, TCP checksum of 20 bytes, demux, RFC 9293 §3.10.7.4 checks. It
 * acknowledges nothing new and frees nothing; its window alternates between 65535 and
 * 65000, so every one is a send-window update (SND.WND, SND.WL1/WL2). Nothing is sent in
 * answer. The cheapest segment a busy connection receives; a bulk sender receives one per
 * one or two segments it sends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PureAckBenchmark {
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;

    private BenchStack stack;
    private UnsafeBuffer ack;
    private long sentAfterSetup;
    private long inSegsAfterSetup;
    private long acks;
    private int window = 65535;

    @Setup(Level.Trial)
    public void setUp() {
        stack = new BenchStack(StackConfig.builder().localAddress(BenchPackets.STACK).build(), 1);
        stack.tcp.listen(PORT, 16, () -> (c, buffer, offset, length) -> length);
        final int stackSeq = stack.handshake(PEER_PORT, PORT, PEER_ISN);
        ack = BenchStack.segment(PEER_PORT, PORT, PEER_ISN + 1, stackSeq, BenchStack.ACK_FLAG, window, 0);
        sentAfterSetup = stack.link.sent;
        inSegsAfterSetup = stack.counters.get("tcp.InSegs");
    }

    /** One pure ACK, a window update; the stack sends nothing. */
    @Benchmark
    public long pureAckWindowUpdate() {
        window = window == 65535 ? 65000 : 65535;
        BenchStack.patchShort(ack, BenchStack.WINDOW, window);
        stack.inject(ack);
        acks++;
        return stack.link.sent;
    }

    @TearDown(Level.Trial)
    public void check() {
        final ConnectionTableReader.Snapshot table = stack.table();
        final ConnectionTableReader.Row row = table.rows().stream()
            .filter(r -> r.state() == TcpState.ESTABLISHED).findFirst().orElse(null);
        final boolean ok = acks > 0
            && stack.counters.get("tcp.InSegs") - inSegsAfterSetup == acks
            && stack.counters.get("tcp.InErrs") == 0
            && stack.counters.get("tcp.rx.out_of_window") == 0
            && stack.counters.get("tcp.rx.duplicate_acks") == 0
            && stack.link.sent == sentAfterSetup   // nothing answered: no ACK of an ACK
            && row != null && row.sendWindow() == window;  // the last window was taken
        if (!ok) {
            throw new IllegalStateException("the benchmark measured the wrong path: acks " + acks + ", sent "
                + (stack.link.sent - sentAfterSetup) + ", row " + row + ", " + stack.counters.snapshot());
        }
    }
}
