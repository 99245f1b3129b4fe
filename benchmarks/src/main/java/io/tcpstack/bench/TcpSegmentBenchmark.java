package io.tcpstack.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
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
import io.tcpstack.ip.Icmp;
import io.tcpstack.ip.Ipv4Input;
import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.ip.Reassembler;
import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.PacketLink;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.TcpLayer;
import io.tcpstack.wire.Checksum;

/**
 * The TCP segment path on an established connection, without a link: (1) one in-order
 * full-size data segment through IPv4 validation → demux → state machine → receive buffer
 * → application → ACK built and handed to the link (for each segment, or for every second:
 * {@link #acks}); (2) the application queues one MSS of
 * data (segment built and sent) and the peer's ACK for it arrives and frees the send buffer.
 * Segments are patched in place between operations (sequence or acknowledgment number,
 * checksum updated per RFC 1624), so every operation is a new, valid segment.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class TcpSegmentBenchmark {
    private static final int MSS = 1460;
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;

    private StackCounters counters;
    private LastPacketLink packetLink;
    private Ipv4Input input;
    private TcpLayer tcp;
    private Connection server;
    private UnsafeBuffer data;
    private UnsafeBuffer ack;
    private UnsafeBuffer payload;
    private int peerSeq;
    private int stackSeq;
    private long delivered;
    private long inOrderOperations;
    private long sendOperations;
    private long outSegsAfterSetup;
    private int frameFlags;

    /**
     * {@code plain}: a link without offloads (a plain TUN): the stack verifies the TCP
     * checksum of every segment in and computes it for every segment out.
     * {@code offload}: a link like an offloading TUN: it vouches for the checksums in
     * ({@link FrameHandler#CHECKSUM_TRUSTED}, what the TUN's {@code DATA_VALID} or partial
     * checksum means) and finishes them out ({@link PacketLink#sendSegmented}).
     */
    @Param({"plain", "offload"})
    public String link;

    /**
     * {@code every}: an ACK for every data segment (delayed ACKs off), so each in-order
     * operation includes building and sending one: the costlier case.
     * {@code delayed}: the stack's default delayed ACK (RFC 9293 §3.8.6.3, RFC 1122
     * §4.2.3.2): an ACK for every second full-sized segment, the first of each pair arming
     * the delay; what a bulk receiver does per segment.
     */
    @Param({"every", "delayed"})
    public String acks;

    /** Keeps a copy of the last packet sent, so the benchmark can read the stack's answers. */
    static final class LastPacketLink implements PacketLink {
        final UnsafeBuffer last = new UnsafeBuffer(BufferUtil.allocateDirectAligned(65536, 64));
        int lastLength;
        long sent;
        final boolean offload;

        LastPacketLink() {
            this(false);
        }

        LastPacketLink(final boolean offload) {
            this.offload = offload;
        }

        @Override
        public int segmentationMax() {
            return offload ? 65535 : 0;
        }

        @Override
        public boolean sendSegmented(final DirectBuffer buffer, final int offset, final int length,
            final int headerLength, final int segmentPayload) {
            return send(buffer, offset, length);
        }

        @Override
        public int poll(final FrameHandler handler, final int limit) {
            return 0;
        }

        @Override
        public boolean send(final DirectBuffer buffer, final int offset, final int length) {
            if (length <= 64) {
                last.putBytes(0, buffer, offset, length); // answers worth reading are headers only
            }
            lastLength = length;
            sent++;
            return true;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public void close() {
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        final boolean offload = "offload".equals(this.link);
        frameFlags = offload ? FrameHandler.CHECKSUM_TRUSTED : 0;
        counters = StackCounters.inMemory();
        packetLink = new LastPacketLink(offload);
        final StackConfig.Builder builder = StackConfig.builder().localAddress(BenchPackets.STACK);
        if ("every".equals(acks)) {
            builder.delayedAckNs(0);
        }
        final StackConfig config = builder.build();
        final Ipv4Output output = new Ipv4Output(BenchPackets.STACK, packetLink, 1500, counters, null);
        tcp = new TcpLayer(config, output, counters, 1);
        input = new Ipv4Input(BenchPackets.STACK, new Reassembler(4, TimeUnit.SECONDS.toNanos(30), counters),
            new Icmp(output, 1000, 50, counters), tcp, counters, null);
        input.now(1);
        tcp.listen(PORT, 16, () -> new TcpHandler() {
            @Override
            public void onConnected(final Connection c) {
                server = c;
            }

            @Override
            public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
                delivered += length;
                return length;
            }
        });
        // Handshake: SYN in, SYN-ACK out (read the ISS from it), ACK in. The SYN carries
        // MSS 1460: without it the stack sends 536-byte segments (RFC 9293 §3.7.1), and
        // sendThenAckFreesBuffer measured three segments built, not one.
        peerSeq = 1_000_000;
        inject(BenchStack.syn(PEER_PORT, PORT, peerSeq));
        stackSeq = packetLink.last.getInt(24, ByteOrder.BIG_ENDIAN) + 1;
        peerSeq++;
        inject(segment(peerSeq, stackSeq, 0x10, 0));
        if (server == null) {
            throw new IllegalStateException("handshake did not complete");
        }
        data = segment(peerSeq, stackSeq, 0x18, MSS);
        ack = segment(peerSeq, stackSeq, 0x10, 0);
        payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MSS, 64));
        outSegsAfterSetup = counters.get("tcp.OutSegs");
    }

    private void inject(final UnsafeBuffer frame) {
        input.onFrame(frame, 0, frame.getShort(2, ByteOrder.BIG_ENDIAN) & 0xFFFF, frameFlags);
    }

    /** A segment from the peer with a correct checksum, in a direct buffer. */
    private static UnsafeBuffer segment(final int seq, final int ackNumber, final int flags, final int dataLength) {
        final ByteBuffer b = ByteBuffer.allocate(20 + dataLength);
        b.putShort((short) PEER_PORT).putShort((short) PORT).putInt(seq).putInt(ackNumber)
            .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        final byte[] tcpBytes = b.array();
        final ByteBuffer pseudo = ByteBuffer.allocate(12 + tcpBytes.length);
        pseudo.putInt(BenchPackets.HOST).putInt(BenchPackets.STACK).put((byte) 0).put((byte) 6)
            .putShort((short) tcpBytes.length).put(tcpBytes);
        final int checksum = BenchPackets.referenceChecksum(pseudo.array(), 0, pseudo.capacity());
        tcpBytes[16] = (byte) (checksum >>> 8);
        tcpBytes[17] = (byte) checksum;
        final byte[] packet = BenchPackets.ipv4(BenchPackets.HOST, BenchPackets.STACK, 6, 1, 0x4000, tcpBytes);
        return BenchPackets.direct(packet, 0);
    }

    /** Rewrites a 32-bit field of the TCP header and updates the TCP checksum (RFC 1624). */
    private static void patch(final UnsafeBuffer frame, final int fieldOffset, final int value) {
        final int old = frame.getInt(fieldOffset, ByteOrder.BIG_ENDIAN);
        frame.putInt(fieldOffset, value, ByteOrder.BIG_ENDIAN);
        final int checksum = frame.getShort(36, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        frame.putShort(36, (short) Checksum.update32(checksum, old, value), ByteOrder.BIG_ENDIAN);
    }

    /** One in-order MSS of data arrives; the stack delivers it and builds the ACK. */
    @Benchmark
    public int inOrderDataSegment() {
        patch(data, 24, peerSeq);
        inject(data);
        peerSeq += MSS;
        inOrderOperations++;
        return packetLink.lastLength;
    }

    /** The application sends one MSS (segment built and sent), then the ACK for it arrives. */
    @Benchmark
    public int sendThenAckFreesBuffer() {
        server.send(payload, 0, MSS);
        stackSeq += MSS;
        patch(ack, 24, peerSeq);
        patch(ack, 28, stackSeq);
        inject(ack);
        sendOperations++;
        return server.sendQueued();
    }

    @TearDown(Level.Trial)
    public void check() {
        // Per operation: the ACK of the data (every one, or every second with delayed ACKs),
        // or the one MSS-sized data segment (the peer's ACK for it draws no answer).
        final long acksExpected = "every".equals(acks) ? inOrderOperations : inOrderOperations / 2;
        final long expected = acksExpected + sendOperations;
        final long sent = counters.get("tcp.OutSegs") - outSegsAfterSetup;
        if (inOrderOperations + sendOperations == 0 || sent != expected) {
            throw new IllegalStateException(inOrderOperations + " in-order and " + sendOperations
                + " send operations sent " + sent + " segments, not " + expected);
        }
        if (counters.get("tcp.InErrs") != 0 || counters.get("tcp.rx.out_of_window") != 0
            || counters.get("tcp.rx.duplicate_data") != 0) {
            throw new IllegalStateException("segments were rejected: the benchmark measured the wrong path "
                + counters.snapshot());
        }
        if (server.sendQueued() != 0) {
            throw new IllegalStateException("ACKs did not free the send buffer");
        }
    }
}
