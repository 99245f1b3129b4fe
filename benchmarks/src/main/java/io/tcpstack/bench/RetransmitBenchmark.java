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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.tcp.ConnectionTableReader;
import io.tcpstack.tcp.TcpState;

/**
 * A retransmission timeout (RFC 6298 §5.4–5.6) on an established connection with one
 * full-size segment outstanding and never acknowledged: the simulated clock moves one wheel
 * tick (~1.05 ms), {@code TcpLayer.pollTimers(now)} fires the connection's timer, and the
 * segment is rebuilt from the send buffer (1460 bytes copied, TCP checksum over 1480
 * bytes, IPv4 header) and handed to the link; the window collapses (RFC 5681 §3.1) and the
 * timer is re-armed. The RTO is pinned at 1 ms (min RTO = max RTO) and the retry limit
 * lifted, so that every operation is one timeout and the connection never gives up; the
 * per-tick cost of the wheel itself is in {@link TimerWheelBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RetransmitBenchmark {
    private static final int MSS = 1460;
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;
    private static final long TICK_NS = 1L << 20;   // TcpLayer's wheel tick
    private static final long START_NS = 1L << 30;

    private BenchStack stack;
    private Connection server;
    private long nowNs = START_NS;
    private long timeouts;
    private long sentAfterSetup;

    @Setup(Level.Trial)
    public void setUp() {
        final StackConfig config = StackConfig.builder().localAddress(BenchPackets.STACK)
            .minRtoNs(TimeUnit.MILLISECONDS.toNanos(1)).maxRtoNs(TimeUnit.MILLISECONDS.toNanos(1))
            .maxRetries(Integer.MAX_VALUE).build();
        stack = new BenchStack(config, nowNs);
        stack.tcp.listen(PORT, 16, () -> new TcpHandler() {
            @Override
            public void onConnected(final Connection c) {
                server = c;
            }

            @Override
            public int onData(final Connection c, final org.agrona.DirectBuffer buffer, final int offset,
                final int length) {
                return length;
            }
        });
        stack.handshake(PEER_PORT, PORT, PEER_ISN);
        final UnsafeBuffer payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MSS, 64));
        if (server == null || server.send(payload, 0, MSS) != MSS || stack.link.lastLength != 20 + 20 + MSS) {
            throw new IllegalStateException("the first transmission did not go out: " + stack.counters.snapshot());
        }
        sentAfterSetup = stack.link.sent;
    }

    /** One wheel tick later: the RTO fires and the segment is sent again. */
    @Benchmark
    public int retransmitOnTimeout() {
        nowNs += TICK_NS;
        stack.now(nowNs);
        final int work = stack.tcp.pollTimers(nowNs);
        timeouts++;
        return work;
    }

    @TearDown(Level.Trial)
    public void check() {
        final ConnectionTableReader.Row row = stack.table().rows().stream()
            .filter(r -> r.state() == TcpState.ESTABLISHED).findFirst().orElse(null);
        final boolean ok = timeouts > 0
            && stack.counters.get("tcp.RetransSegs") == timeouts           // one timeout per tick, each resent
            && stack.link.sent - sentAfterSetup == timeouts
            && stack.link.lastLength == 20 + 20 + MSS                       // the full segment, from the buffer
            && stack.counters.get("tcp.timeouts") == 0                      // never gave up
            && row != null && row.sendQ() == MSS && row.retries() > 0;
        if (!ok) {
            throw new IllegalStateException("the benchmark measured the wrong path: timeouts " + timeouts + ", sent "
                + (stack.link.sent - sentAfterSetup) + ", row " + row + ", " + stack.counters.snapshot());
        }
    }
}
