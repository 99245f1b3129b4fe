package io.tcpstack.tun;

import io.tcpstack.wire.IpAddress;

import static io.tcpstack.tun.Ipv4Packets.PROTOCOL_EXPERIMENT;
import static io.tcpstack.tun.Ipv4Packets.PROTOCOL_ICMP;
import static io.tcpstack.tun.Ipv4Packets.direct;
import static io.tcpstack.tun.TunTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;

import io.tcpstack.link.FrameHandler;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.Checksum;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Frames through a real TUN in a namespace made for each test: injected from the kernel
 * side with a {@link PacketSocket}, and the kernel answering what {@link TunLink#send} wrote.
 */
class TunLinkIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int ROUNDS = 10_000;
    /** The kernel's address on the TUN. */
    private static final int HOST = IpAddress.parse("10.77.0.1");
    /** The user-space stack's address, behind the TUN. */
    private static final int STACK = IpAddress.parse("10.77.0.2");

    private final StackCounters counters = StackCounters.inMemory();
    private final FrameCollector received = new FrameCollector();
    private String namespace;
    private TunLink link;
    private PacketSocket injector;

    @BeforeEach
    void createNamespace() {
        TunTestSupport.assumeRootAndTun();
        namespace = TunTestSupport.createNamespace();
    }

    @AfterEach
    void closeEverything() {
        try {
            if (injector != null) {
                injector.close();
            }
            if (link != null) {
                link.close();
                assertThat(link.readerThread().isAlive()).isFalse();
            }
        } finally {
            TunTestSupport.deleteNamespace(namespace);
        }
    }

    private void open(final int mtu) {
        link = TunLink.open(new TunConfig(namespace, "tun0", HOST, 24, mtu), counters);
        injector = PacketSocket.open(namespace, "tun0");
    }

    private void pollAll() {
        link.poll(received, 1000);
    }

    @Test
    void packetInjectedFromTheNamespaceArrivesByteForByte() {
        open(1500);
        final byte[] packet = Ipv4Packets.malformed(HOST, STACK, 1, 100);

        assertThat(injector.send(direct(packet), 0, packet.length)).isTrue();

        await("the injected frame", TIMEOUT, this::pollAll, () -> !received.ipv4(PROTOCOL_EXPERIMENT).isEmpty());
        assertThat(received.ipv4(PROTOCOL_EXPERIMENT)).singleElement().isEqualTo(packet);
        assertThat(counters.get("tun.rx.packets")).isGreaterThanOrEqualTo(1);
        assertThat(counters.get("tun.rx.bytes")).isGreaterThanOrEqualTo(packet.length);
        assertThat(counters.get("tun.rx.ring_full")).isZero();
        assertThat(counters.get("tun.rx.errors")).isZero();
    }

    @Test
    void kernelAnswersAnEchoRequestWrittenToTheTun() {
        open(1500);
        final byte[] data = "tcpstack tun-driver echo test 0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] request = Ipv4Packets.ipv4(STACK, HOST, PROTOCOL_ICMP, 7,
            Ipv4Packets.icmpEcho(8, 0x5443, 1, data));

        assertThat(link.send(direct(request), 0, request.length)).isTrue();

        await("the echo reply", TIMEOUT, this::pollAll, () -> !received.ipv4(PROTOCOL_ICMP).isEmpty());
        final UnsafeBuffer reply = new UnsafeBuffer(received.ipv4(PROTOCOL_ICMP).get(0));
        assertThat(reply.getInt(12, ByteOrder.BIG_ENDIAN)).as("source").isEqualTo(HOST);
        assertThat(reply.getInt(16, ByteOrder.BIG_ENDIAN)).as("destination").isEqualTo(STACK);
        assertThat(Checksum.compute(reply, 0, 20)).as("IPv4 header checksum").isZero();
        final int icmpLength = reply.capacity() - 20;
        assertThat(Checksum.compute(reply, 20, icmpLength)).as("ICMP checksum").isZero();
        assertThat(reply.getByte(20)).as("type echo reply").isEqualTo((byte) 0);
        assertThat(reply.getShort(24, ByteOrder.BIG_ENDIAN)).as("identifier").isEqualTo((short) 0x5443);
        assertThat(reply.getShort(26, ByteOrder.BIG_ENDIAN)).as("sequence").isEqualTo((short) 1);
        final byte[] echoed = new byte[icmpLength - 8];
        reply.getBytes(28, echoed);
        assertThat(echoed).isEqualTo(data);
        assertThat(counters.get("tun.tx.packets")).isEqualTo(1);
        assertThat(counters.get("tun.tx.bytes")).isEqualTo(request.length);
        assertThat(counters.get("tun.tx.errors")).isZero();
    }

    @Test
    void writeThatIsNotIpIsRefusedAndCounted() {
        open(1500);
        final byte[] notIp = new byte[40]; // version nibble 0: the TUN driver answers EINVAL

        assertThat(link.send(direct(notIp), 0, notIp.length)).isFalse();

        assertThat(counters.get("tun.tx.errors")).isEqualTo(1);
        assertThat(counters.get("tun.tx.packets")).isZero();
    }

    @Test
    void whenTheRingIsFullTheReaderDropsAndCountsAndWhatFitIsIntact() {
        final TunDevice device = TunDevice.open(new TunConfig(namespace, "tun0", HOST, 24, 1500));
        link = new TunLink(device, counters, 16 * 1024); // 10 frames of 1500 bytes; more of these
        injector = PacketSocket.open(namespace, "tun0");
        final int injected = 40;
        final byte[][] packets = new byte[injected][];
        final UnsafeBuffer out = direct(new byte[1500]);
        for (int i = 0; i < injected; i++) { // no poll meanwhile: the ring fills
            packets[i] = Ipv4Packets.malformed(HOST, STACK, i, 200 + i * 30);
            out.putBytes(0, packets[i]);
            assertThat(injector.send(out, 0, packets[i].length)).isTrue();
        }

        await("the reader to take every frame", TIMEOUT, Thread::onSpinWait,
            () -> counters.get("tun.rx.packets") + counters.get("tun.rx.ring_full") >= injected);
        assertThat(counters.get("tun.rx.ring_full")).isGreaterThan(0);
        await("every injected frame delivered or dropped", TIMEOUT, this::pollAll,
            () -> received.ipv4(PROTOCOL_EXPERIMENT).size() + counters.get("tun.rx.ring_full") >= injected);

        final List<byte[]> delivered = received.ipv4(PROTOCOL_EXPERIMENT);
        // Frames take their own size (200 to 1370 bytes here), not a 1500-byte slot each: more
        // than the worst case fit, and no more than the ring's bytes allow.
        assertThat(delivered).hasSizeGreaterThan(link.ringFrameCapacity())
            .hasSizeLessThanOrEqualTo(16 * 1024 / FrameRing.recordLength(200));
        for (final byte[] frame : delivered) {
            final int sequence = new UnsafeBuffer(frame).getInt(20, ByteOrder.BIG_ENDIAN);
            assertThat(frame).as("frame %d intact", sequence).isEqualTo(packets[sequence]);
        }
        assertThat(delivered.get(0)).as("the first frame was not dropped").isEqualTo(packets[0]);

        // Once drained, frames flow again.
        received.frames.clear();
        final byte[] after = Ipv4Packets.malformed(HOST, STACK, 1000, 64);
        assertThat(injector.send(direct(after), 0, after.length)).isTrue();
        await("a frame after the ring drained", TIMEOUT, this::pollAll,
            () -> !received.ipv4(PROTOCOL_EXPERIMENT).isEmpty());
        assertThat(received.ipv4(PROTOCOL_EXPERIMENT)).singleElement().isEqualTo(after);
    }

    @Test
    void mtu65535CarriesASixtyKilobyteFrame() {
        open(65535);
        assertThat(link.mtu()).isEqualTo(65535);
        assertThat(link.ringCapacity()).isEqualTo(8 << 20);
        assertThat(link.ringFrameCapacity()).isEqualTo(127);
        assertThat(TunTestSupport.ip("-n", namespace, "link", "show", "dev", "tun0").output()).contains("mtu 65535");
        final byte[] packet = Ipv4Packets.malformed(HOST, STACK, 3, 60_000);

        assertThat(injector.send(direct(packet), 0, packet.length)).isTrue();

        await("the 60 KB frame", TIMEOUT, this::pollAll, () -> !received.ipv4(PROTOCOL_EXPERIMENT).isEmpty());
        assertThat(received.ipv4(PROTOCOL_EXPERIMENT)).singleElement().isEqualTo(packet);
    }

    @Test
    void sendAndPollAllocateNothingInSteadyState() {
        open(1500);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final byte[] request = Ipv4Packets.ipv4(STACK, HOST, PROTOCOL_ICMP, 9,
            Ipv4Packets.icmpEcho(8, 0x5444, 1, new byte[56]));
        final UnsafeBuffer out = direct(request);
        final CountingHandler replies = new CountingHandler();
        final long me = Thread.currentThread().getId();
        final long reader = link.readerThread().getId();

        pingPong(out, request.length, replies, 2000); // warm up: JIT, class loading, jnr stubs
        final long mineBefore = threads.getThreadAllocatedBytes(me);
        final long readerBefore = threads.getThreadAllocatedBytes(reader);
        pingPong(out, request.length, replies, ROUNDS);
        final long mine = threads.getThreadAllocatedBytes(me) - mineBefore;
        final long readers = threads.getThreadAllocatedBytes(reader) - readerBefore;

        System.out.println("allocated over " + ROUNDS + " round trips: stack thread " + mine + " B, reader " + readers + " B");
        assertThat(replies.count).isEqualTo(2000 + ROUNDS);
        // Any per-call allocation is at least 16 bytes per round; allow one-off JVM noise.
        assertThat(mine).as("bytes allocated by send + poll for %d round trips", ROUNDS).isLessThan(ROUNDS);
        assertThat(readers).as("bytes allocated by the reader for %d frames", ROUNDS).isLessThan(ROUNDS);
    }

    /** Sends {@code rounds} echo requests one at a time, each waiting for its reply (bounded). */
    private void pingPong(final UnsafeBuffer request, final int length, final CountingHandler replies, final int rounds) {
        for (int i = 0; i < rounds; i++) {
            final long expected = replies.count + 1;
            if (!link.send(request, 0, length)) { // not assertThat: it allocates
                throw new AssertionError("send failed in round " + i);
            }
            final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (replies.count < expected) {
                link.poll(replies, 16);
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new AssertionError("no echo reply for round " + i);
                }
            }
        }
    }

    /** Counts ICMP echo replies without allocating. */
    private static final class CountingHandler implements FrameHandler {
        long count;

        @Override
        public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length) {
            if (length >= 28 && (buffer.getByte(offset) & 0xF0) == 0x40 && buffer.getByte(offset + 9) == PROTOCOL_ICMP
                && buffer.getByte(offset + 20) == 0) {
                count++;
            }
        }
    }
}
