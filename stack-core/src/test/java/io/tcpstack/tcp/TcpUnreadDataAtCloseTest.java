package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.FIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The application closed its side and reads slowly; the peer's data and FIN arrive before
 * it has read them. Closing only the sending side (RFC 9293 §3.6: "the user can continue to
 * RECEIVE until the remote side closes") must not lose what arrived: the TIME-WAIT record
 * keeps no data, so the connection waits for the application before it becomes one.
 */
class TcpUnreadDataAtCloseTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);

    /** Established, 1000 bytes from the peer not read, our FIN sent; returns our ISS. */
    private int closeWithUnreadData() {
        stack.stack.listen(PORT, 16, () -> app);
        final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        app.consumeLimit = 0;
        peer.send(ACK, PEER_ISN + 1, iss + 1, new byte[1000]);
        app.connection.close();
        final List<Seg> fin = peer.collect();
        assertThat(fin).hasSize(1);
        assertThat(fin.get(0).has(FIN)).isTrue();
        return iss;
    }

    private void readEverything() {
        app.consumeLimit = Integer.MAX_VALUE;
        app.connection.resumeReading();
        assertThat(app.received.size()).isEqualTo(1000);
    }

    @Test
    void finInFinWait2_withUnreadData_waitsForTheApplication_thenTimeWait_rfc9293_3_10_7_4() {
        final int iss = closeWithUnreadData();
        peer.send(ACK, PEER_ISN + 1001, iss + 2, NONE);
        assertThat(app.connection.state()).isEqualTo(TcpState.FIN_WAIT_2);

        final List<Seg> ack = peer.send(FIN | ACK, PEER_ISN + 1001, iss + 2, NONE);
        assertThat(ack).extracting(Seg::ack).containsExactly(PEER_ISN + 1002);
        // onPeerClosed means "nothing more will come": it waits until the bytes before the FIN are read.
        assertThat(app.events).doesNotContain("peerClosed");
        assertThat(app.closeReason).as("not closed while 1000 bytes wait to be read").isNull();
        // The peer's FIN again (our ACK lost): answered as TIME-WAIT would.
        assertThat(peer.send(FIN | ACK, PEER_ISN + 1001, iss + 2, NONE)).extracting(Seg::ack)
            .containsExactly(PEER_ISN + 1002);
        // An RST (the peer, now CLOSED, answering an ACK of a late duplicate) is ignored, as in
        // TIME-WAIT (RFC 1337): what arrived in full is not thrown away.
        assertThat(peer.send(TcpPeer.RST, PEER_ISN + 1002, 0, NONE)).isEmpty();
        assertThat(app.closeReason).isNull();

        readEverything();
        assertThat(app.events).containsSubsequence("peerClosed", "closed:NORMAL");
        assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().connectionCount()).isZero();
        assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
    }

    @Test
    void lastAckInClosing_withUnreadData_waitsForTheApplication_thenTimeWait_rfc9293_3_10_7_4() {
        final int iss = closeWithUnreadData();
        // Simultaneous close: the peer's FIN does not acknowledge ours.
        peer.send(FIN | ACK, PEER_ISN + 1001, iss + 1, NONE);
        assertThat(app.connection.state()).isEqualTo(TcpState.CLOSING);
        assertThat(peer.send(ACK, PEER_ISN + 1002, iss + 2, NONE)).isEmpty();
        assertThat(app.closeReason).as("not closed while 1000 bytes wait to be read").isNull();

        readEverything();
        assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
    }

    @Test
    void finAckedInLastAck_withUnreadData_waitsForTheApplication_thenClosed_rfc9293_3_10_7_4() {
        stack.stack.listen(PORT, 16, () -> app);
        final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        app.consumeLimit = 0;
        // The peer sends 1000 bytes and closes; the application closes its side too (it still
        // reads: close() is shutdownOutput() in this API), before reading.
        peer.send(FIN | ACK, PEER_ISN + 1, iss + 1, new byte[1000]);
        assertThat(app.connection.state()).isEqualTo(TcpState.CLOSE_WAIT);
        assertThat(app.events).as("not before the bytes before the FIN are read").doesNotContain("peerClosed");
        app.connection.close();
        assertThat(app.connection.state()).isEqualTo(TcpState.LAST_ACK);
        assertThat(peer.collect()).extracting(Seg::flags).containsExactly(FIN | ACK);
        peer.send(ACK, PEER_ISN + 1002, iss + 2, NONE);
        assertThat(app.closeReason).as("not closed while 1000 bytes wait to be read").isNull();

        readEverything();
        assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().connectionCount()).isZero();
    }

    @Test
    void finInFinWait2_withEverythingRead_isTimeWaitAtOnce() {
        final int iss = closeWithUnreadData();
        readEverything();
        peer.send(ACK, PEER_ISN + 1001, iss + 2, NONE);
        peer.send(FIN | ACK, PEER_ISN + 1001, iss + 2, NONE);
        assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
    }
}
