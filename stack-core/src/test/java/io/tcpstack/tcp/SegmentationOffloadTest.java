package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.SegmentingLink;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The send side over a link that segments (TSO): one packet of many MSS per write, cut by
 * the link into MSS-sized segments that are the same bytes, sequence numbers and
 * congestion behaviour as without it.
 */
class SegmentationOffloadTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 5_000_000;
    private static final int MSS = 1460;
    private static final byte[] NONE = new byte[0];

    private SegmentingLink link;
    private final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null, inner -> link = new SegmentingLink(inner));
    private final RecordingHandler app = new RecordingHandler();
    private final TcpPeer peer = new TcpPeer(stack, 40000, PORT);
    private int iss;

    private List<Seg> establishAndSend(final byte[] data) {
        stack.stack.listen(PORT, 16, () -> app);
        peer.window = 65535;
        iss = peer.syn(PEER_ISN, MSS).get(0).seq();
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(data), 0, data.length));
        stack.run();
        return peer.collect();
    }

    @Test
    void theInitialWindow_goesAsOneSegmentedPacket_ofTenMss() {
        final List<Seg> first = establishAndSend(TestPackets.pattern(100_000));
        assertThat(link.segmented).hasSize(1);
        assertThat(link.segmented.get(0)).containsExactly(20 + 20 + 10 * MSS, 40, MSS);
        assertThat(first).hasSize(10).allSatisfy(seg -> assertThat(seg.data()).hasSize(MSS));
        for (int i = 0; i < 10; i++) {
            assertThat(first.get(i).seq()).isEqualTo(iss + 1 + i * MSS);
        }
        assertThat(stack.counter("ip.tx.segmented")).isEqualTo(1);
        // The SYN-ACK went whole, its checksum left to the link like every other segment.
        assertThat(link.checksumOnly).isEqualTo(1);
        assertThat(stack.counter("tcp.rx.bad_checksum")).isZero();
    }

    @Test
    void aWholeTransfer_arrivesByteExact_withTheFinOnlyOnTheLastSegment() {
        final byte[] data = TestPackets.pattern(150_001);
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        List<Seg> out = establishAndSend(data);
        stack.stack.submit(() -> app.connection.close());
        int expected = 0;
        boolean fin = false;
        for (int round = 0; round < 200 && !fin; round++) {
            for (final Seg seg : out) {
                assertThat(seg.seq()).isEqualTo(iss + 1 + expected);
                received.writeBytes(seg.data());
                expected += seg.data().length;
                fin |= seg.has(TcpPeer.FIN);
            }
            out = peer.send(ACK, PEER_ISN + 1, iss + 1 + expected, NONE);
        }
        assertThat(fin).isTrue();
        assertThat(received.toByteArray()).isEqualTo(data);
        assertThat(link.segmented.size()).as("packets of more than one MSS").isGreaterThan(3);
        assertThat(link.segmented).allSatisfy(call -> assertThat(call[2]).isEqualTo(MSS));
    }
}
