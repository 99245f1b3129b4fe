package io.tcpstack.ip;

import static io.tcpstack.testing.TestPackets.HOST;
import static io.tcpstack.testing.TestPackets.STACK;
import static io.tcpstack.testing.TestPackets.pattern;
import static io.tcpstack.testing.TestPackets.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.testing.FlaggingLink;

/**
 * Frames an offloading link hands over with {@link FrameHandler#CHECKSUM_TRUSTED}: the TCP
 * checksum is not verified (the kernel left a partial sum), and packets larger than the MTU
 * (GRO/GSO) are taken whole. Without the flag both are checked as usual.
 */
class TrustedChecksumTest {
    private static final int MTU = 1500;
    private final CachedNanoClock clock = new CachedNanoClock();
    private final StackCounters counters = StackCounters.inMemory();
    private final MemoryLink[] ends = MemoryLink.pair(65535);
    private final FlaggingLink link = new FlaggingLink(ends[0], MTU);
    private final TcpStack stack = new TcpStack(StackConfig.builder().localAddress(STACK).mtu(MTU).build(), link,
        clock, counters, null);

    private List<byte[]> exchange(final byte[] packet, final int flags) {
        link.flags = flags;
        assertThat(ends[1].send(new UnsafeBuffer(packet), 0, packet.length)).isTrue();
        for (int i = 0; i < 100 && stack.doWork() > 0; i++) {
            // until idle
        }
        final List<byte[]> sent = new ArrayList<>();
        ends[1].poll((buffer, offset, length) -> {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            sent.add(copy);
        }, 100);
        return sent;
    }

    /** A SYN to a closed port whose TCP checksum field holds garbage (as a partial sum would). */
    private static byte[] synWithWrongChecksum() {
        final byte[] syn = tcp(HOST, STACK, 40000, 8081, 1000, 0, 0x02, new byte[0]);
        syn[36] ^= 0x5A;
        return syn;
    }

    @Test
    void untrusted_wrongChecksumIsDropped() {
        assertThat(exchange(synWithWrongChecksum(), 0)).isEmpty();
        assertThat(counters.get("tcp.rx.bad_checksum")).isEqualTo(1);
        assertThat(counters.get("tcp.rx.checksum_trusted")).isZero();
    }

    @Test
    void trusted_checksumIsNotVerified_theClosedPortAnswersWithReset() {
        final List<byte[]> out = exchange(synWithWrongChecksum(), FrameHandler.CHECKSUM_TRUSTED);
        assertThat(out).hasSize(1);
        assertThat(out.get(0)[33] & 0x04).as("RST").isEqualTo(0x04);
        assertThat(counters.get("tcp.rx.bad_checksum")).isZero();
        assertThat(counters.get("tcp.rx.checksum_trusted")).isEqualTo(1);
    }

    @Test
    void trusted_ipHeaderChecksumIsStillVerified() {
        final byte[] syn = synWithWrongChecksum();
        syn[11] ^= 0x01;
        assertThat(exchange(syn, FrameHandler.CHECKSUM_TRUSTED)).isEmpty();
        assertThat(counters.get("ip.rx.bad_checksum")).isEqualTo(1);
    }

    @Test
    void trusted_aGsoSizedSegmentAboveTheMtuIsTakenWhole() {
        // 60,000 data bytes to a closed port: the RST acknowledges all of them (RFC 9293 §3.10.7.1).
        final byte[] segment = tcp(HOST, STACK, 40000, 8081, 1000, 0, 0x10 | 0x08, pattern(60_000));
        segment[36] ^= 0x5A;
        final List<byte[]> out = exchange(segment, FrameHandler.CHECKSUM_TRUSTED);
        assertThat(counters.get("ip.rx.bytes")).isEqualTo(segment.length);
        assertThat(out).hasSize(1);
        assertThat(out.get(0)[33] & 0x04).as("RST").isEqualTo(0x04);
        assertThat(counters.get("tcp.rx.checksum_trusted")).isEqualTo(1);
        assertThat(ByteBuffer.wrap(segment).getShort(2) & 0xFFFF).isGreaterThan(MTU);
    }
}
