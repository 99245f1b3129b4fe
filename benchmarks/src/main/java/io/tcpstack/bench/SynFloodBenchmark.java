package io.tcpstack.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

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

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.SynCookies;
import io.tcpstack.ip.Icmp;
import io.tcpstack.ip.Ipv4Input;
import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.ip.Reassembler;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.TcpLayer;
import io.tcpstack.wire.Checksum;

/**
 * The per-SYN paths of a listener under a flood (RFC 4987), each a new tuple (the source
 * port and ISN change every SYN, the checksum updated per RFC 1624): with the SYN backlog
 * full, a SYN answered with a SYN cookie ({@code cookie}) or dropped ({@code drop}); with
 * room, a half-open record made and its SYN-ACK sent, then removed by the peer's RST
 * ({@code record}: two segments per operation). Must be 0 B/op: a flood must not make
 * garbage.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class SynFloodBenchmark {
    private static final int PORT = 80;
    private static final int BACKLOG = 1024;

    @Param({"cookie", "drop", "record"})
    public String path;

    private StackCounters counters;
    private TcpSegmentBenchmark.LastPacketLink link;
    private Ipv4Input input;
    private UnsafeBuffer syn;
    private UnsafeBuffer rst;
    private int port = 1024;
    private int isn = 1;

    @Setup(Level.Trial)
    public void setUp() {
        counters = StackCounters.inMemory();
        link = new TcpSegmentBenchmark.LastPacketLink();
        final StackConfig config = StackConfig.builder().localAddress(BenchPackets.STACK).synBacklog(BACKLOG)
            .synCookies(path.equals("drop") ? SynCookies.OFF : SynCookies.ON).build();
        final Ipv4Output output = new Ipv4Output(BenchPackets.STACK, link, 1500, counters, null);
        final TcpLayer tcp = new TcpLayer(config, output, counters, 1);
        input = new Ipv4Input(BenchPackets.STACK, new Reassembler(4, TimeUnit.SECONDS.toNanos(30), counters),
            new Icmp(output, 1000, 50, counters), tcp, counters, null);
        input.now(1);
        tcp.listen(PORT, 16, () -> (c, buffer, offset, length) -> length);
        syn = segment(0x02);
        rst = segment(0x04);
        if (!path.equals("record")) {
            for (int i = 0; i < BACKLOG; i++) { // fill the backlog from other ports
                next(syn);
                inject(syn);
            }
            if (counters.get("tcp.listen.half_open") != BACKLOG) {
                throw new IllegalStateException("backlog not full: " + counters.snapshot());
            }
        }
    }

    /** A segment from port 1024 with seq 1 and a valid checksum; {@link #next} moves it on. */
    private static UnsafeBuffer segment(final int flags) {
        final ByteBuffer b = ByteBuffer.allocate(24);
        b.putShort((short) 1024).putShort((short) PORT).putInt(1).putInt(0)
            .put((byte) 0x60).put((byte) flags).putShort((short) 64240).putShort((short) 0).putShort((short) 0)
            .put((byte) 2).put((byte) 4).putShort((short) 1460);
        final byte[] tcpBytes = b.array();
        final ByteBuffer pseudo = ByteBuffer.allocate(12 + tcpBytes.length);
        pseudo.putInt(BenchPackets.HOST).putInt(BenchPackets.STACK).put((byte) 0).put((byte) 6)
            .putShort((short) tcpBytes.length).put(tcpBytes);
        final int checksum = BenchPackets.referenceChecksum(pseudo.array(), 0, pseudo.capacity());
        tcpBytes[16] = (byte) (checksum >>> 8);
        tcpBytes[17] = (byte) checksum;
        return BenchPackets.direct(BenchPackets.ipv4(BenchPackets.HOST, BenchPackets.STACK, 6, 1, 0x4000, tcpBytes), 0);
    }

    /** A new source port and ISN for {@code frame} (RFC 1624 checksum update). */
    private void next(final UnsafeBuffer frame) {
        port = port == 65535 ? 1024 : port + 1;
        isn += 7919;
        set(frame, port, isn);
    }

    private static void set(final UnsafeBuffer frame, final int sourcePort, final int seq) {
        final int oldPorts = frame.getInt(20, ByteOrder.BIG_ENDIAN);
        final int newPorts = (sourcePort << 16) | (oldPorts & 0xFFFF);
        final int oldSeq = frame.getInt(24, ByteOrder.BIG_ENDIAN);
        frame.putInt(20, newPorts, ByteOrder.BIG_ENDIAN);
        frame.putInt(24, seq, ByteOrder.BIG_ENDIAN);
        int checksum = frame.getShort(36, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        checksum = Checksum.update32(checksum, oldPorts, newPorts);
        checksum = Checksum.update32(checksum, oldSeq, seq);
        frame.putShort(36, (short) checksum, ByteOrder.BIG_ENDIAN);
    }

    private void inject(final UnsafeBuffer frame) {
        input.onFrame(frame, 0, frame.getShort(2, ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }

    @Benchmark
    public long syn() {
        next(syn);
        inject(syn);
        if (path.equals("record")) {
            set(rst, port, isn + 1); // RFC 5961 §3.2: the exact sequence number removes it
            inject(rst);
        }
        return link.sent;
    }

    @TearDown(Level.Trial)
    public void check() {
        final boolean ok = switch (path) {
            case "cookie" -> counters.get("tcp.syncookies.sent") > 0 && counters.get("tcp.listen.half_open") == BACKLOG;
            case "drop" -> counters.get("tcp.listen.syn_backlog_drops") > 0 && counters.get("tcp.syncookies.sent") == 0;
            default -> counters.get("tcp.listen.half_open_reset") > 0 && counters.get("tcp.listen.half_open") == 0;
        };
        if (!ok || counters.get("tcp.InErrs") != 0) {
            throw new IllegalStateException("the benchmark measured the wrong path: " + counters.snapshot());
        }
    }
}
