package io.tcpstack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;

/**
 * {@code TcpLayer.pollTimers(now)} with {@code connections} established connections, each
 * with its retransmission timer armed on the wheel. The connections are opened through a
 * listener from as many source ports; each then sends 64 bytes that the peer never
 * acknowledges, at times spread evenly over one RTO, so the timers are spread over the
 * wheel. The RTO is pinned at {@code rtoMs} (min = max) and the retry limit lifted, so the
 * state is steady: every timer fires once per RTO, resends its 64 bytes and is re-armed.
 *
 * <ul>
 * <li>{@code tick}: the clock moves one wheel tick (~1.05 ms) and the stack polls: on
 *     average connections × tick / RTO timers fire (~52 at 200 ms, ~10 at 1000 ms). The two
 *     RTOs give the cost per tick and per fired timer (a line through the two points).</li>
 * <li>{@code pollWithinTick}: a duty cycle that crosses no tick (most of them: a cycle takes
 *     microseconds, a tick is a millisecond): nothing fires; what the timers cost the
 *     stack thread when they are not due.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class TimerWheelBenchmark {
    private static final int PORT = 80;
    private static final int FIRST_PEER_PORT = 10_000;
    private static final int DATA = 64;
    private static final long TICK_NS = 1L << 20;   // TcpLayer's wheel tick
    private static final long START_NS = 1L << 30;

    @Param({"10000"})
    public int connections;

    @Param({"200", "1000"})
    public int rtoMs;

    private BenchStack stack;
    private Connection last;
    private long nowNs = START_NS;
    private long ticks;
    private long polls;
    private long retransmitsAfterSetup;

    @Setup(Level.Trial)
    public void setUp() {
        final long rtoNs = TimeUnit.MILLISECONDS.toNanos(rtoMs);
        final StackConfig config = StackConfig.builder().localAddress(BenchPackets.STACK)
            .tcpBufferBytes(4096)   // 10,000 × 2 × 256 KiB would be 5 GiB of direct memory
            .minRtoNs(rtoNs).maxRtoNs(rtoNs).maxRetries(Integer.MAX_VALUE).build();
        stack = new BenchStack(config, nowNs);
        stack.tcp.listen(PORT, 16, () -> new TcpHandler() {
            @Override
            public void onConnected(final Connection c) {
                last = c;
            }

            @Override
            public int onData(final Connection c, final org.agrona.DirectBuffer buffer, final int offset,
                final int length) {
                return length;
            }
        });
        final UnsafeBuffer payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64));
        final long start = nowNs;
        for (int i = 0; i < connections; i++) {
            nowNs = start + rtoNs * i / connections;
            stack.now(nowNs);
            stack.tcp.pollTimers(nowNs);
            last = null;
            stack.handshake(FIRST_PEER_PORT + i, PORT, 1_000_000 + i * 7919);
            if (last == null || last.send(payload, 0, DATA) != DATA) {
                throw new IllegalStateException("connection " + i + " did not open and send: "
                    + stack.counters.snapshot());
            }
        }
        if (stack.tcp.connectionCount() != connections || stack.tcp.timerCount() != connections) {
            throw new IllegalStateException("expected " + connections + " connections and timers, have "
                + stack.tcp.connectionCount() + " and " + stack.tcp.timerCount());
        }
        retransmitsAfterSetup = stack.counters.get("tcp.RetransSegs");
    }

    /** One wheel tick: the timers due in it fire, resend and are re-armed. */
    @Benchmark
    public int tick() {
        nowNs += TICK_NS;
        stack.now(nowNs);
        ticks++;
        return stack.tcp.pollTimers(nowNs);
    }

    /** A duty cycle within the current tick: nothing is due. */
    @Benchmark
    public int pollWithinTick() {
        polls++;
        return stack.tcp.pollTimers(nowNs);
    }

    @TearDown(Level.Trial)
    public void check() {
        final long retransmits = stack.counters.get("tcp.RetransSegs") - retransmitsAfterSetup;
        // Every timer fires once per RTO: connections × tick / RTO per tick, on average.
        final double expected = (double) ticks * connections * TICK_NS / TimeUnit.MILLISECONDS.toNanos(rtoMs);
        final boolean steady = stack.tcp.connectionCount() == connections
            && stack.tcp.timerCount() == connections
            && stack.counters.get("tcp.timeouts") == 0
            && stack.counters.get("tcp.InErrs") == 0;
        final boolean fired = ticks > 0
            ? Math.abs(retransmits - expected) <= 0.05 * expected + connections
            : polls > 0 && retransmits == 0;
        if (!steady || !fired) {
            throw new IllegalStateException("the benchmark measured the wrong path: ticks " + ticks + ", polls "
                + polls + ", retransmissions " + retransmits + " (expected ~" + (long) expected + "), "
                + stack.counters.snapshot());
        }
    }
}
