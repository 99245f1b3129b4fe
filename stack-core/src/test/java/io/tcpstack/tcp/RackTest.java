package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;

/**
 * RACK's reordering timer (RFC 8985 §6.2-6.3), by sequence order, in simulated time: a hole
 * below SACKed data that DupThresh does not call lost is deemed lost once RACK.reo_wnd
 * (RACK.min_RTT / 4) has passed without it being filled.
 */
class RackTest extends SackSenderFixture {
    @Test
    void aWholeFlightLost_onlyTheLossProbeArrives_racksTimerStartsRecovery_rfc8985_6_3_7_4() {
        assertThat(establishAndSend(100_000, 0)).hasSize(10);
        final List<Seg> probe = peer.advanceMs(11);
        assertThat(probe).extracting(Seg::seq).as("TLP: new data").containsExactly(s + 10 * MSS);
        // Only the probe arrived: one segment SACKed, no DupThresh.
        assertThat(peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + 10 * MSS, s + 11 * MSS), NONE))
            .as("no DupThresh: nothing yet").isEmpty();
        assertThat(connection().inRecovery).isFalse();
        // RFC 9937: nothing delivered when the timer starts recovery, so PRR lets out the
        // fast retransmit alone (as Linux's RACK timer does), not ssthresh's worth at once.
        final List<Seg> resent = peer.advanceMs(2);
        assertThat(resent).extracting(Seg::seq).as("the first hole").containsExactly(s);
        assertThat(connection().inRecovery).isTrue();
        assertThat(stack.counter("tcp.rack_losses")).isEqualTo(1);
        assertThat(stack.counter("tcp.rto_expired")).isZero();
        // Its ACK delivers one segment and SND.UNA advances with nothing new SACKed (a SafeACK):
        // the pipe is empty, so PRR-SSRB sends what was delivered plus one SMSS, the next holes.
        assertThat(peer.send(ACK, PEER_ISN + 1, s + MSS, TcpPeer.sackOption(s + 10 * MSS, s + 11 * MSS), NONE))
            .extracting(Seg::seq).as("the next two holes").containsExactly(s + MSS, s + 2 * MSS);
        // The peer now has everything: recovery ends without an RTO.
        peer.send(ACK, PEER_ISN + 1, connection().sndNxt, NONE);
        assertThat(connection().inRecovery).isFalse();
        assertThat(connection().rackLostSet).isFalse();
    }

    @Test
    void aHoleFilledWithinTheReorderingWindow_isNotResent_rfc8985_6_2() {
        // RACK.min_RTT 20 ms: reo_wnd 5 ms.
        assertThat(establishAndSend(10 * MSS, 20)).hasSize(10);
        // Segment 0 delayed (reordered), segment 1 SACKed.
        peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 2 * MSS), NONE);
        assertThat(peer.advanceMs(4)).as("inside reo_wnd").isEmpty();
        // Segment 0 arrives: the cumulative ACK covers both.
        peer.send(ACK, PEER_ISN + 1, s + 2 * MSS, NONE);
        assertThat(peer.advanceMs(10)).isEmpty();
        assertThat(stack.counter("tcp.rack_losses")).isZero();
        assertThat(stack.counter("tcp.RetransSegs")).isZero();
    }

    @Test
    void theHoleStillOpenWhenTheWindowRunsOut_isResent_notBefore_rfc8985_6_3() {
        assertThat(establishAndSend(10 * MSS, 20)).hasSize(10);
        peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 2 * MSS), NONE);
        assertThat(peer.advanceMs(4)).as("inside reo_wnd (5 ms)").isEmpty();
        assertThat(peer.advanceMs(3)).extracting(Seg::seq).as("segment 0, lost by RACK").first().isEqualTo(s);
        assertThat(stack.counter("tcp.rack_losses")).isEqualTo(1);
        assertThat(stack.counter("tcp.fast_retransmits")).isEqualTo(1);
    }

    @Test
    void aDsack_widensTheReorderingWindow_oncePerRoundTrip_rfc8985_6_2_step4() {
        assertThat(establishAndSend(10 * MSS, 20)).hasSize(10);
        // Segments 0-1 acknowledged one RTT (20 ms) later; the first block reports segment 0 as
        // received twice (RFC 2883).
        peer.advanceMs(20);
        peer.send(ACK, PEER_ISN + 1, s + 2 * MSS, TcpPeer.sackOption(s, s + MSS), NONE);
        peer.send(ACK, PEER_ISN + 1, s + 2 * MSS, TcpPeer.sackOption(s, s + MSS), NONE);
        assertThat(connection().rackReoWndMult).as("one step per round trip").isEqualTo(2);
        // Segment 2 missing, 3 SACKed: reo_wnd now 2 x 20 / 4 = 10 ms.
        peer.send(ACK, PEER_ISN + 1, s + 2 * MSS, TcpPeer.sackOption(s + 3 * MSS, s + 4 * MSS), NONE);
        assertThat(peer.advanceMs(8)).as("5 ms would have been the window without the D-SACK").isEmpty();
        assertThat(peer.advanceMs(4)).extracting(Seg::seq).first().isEqualTo(s + 2 * MSS);
        assertThat(stack.counter("tcp.rack_losses")).isEqualTo(1);
    }

    @Test
    void threeDuplicates_stillStartRecoveryAtOnce_dupThreshFirst_rfc6675_5() {
        establishAndSend(10 * MSS, 20);
        for (int k = 2; k <= 4; k++) {
            peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + k * MSS), NONE);
        }
        assertThat(connection().inRecovery).isTrue();
        assertThat(stack.counter("tcp.rack_losses")).isZero();
        assertThat(connection().rackDeadlineNs).isEqualTo(Long.MAX_VALUE);
    }
}
