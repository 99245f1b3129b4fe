package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
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
 * The tail loss probe (RFC 8985 §7), segment in → segments out in simulated time. The
 * handshake measures an RTT of ~0, so the PTO is its 10 ms floor and the RTO its 200 ms one.
 */
class TailLossProbeTest extends SackSenderFixture {
    @Test
    void noAckForTheTail_theLastSegmentGoesAgain_afterThePto_notTheRto_rfc8985_7_3() {
        assertThat(establishAndSend(10 * MSS)).hasSize(10);
        assertThat(peer.advanceMs(9)).as("before the PTO").isEmpty();
        final List<Seg> probe = peer.advanceMs(2);
        assertThat(probe).extracting(Seg::seq).as("no new data: the highest segment again").containsExactly(s + 9 * MSS);
        assertThat(stack.counter("tcp.loss_probes")).isEqualTo(1);
        assertThat(stack.counter("tcp.rto_expired")).isZero();
        // One probe per episode: nothing more until the RTO, armed anew by the probe (§7.3).
        assertThat(peer.advanceMs(150)).isEmpty();
        final List<Seg> rto = peer.advanceMs(100);
        assertThat(rto).extracting(Seg::seq).first().isEqualTo(s);
        assertThat(stack.counter("tcp.rto_expired")).isEqualTo(1);
    }

    @Test
    void aFlightThatIsOneTsoPacket_getsItsPtoToo_rfc8985_7_2() {
        // The initial window leaves as one packet for the link to segment: nothing was out
        // before it. The PTO was armed before SND.NXT moved past it, found nothing in flight,
        // and a lost flight waited for the RTO (offloads on, against Linux: 36 RTOs in 5 runs).
        final io.tcpstack.testing.SegmentingLink[] link = new io.tcpstack.testing.SegmentingLink[1];
        final StackHarness tso = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
            .delayedAckNs(0).build(), null, inner -> link[0] = new io.tcpstack.testing.SegmentingLink(inner));
        final RecordingHandler tsoApp = new RecordingHandler();
        final TcpPeer tsoPeer = new TcpPeer(tso, 40000, PORT);
        tso.stack.listen(PORT, 16, () -> tsoApp);
        final int iss = tsoPeer.synWithSack(PEER_ISN, MSS).get(0).seq();
        tsoPeer.window = 65535;
        tsoPeer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        tso.stack.submit(() -> tsoApp.connection.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS));
        tso.run();
        assertThat(tsoPeer.collect()).hasSize(10);
        assertThat(link[0].segmented).as("the whole flight in one packet").hasSize(1);
        assertThat(tsoPeer.advanceMs(9)).isEmpty();
        assertThat(tsoPeer.advanceMs(2)).extracting(Seg::seq).containsExactly(iss + 1 + 9 * MSS);
        assertThat(tso.counter("tcp.loss_probes")).isEqualTo(1);
        assertThat(tso.counter("tcp.rto_expired")).isZero();
    }

    @Test
    void aProbeTheDsackShowsNeedless_leavesTheWindowAlone_rfc8985_7_4_rfc2883() {
        establishAndSend(10 * MSS);
        peer.advanceMs(11);
        final long ssthresh = connection().cc.ssthresh();
        // The peer had everything (it held its ACK back): it ACKs all and reports the probe
        // as a duplicate in a D-SACK block below the cumulative ACK.
        peer.send(ACK, PEER_ISN + 1, s + 10 * MSS, TcpPeer.sackOption(s + 9 * MSS, s + 10 * MSS), NONE);
        assertThat(connection().probeOut).isFalse();
        assertThat(connection().cc.ssthresh()).isEqualTo(ssthresh);
    }

    @Test
    void aProbeThatRepairedALoss_countsAsCongestion_rfc8985_7_4_2() {
        establishAndSend(10 * MSS);
        peer.advanceMs(11);
        final int cwnd = connection().cc.cwnd();
        // No D-SACK: the original of the probe was lost, and the probe filled the hole.
        peer.send(ACK, PEER_ISN + 1, s + 10 * MSS, NONE);
        assertThat(connection().probeOut).isFalse();
        // The ACK grows cwnd by one segment (slow start, RFC 5681 §3.1), then the loss halves it.
        assertThat(connection().cc.ssthresh()).as("halved").isEqualTo((cwnd + MSS) / 2);
        assertThat(connection().cc.cwnd()).isEqualTo((cwnd + MSS) / 2);
    }

    @Test
    void withMoreDataWaiting_theProbeIsANewSegment_beyondCwnd_rfc8985_7_3() {
        assertThat(establishAndSend(100_000)).as("cwnd: the initial window").hasSize(10);
        final List<Seg> probe = peer.advanceMs(11);
        assertThat(probe).extracting(Seg::seq).containsExactly(s + 10 * MSS);
        assertThat(stack.counter("tcp.RetransSegs")).isZero();
        // Its SACK (segment 0 lost, 1-9 and the probe arrived) starts recovery at once.
        peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 11 * MSS), NONE);
        assertThat(stack.counter("tcp.fast_retransmits")).isEqualTo(1);
    }

    @Test
    void afterARecovery_anAckWithoutBlocks_clearsTheScoreboard_andTheProbeIsArmedAgain_rfc6675_5_rfc8985_7_2() {
        establishAndSend(100_000);
        // Segment 0 lost; 1-3 SACKed: recovery, segment 0 resent.
        for (int k = 2; k <= 4; k++) {
            peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + k * MSS), NONE);
        }
        assertThat(connection().inRecovery).isTrue();
        // Everything so far arrives; the ACK has no blocks (nothing out of order any more).
        peer.send(ACK, PEER_ISN + 1, connection().sndNxt, NONE);
        peer.collect();
        assertThat(connection().inRecovery).isFalse();
        assertThat(connection().sackedRanges).isZero();
        assertThat(connection().probeDeadlineNs).as("PTO armed for the data now out").isNotEqualTo(Long.MAX_VALUE);
    }

    @Test
    void oneSegmentOut_thePtoAddsTheDelayedAckAllowance_soTheRtoComesFirst_rfc8985_7_2() {
        establishAndSend(10 * MSS);
        // Nine of ten acknowledged: one segment out. PTO = 10 ms + 200 ms (WCDelAckT) > RTO.
        peer.send(ACK, PEER_ISN + 1, s + 9 * MSS, NONE);
        assertThat(peer.advanceMs(150)).isEmpty();
        peer.advanceMs(100);
        assertThat(stack.counter("tcp.loss_probes")).isZero();
        assertThat(stack.counter("tcp.rto_expired")).isEqualTo(1);
    }
}
