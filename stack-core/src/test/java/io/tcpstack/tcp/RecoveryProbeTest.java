package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;

/**
 * {@link StackConfig.Builder#recoveryProbe}: a loss probe in SACK recovery once the ACKs
 * stop, beyond RFC 8985 §7.2 (which arms none in recovery), in simulated time. The
 * handshake measures an RTT of ~0, so the PTO is its 10 ms floor and the RTO its 200 ms one.
 * The case it is for, seen from a Linux receiver: segment 0 is lost, three duplicate ACKs
 * SACK segments 1-3, segment 0 is resent, and the receiver's one ACK for everything is lost.
 */
class RecoveryProbeTest extends SackSenderFixture {
    /** Ten segments out, the first lost, recovery entered by three SACK ACKs and segment 0 resent. */
    void enterRecovery(final boolean recoveryProbe) {
        assertThat(establishAndSend(config().recoveryProbe(recoveryProbe).build(), 10 * MSS, 0)).hasSize(10);
        final List<Seg> out = new java.util.ArrayList<>();
        for (int k = 2; k <= 4; k++) {
            out.addAll(peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + k * MSS), NONE));
        }
        assertThat(connection().inRecovery).isTrue();
        assertThat(out).extracting(Seg::seq).as("the hole resent").containsExactly(s);
    }

    @Test
    void noAckInRecovery_theHighestSegmentGoesAgain_afterThePto_notTheRto() {
        enterRecovery(true);
        assertThat(peer.advanceMs(9)).as("before the PTO").isEmpty();
        final List<Seg> probe = peer.advanceMs(2);
        assertThat(probe).extracting(Seg::seq).containsExactly(s + 9 * MSS);
        assertThat(probe.get(0).data()).hasSize(MSS);
        assertThat(stack.counter("tcp.recovery_probes")).isEqualTo(1);
        assertThat(stack.counter("tcp.rto_expired")).isZero();
        // The receiver had everything: it ACKs all, the probe reported as a duplicate (RFC 2883).
        peer.send(ACK, PEER_ISN + 1, s + 10 * MSS, TcpPeer.sackOption(s + 9 * MSS, s + 10 * MSS), NONE);
        assertThat(connection().inRecovery).as("RFC 6582 §3.2 step 3: the full acknowledgment").isFalse();
        assertThat(connection().sndUna).isEqualTo(s + 10 * MSS);
        assertThat(peer.advanceMs(300)).as("nothing out, nothing to resend").isEmpty();
        assertThat(stack.counter("tcp.rto_expired")).isZero();
    }

    @Test
    void oncePerSilence_thenTheRto() {
        enterRecovery(true);
        assertThat(peer.advanceMs(11)).hasSize(1);
        assertThat(peer.advanceMs(150)).as("no second probe without an ACK in between").isEmpty();
        final List<Seg> rto = peer.advanceMs(100);
        assertThat(rto).extracting(Seg::seq).first().isEqualTo(s);
        assertThat(stack.counter("tcp.rto_expired")).isEqualTo(1);
        assertThat(stack.counter("tcp.recovery_probes")).isEqualTo(1);
        assertThat(peer.advanceMs(100)).as("after an RTO the timer's backoff decides, not the probe")
            .extracting(Seg::seq).doesNotContain(s + 9 * MSS);
    }

    @Test
    void eachAckInRecovery_restartsThePto() {
        enterRecovery(true);
        peer.advanceMs(8);
        // Segment 4 SACKed 8 ms in: the ACK clock still runs, so no probe 10 ms after the last resend.
        assertThat(peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 5 * MSS), NONE))
            .as("nothing: the pipe is full").isEmpty();
        assertThat(peer.advanceMs(9)).as("10 ms after that ACK, not before").isEmpty();
        assertThat(peer.advanceMs(2)).extracting(Seg::seq).containsExactly(s + 9 * MSS);
    }

    @Test
    void offByDefault_asRfc8985_7_2_asks_theRtoRepairsIt() {
        enterRecovery(false);
        assertThat(peer.advanceMs(150)).as("no probe in recovery").isEmpty();
        final List<Seg> rto = peer.advanceMs(100);
        assertThat(rto).extracting(Seg::seq).first().isEqualTo(s);
        assertThat(stack.counter("tcp.recovery_probes")).isZero();
        assertThat(stack.counter("tcp.rto_expired")).isEqualTo(1);
    }
}
