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
import io.tcpstack.tcp.ConnectionTableReader;
import io.tcpstack.tcp.TcpState;

/**
 * ACKs that carry SACK blocks (RFC 2018 §3), on an established connection that agreed SACK
 * in its handshake, over a plain link (every checksum in software).
 *
 * <ul>
 * <li>{@code known}: eight segments are in flight; the peer has SACKed the second and the
 * fourth (two duplicate ACKs, too few SACKed bytes for a loss: RFC 6675 §4 IsLost). Each
 * operation is one more ACK repeating those two blocks, as receivers do (RFC 2018 §4): the
 * option parsed, both blocks checked against SND.UNA/SND.NXT and merged into the scoreboard,
 * which already holds them; no new SACK information, so not a duplicate ACK (RFC 6675 §2),
 * and nothing is sent. The most common SACK ACK.
 * <li>{@code newInfo}: each operation the application sends 2 × 1460 bytes (two segments
 * built and handed to the link), the peer's ACK SACKs the second (new information: a
 * duplicate ACK, RFC 6675 §2; one segment SACKed is not a loss, and Limited Transmit has no
 * new data to send), then its cumulative ACK covers both (the scoreboard emptied, the send
 * buffer freed, the window grown).
 * <li>{@code noSack}: the same without the SACK ACK. {@code newInfo − noSack} is the cost of
 * one ACK with a new SACK block.
 * </ul>
 *
 * The loss recovery that follows three such ACKs is not in an operation here: it changes
 * cwnd, so it does not repeat; the two-stack simulation tests it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SackAckBenchmark {
    private static final int MSS = 1460;
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;

    @Param({"known", "newInfo", "noSack"})
    public String path;

    private BenchStack stack;
    private Connection server;
    private UnsafeBuffer payload;
    private UnsafeBuffer sackAck;
    private UnsafeBuffer fullAck;
    private int una;
    private long ops;
    private long sentAfterSetup;
    private long dupAcksAfterSetup;

    @Setup(Level.Trial)
    public void setUp() {
        stack = new BenchStack(StackConfig.builder().localAddress(BenchPackets.STACK).build(), 1L << 30);
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
        una = stack.handshake(BenchStack.synWithSack(PEER_PORT, PORT, PEER_ISN), PEER_PORT, PORT, PEER_ISN);
        payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8 * MSS, 64));
        if (server == null) {
            throw new IllegalStateException("no connection: " + stack.counters.snapshot());
        }
        switch (path) {
            case "known" -> {
                send(8 * MSS);
                sackAck = BenchStack.sackAck(PEER_PORT, PORT, PEER_ISN + 1, una, 65535, 2);
                setBlock(sackAck, 0, una + MSS, una + 2 * MSS);         // the second segment
                stack.inject(sackAck);
                setBlock(sackAck, 0, una + 3 * MSS, una + 4 * MSS);     // the fourth, most recent first
                setBlock(sackAck, 1, una + MSS, una + 2 * MSS);
                stack.inject(sackAck);
            }
            case "newInfo", "noSack" -> {
                sackAck = BenchStack.sackAck(PEER_PORT, PORT, PEER_ISN + 1, una, 65535, 1);
                fullAck = BenchStack.segment(PEER_PORT, PORT, PEER_ISN + 1, una, BenchStack.ACK_FLAG, 65535, 0);
            }
            default -> throw new IllegalArgumentException(path);
        }
        sentAfterSetup = stack.link.sent;
        dupAcksAfterSetup = stack.counters.get("tcp.rx.duplicate_acks");
    }

    private void send(final int bytes) {
        if (server.send(payload, 0, bytes) != bytes) {
            throw new IllegalStateException("send buffer full: " + stack.counters.snapshot());
        }
    }

    private static void setBlock(final UnsafeBuffer ack, final int block, final int left, final int right) {
        BenchStack.patchInt(ack, BenchStack.SACK_BLOCKS + 8 * block, left);
        BenchStack.patchInt(ack, BenchStack.SACK_BLOCKS + 8 * block + 4, right);
    }

    @Benchmark
    public long ack() {
        ops++;
        if (sackAck != null && fullAck == null) {
            stack.inject(sackAck); // "known": the same two blocks again
            return stack.link.sent;
        }
        server.send(payload, 0, 2 * MSS);
        if (path.equals("newInfo")) {
            BenchStack.patchInt(sackAck, BenchStack.ACK, una);
            setBlock(sackAck, 0, una + MSS, una + 2 * MSS);
            stack.inject(sackAck);
        }
        una += 2 * MSS;
        BenchStack.patchInt(fullAck, BenchStack.ACK, una);
        stack.inject(fullAck);
        return stack.link.sent;
    }

    @TearDown(Level.Trial)
    public void check() {
        final ConnectionTableReader.Row row = stack.table().rows().stream()
            .filter(r -> r.state() == TcpState.ESTABLISHED).findFirst().orElse(null);
        final long sent = stack.link.sent - sentAfterSetup;
        final long dupAcks = stack.counters.get("tcp.rx.duplicate_acks") - dupAcksAfterSetup;
        final boolean known = path.equals("known");
        final boolean ok = ops > 0 && row != null
            && stack.counters.get("tcp.RetransSegs") == 0
            && stack.counters.get("tcp.fast_retransmits") == 0
            && stack.counters.get("tcp.InErrs") == 0
            && (known
                ? sent == 0 && dupAcks == 0 && dupAcksAfterSetup == 2 && row.sendQ() == 8 * MSS
                : sent == 2 * ops && dupAcks == (path.equals("newInfo") ? ops : 0) && row.sendQ() == 0);
        if (!ok) {
            throw new IllegalStateException("the benchmark measured the wrong path (" + path + "): ops " + ops
                + ", sent " + sent + ", duplicate ACKs " + dupAcks + " (setup " + dupAcksAfterSetup + "), row " + row
                + ", " + stack.counters.snapshot());
        }
    }
}
