package io.tcpstack.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.StackConfig;
import io.tcpstack.ip.Icmp;
import io.tcpstack.ip.Ipv4Input;
import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.ip.Reassembler;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.ConnectionTableReader;
import io.tcpstack.tcp.ConnectionTableWriter;
import io.tcpstack.tcp.TcpLayer;
import io.tcpstack.wire.Checksum;

/**
 * The stack's IPv4 input and TCP layer wired to a {@link TcpSegmentBenchmark.LastPacketLink},
 * with no threads and no clock (the benchmark passes the time), and the peer's side made
 * by hand: segments from 10.7.0.1 built once with a correct checksum and then patched in
 * place (RFC 1624 updates), so every injected segment is new and valid.
 *
 * <p>Frame layout of the peer's segments: 20-byte IPv4 header, then the TCP header (ports
 * at {@link #PORTS}, sequence number at {@link #SEQ}, acknowledgment at {@link #ACK},
 * window at {@link #WINDOW}), no options, then the data.
 */
final class BenchStack {
    static final int PORTS = 20;
    static final int SEQ = 24;
    static final int ACK = 28;
    static final int WINDOW = 34;
    static final int TCP_CHECKSUM = 36;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH_ACK = 0x18;
    static final int ACK_FLAG = 0x10;

    final StackCounters counters = StackCounters.inMemory();
    final TcpSegmentBenchmark.LastPacketLink link = new TcpSegmentBenchmark.LastPacketLink();
    final TcpLayer tcp;
    final Ipv4Input input;
    private long nowNs;

    BenchStack(final StackConfig config, final long nowNs) {
        final Ipv4Output output = new Ipv4Output(BenchPackets.STACK, link, config.mtu(), counters, null);
        tcp = new TcpLayer(config, output, counters, nowNs);
        input = new Ipv4Input(BenchPackets.STACK, new Reassembler(4, TimeUnit.SECONDS.toNanos(30), counters),
            new Icmp(output, 1000, 50, counters), tcp, counters, null);
        now(nowNs);
    }

    /** The time of the next segments and timer polls, as the stack thread sets it once per duty cycle. */
    void now(final long nowNs) {
        this.nowNs = nowNs;
        input.now(nowNs);
    }

    long now() {
        return nowNs;
    }

    void inject(final UnsafeBuffer frame) {
        input.onFrame(frame, 0, frame.getShort(2, ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }

    /**
     * Opens a connection from the peer's {@code peerPort} to the listener on {@code localPort}:
     * SYN in, SYN-ACK out, ACK in.
     *
     * @return the stack's next sequence number (its ISS + 1)
     */
    int handshake(final int peerPort, final int localPort, final int peerIsn) {
        return handshake(syn(peerPort, localPort, peerIsn), peerPort, localPort, peerIsn);
    }

    /** As {@link #handshake(int, int, int)}, with the peer's SYN given (its options, e.g. {@link #synWithSack}). */
    int handshake(final UnsafeBuffer syn, final int peerPort, final int localPort, final int peerIsn) {
        inject(syn);
        if ((link.last.getByte(33) & 0x12) != 0x12) {
            throw new IllegalStateException("no SYN-ACK for port " + peerPort + ": " + counters.snapshot());
        }
        final int stackSeq = link.last.getInt(SEQ, ByteOrder.BIG_ENDIAN) + 1;
        inject(segment(peerPort, localPort, peerIsn + 1, stackSeq, ACK_FLAG, 65535, 0));
        return stackSeq;
    }

    /**
     * The peer's SYN with an MSS option of 1460 (Ethernet MTU; without it the stack would
     * send 536-byte segments, RFC 9293 §3.7.1). No window scale: windows stay unscaled.
     */
    static UnsafeBuffer syn(final int peerPort, final int localPort, final int isn) {
        final ByteBuffer b = ByteBuffer.allocate(24);
        b.putShort((short) peerPort).putShort((short) localPort).putInt(isn).putInt(0)
            .put((byte) 0x60).put((byte) SYN).putShort((short) 65535).putShort((short) 0).putShort((short) 0)
            .put((byte) 2).put((byte) 4).putShort((short) 1460);
        return withChecksums(b.array());
    }

    /** A segment from the peer (10.7.0.1) without options, with a correct checksum, in a direct buffer. */
    static UnsafeBuffer segment(final int peerPort, final int localPort, final int seq, final int ack,
        final int flags, final int window, final int dataLength) {
        final ByteBuffer b = ByteBuffer.allocate(20 + dataLength);
        b.putShort((short) peerPort).putShort((short) localPort).putInt(seq).putInt(ack)
            .put((byte) 0x50).put((byte) flags).putShort((short) window).putShort((short) 0).putShort((short) 0);
        final byte[] pattern = BenchPackets.pattern(dataLength);
        b.put(pattern);
        return withChecksums(b.array());
    }

    /**
     * The peer's SYN with MSS 1460 and SACK-permitted (RFC 2018 §2), no window scale or
     * timestamps: the connection then uses SACK, windows stay unscaled.
     */
    static UnsafeBuffer synWithSack(final int peerPort, final int localPort, final int isn) {
        final ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) peerPort).putShort((short) localPort).putInt(isn).putInt(0)
            .put((byte) 0x70).put((byte) SYN).putShort((short) 65535).putShort((short) 0).putShort((short) 0)
            .put((byte) 2).put((byte) 4).putShort((short) 1460)
            .put((byte) 1).put((byte) 1).put((byte) 4).put((byte) 2);
        return withChecksums(b.array());
    }

    /** Where the first SACK block's left edge is in a segment from {@link #sackAck}; each block takes 8 bytes. */
    static final int SACK_BLOCKS = 20 + 20 + 4;

    /**
     * A pure ACK from the peer with {@code blocks} SACK blocks (RFC 2018 §3: NOP, NOP, kind 5,
     * length 2 + 8n), all zero: set them with {@link #patchInt} at {@link #SACK_BLOCKS} + 8i
     * (left edge) and + 8i + 4 (right edge).
     */
    static UnsafeBuffer sackAck(final int peerPort, final int localPort, final int seq, final int ack,
        final int window, final int blocks) {
        final int optionLength = 4 + 8 * blocks;
        final ByteBuffer b = ByteBuffer.allocate(20 + optionLength);
        b.putShort((short) peerPort).putShort((short) localPort).putInt(seq).putInt(ack)
            .put((byte) ((5 + optionLength / 4) << 4)).put((byte) ACK_FLAG).putShort((short) window)
            .putShort((short) 0).putShort((short) 0)
            .put((byte) 1).put((byte) 1).put((byte) 5).put((byte) (2 + 8 * blocks));
        return withChecksums(b.array());
    }

    /** The TCP checksum filled in, wrapped in an IPv4 header from the peer to the stack, in a direct buffer. */
    private static UnsafeBuffer withChecksums(final byte[] tcpBytes) {
        final ByteBuffer pseudo = ByteBuffer.allocate(12 + tcpBytes.length);
        pseudo.putInt(BenchPackets.HOST).putInt(BenchPackets.STACK).put((byte) 0).put((byte) 6)
            .putShort((short) tcpBytes.length).put(tcpBytes);
        final int checksum = BenchPackets.referenceChecksum(pseudo.array(), 0, pseudo.capacity());
        tcpBytes[16] = (byte) (checksum >>> 8);
        tcpBytes[17] = (byte) checksum;
        return BenchPackets.direct(BenchPackets.ipv4(BenchPackets.HOST, BenchPackets.STACK, 6, 1, 0x4000, tcpBytes), 0);
    }

    /** Rewrites a 32-bit field of the TCP header and updates the TCP checksum (RFC 1624). */
    static void patchInt(final UnsafeBuffer frame, final int fieldOffset, final int value) {
        final int old = frame.getInt(fieldOffset, ByteOrder.BIG_ENDIAN);
        frame.putInt(fieldOffset, value, ByteOrder.BIG_ENDIAN);
        final int checksum = frame.getShort(TCP_CHECKSUM, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        frame.putShort(TCP_CHECKSUM, (short) Checksum.update32(checksum, old, value), ByteOrder.BIG_ENDIAN);
    }

    /** Rewrites a 16-bit field of the TCP header (the window) and updates the TCP checksum (RFC 1624). */
    static void patchShort(final UnsafeBuffer frame, final int fieldOffset, final int value) {
        final int old = frame.getShort(fieldOffset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        frame.putShort(fieldOffset, (short) value, ByteOrder.BIG_ENDIAN);
        final int checksum = frame.getShort(TCP_CHECKSUM, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        frame.putShort(TCP_CHECKSUM, (short) Checksum.update16(checksum, old, value), ByteOrder.BIG_ENDIAN);
    }

    /**
     * The connection rows as {@code tcpstack ss} would read them (for the checks in
     * {@code @TearDown}: the TCB's fields are not public). Allocates; never in a measurement.
     */
    ConnectionTableReader.Snapshot table() {
        try {
            final Path file = Files.createTempFile("tcpstack-bench-", ".conns");
            final CachedNanoClock clock = new CachedNanoClock();
            clock.update(nowNs);
            try (ConnectionTableWriter writer = ConnectionTableWriter.create(file, tcp, BenchPackets.STACK,
                Math.max(64, tcp.connectionCount() + 16), 1, clock, SystemEpochClock.INSTANCE);
                ConnectionTableReader reader = ConnectionTableReader.open(file)) {
                writer.publish(nowNs);
                return reader.read();
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
