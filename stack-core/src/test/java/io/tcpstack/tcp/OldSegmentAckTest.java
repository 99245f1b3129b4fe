package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A segment wholly below RCV.NXT (an old duplicate) is answered with an ACK and its text
 * dropped, but its ACK field is still taken (BSD's tcp_input): here, that it then does all an
 * ACK does, in simulated time.
 */
class OldSegmentAckTest extends SackSenderFixture {
    @Test
    void anOldSegmentsAck_thatFreesTheSendBuffer_tellsTheApplication() {
        // A 4 KiB send buffer, 10 segments' worth offered: the application is told to wait.
        establishAndSend(config().tcpBufferBytes(4096).build(), 10 * MSS, 0);
        assertThat(connection().sendSpace()).isZero();
        final int sent = connection().sndNxt - s;
        assertThat(sent).isEqualTo(4096);
        // The peer's 100 bytes arrive; then a copy of them (the peer's retransmission, now
        // wholly below RCV.NXT) carries the ACK of everything the stack sent.
        final byte[] text = new byte[100];
        peer.send(ACK, PEER_ISN + 1, s, text);
        app.events.clear();
        peer.send(ACK, PEER_ISN + 1, s + sent, text);
        assertThat(stack.counter("tcp.rx.out_of_window")).as("taken by the old-segment path").isEqualTo(1);
        assertThat(connection().sndUna).isEqualTo(connection().sndNxt);
        assertThat(connection().sendSpace()).isEqualTo(4096);
        // Without it the application waited for an onWritable that no later ACK would bring:
        // nothing was in flight (a lossy two-stack seed, 13730, stuck half written).
        assertThat(app.events).contains("writable");
    }
}
