package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.PSH;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The sequence number a pure ACK carries: one the peer finds acceptable (RFC 9293
 * §3.10.7.4), or the peer drops the segment unread and never learns what it acknowledges.
 */
class AckSequenceTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 7_000_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .delayedAckNs(0).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);
    int iss;

    void establishAndSend(final int window, final int bytes) {
        stack.stack.listen(PORT, 16, () -> app);
        iss = peer.syn(PEER_ISN, 1460).get(0).seq();
        peer.window = window;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[bytes]), 0, bytes));
        stack.run();
        peer.collect();
    }

    @Test
    void withTheWindowOpen_aPureAckCarriesSndMax() {
        establishAndSend(65535, 1000);
        final List<Seg> acks = peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, "x".getBytes());
        assertThat(acks).hasSize(1);
        assertThat(acks.get(0).seq()).isEqualTo(iss + 1 + 1000);
    }

    @Test
    void whenThePeerClosedItsWindowBelowWhatWasSent_aPureAckCarriesSndUna_rfc9293_3_10_7_4() {
        establishAndSend(65535, 1000);
        // The peer acknowledges none of the 1000 bytes and closes its window: with RCV.WND 0
        // it accepts a segment only at SEG.SEQ = RCV.NXT, which is our SND.UNA, not SND.MAX.
        peer.window = 0;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        peer.window = 0;
        final List<Seg> acks = peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, "x".getBytes());
        assertThat(acks).extracting(Seg::seq).containsExactly(iss + 1);
        assertThat(acks.get(0).ack()).isEqualTo(PEER_ISN + 2);
    }
}
