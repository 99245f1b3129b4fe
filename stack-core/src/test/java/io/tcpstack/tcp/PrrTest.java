package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;

/**
 * Proportional Rate Reduction (RFC 9937) in SACK recovery, segment in, segment out, in
 * simulated time. Ten segments out (the initial window) with 40 queued; segment 0 is lost
 * and each duplicate ACK SACKs one more. The first two send one new segment each (Limited
 * Transmit, RFC 3042), the third starts recovery with FlightSize 10 segments (the two
 * Limited Transmit sent are not counted), so ssthresh is 5 segments.
 */
class PrrTest extends SackSenderFixture {
    /** The peer's next sequence number, for ACKs that carry data. */
    int peerSeq = PEER_ISN + 1;

    @BeforeEach
    void tenSegmentsOut() {
        assertThat(establishAndSend(40 * MSS)).as("the initial window").hasSize(10);
    }

    /** A duplicate ACK SACKing segments 1 to {@code last}: what the stack sends in answer, as segment numbers. */
    private List<Integer> sackThrough(final int last) {
        return segments(peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + (last + 1) * MSS), NONE));
    }

    /**
     * An ACK of segment {@code ackSegment} carrying {@code data} and SACK blocks given as
     * segment numbers [from, to): the data segments the stack sends in answer, as numbers.
     */
    private List<Integer> ack(final int ackSegment, final byte[] data, final int... sackedSegments) {
        final int[] edges = new int[sackedSegments.length];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = s + sackedSegments[i] * MSS;
        }
        final List<Seg> out = peer.send(ACK, peerSeq, s + ackSegment * MSS,
            edges.length == 0 ? NONE : TcpPeer.sackOption(edges), data);
        peerSeq += data.length;
        return out.stream().filter(seg -> seg.data().length > 0).map(seg -> (seg.seq() - s) / MSS).toList();
    }

    /** Segments 0 and 5 lost: recovery for 0, then SACKs above 5 until PRR sends new data. */
    private void recoveryWithSegments0And5Lost() {
        assertThat(ack(0, NONE, 1, 2)).containsExactly(10);
        assertThat(ack(0, NONE, 1, 3)).containsExactly(11);
        assertThat(ack(0, NONE, 1, 4)).containsExactly(0);
        assertThat(ack(0, NONE, 1, 5)).isEmpty();
        assertThat(ack(0, NONE, 1, 5, 6, 7)).isEmpty();
        assertThat(ack(0, NONE, 1, 5, 6, 8)).as("new data: segment 5 not yet deemed lost").containsExactly(12);
    }

    private List<Integer> segments(final List<Seg> out) {
        assertThat(out).allSatisfy(seg -> assertThat(seg.data()).as("whole segments only").hasSize(MSS));
        return out.stream().map(seg -> (seg.seq() - s) / MSS).toList();
    }

    @Test
    void whileThePipeIsAboveSsthresh_oneSegmentGoesPerTwoDelivered_rfc9937() {
        assertThat(sackThrough(1)).as("Limited Transmit").containsExactly(10);
        assertThat(sackThrough(2)).as("Limited Transmit").containsExactly(11);
        assertThat(sackThrough(3)).as("the fast retransmit").containsExactly(0);
        assertThat(connection().cc.ssthresh()).isEqualTo(5 * MSS);
        // RFC 9937, on entering recovery: RecoverFS = SND.NXT − SND.UNA before this ACK (12 segments) less what was
        // SACKed before it (2): those will not be delivered again in this recovery.
        assertThat(connection().recoverFs).isEqualTo(10 * MSS);
        // SndCnt = CEIL(prr_delivered × ssthresh / RecoverFS) − prr_out, i.e. half of what is
        // delivered, in bytes: 2 delivered → 1460 − 1460, 3 → 2190 − 1460 (not a segment), 4 → one.
        assertThat(sackThrough(4)).isEmpty();
        assertThat(sackThrough(5)).isEmpty();
        assertThat(sackThrough(6)).as("new data while RFC 6675 alone (cwnd = ssthresh) would wait").containsExactly(12);
        assertThat(sackThrough(7)).isEmpty();
        assertThat(connection().pipe()).isGreaterThan(5 * MSS);
        assertThat(sackThrough(8)).as("the pipe down to ssthresh: nothing beyond it").isEmpty();
        assertThat(connection().pipe()).isEqualTo(5 * MSS);
        // At or below ssthresh, PRR-CRB: as much as is delivered (packet conservation), no
        // more, since these ACKs SACK new data (no SafeACK): the flight stays at ssthresh.
        assertThat(sackThrough(9)).containsExactly(13);
        assertThat(sackThrough(10)).containsExactly(14);
        assertThat(sackThrough(11)).containsExactly(15);
        assertThat(connection().pipe()).isEqualTo(5 * MSS);
    }

    @Test
    void newDataSentEarlyInRecovery_drawsTheAckThatEndsIt_whenTheOneClosingTheHoleIsLost() {
        sackThrough(1);
        sackThrough(2);
        sackThrough(3);
        sackThrough(4);
        sackThrough(5);
        assertThat(sackThrough(6)).containsExactly(12);
        // The resent segment 0 fills the hole and the receiver ACKs segments 0 to 11 at
        // once; that ACK is lost (or, from Linux, held with its compressed SACKs). Segment 12,
        // sent by PRR, still draws an ACK, and it covers the recovery point.
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, s + 13 * MSS, NONE);
        assertThat(connection().inRecovery).as("RFC 6582 §3.2 step 3: the full acknowledgment").isFalse();
        assertThat(connection().cc.cwnd()).as("RFC 9937: cwnd = ssthresh after recovery").isEqualTo(5 * MSS);
        assertThat(segments(out)).as("sending goes on at once").isNotEmpty();
        assertThat(stack.counter("tcp.rto_expired")).isZero();
    }

    @Test
    void belowSsthresh_whatIsSentStopsAtSsthresh_rfc9937() {
        for (int last = 1; last <= 8; last++) {
            sackThrough(last);
        }
        assertThat(connection().pipe()).isEqualTo(5 * MSS);
        // The resent segment 0 arrives: SND.UNA advances over it and the SACKed 1-8 with no
        // new SACK information (a SafeACK). prr_delivered − prr_out is 5 segments, and
        // PRR-SSRB adds one, but SndCnt = min(ssthresh − pipe, ...): 9-12 are in flight, so
        // one segment, and the flight is at ssthresh when recovery ends. (The SMSS PRR-SSRB
        // adds when the pipe is empty: RackTest, the whole flight lost.)
        final List<Integer> out = segments(peer.send(ACK, PEER_ISN + 1, s + 9 * MSS, NONE));
        assertThat(connection().inRecovery).as("segments 9-11 are still below the recovery point").isTrue();
        assertThat(out).containsExactly(13);
        assertThat(connection().pipe()).isEqualTo(5 * MSS);
    }

    @Test
    void aLostHoleGoesBeforeNewData_onAPureAck_rfc6675_5_nextSegRule1() {
        recoveryWithSegments0And5Lost();
        assertThat(ack(0, NONE, 1, 5, 6, 10)).as("segment 5 now deemed lost: rule (1) before rule (2)")
            .containsExactly(5);
    }

    @Test
    void aLostHoleGoesBeforeNewData_onAnAckThatCarriesData_too_rfc6675_5() {
        // RFC 6675 §5 steps (B) and (C) are for every ACK in recovery. One with data is no
        // duplicate ACK (RFC 5681 §2), and PRR's room went to new data while segment 5 waited
        // (helper-20's review).
        recoveryWithSegments0And5Lost();
        assertThat(ack(0, new byte[100], 1, 5, 6, 10)).as("rule (1): the lost hole").containsExactly(5);
    }

    @Test
    void aRetransmissionFoundLostOnThisAck_leavesThePipeForPrr_notAburstAboveSsthresh_rfc9937() {
        assertThat(ack(0, NONE, 1, 2)).containsExactly(10);
        assertThat(ack(0, NONE, 1, 3)).containsExactly(11);
        assertThat(ack(0, NONE, 1, 4)).containsExactly(0);
        assertThat(ack(0, NONE, 1, 5)).isEmpty();
        assertThat(ack(0, NONE, 1, 6)).isEmpty();
        assertThat(ack(0, NONE, 1, 7)).containsExactly(12);
        // Segment 12, sent after the resent 0, is SACKed while 0 is not: that copy was lost
        // too. PRR must measure the pipe without it (RFC 9937: the pipe after the ACK's
        // loss marking; at or below ssthresh SndCnt = MIN(ssthresh − pipe, ...)), as Linux
        // marks lost retransmissions before its cwnd reduction. Measured before, the room
        // grew by the lost copy and the flight went above ssthresh.
        ack(0, NONE, 1, 7, 12, 13);
        assertThat(connection().pipe()).isLessThanOrEqualTo(connection().cc.ssthresh());
        assertThat(stack.counter("tcp.lost_retransmits")).isEqualTo(1);
    }

    @Test
    void aRangeEvictedFromAFullScoreboard_isNotDeliveredTwice_rfc9937() {
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[60 * MSS]), 0, 60 * MSS));
        stack.run();
        peer.collect();
        for (int k = 1; k <= 12; k++) {
            ack(k, NONE); // slow start: more than 22 segments out
        }
        final int b = 12;
        assertThat(connection().sndNxt - s).isGreaterThanOrEqualTo((b + 22) * MSS);
        ack(b, NONE, b + 3, b + 4);
        ack(b, NONE, b + 5, b + 6, b + 3, b + 4);
        ack(b, NONE, b + 7, b + 8, b + 5, b + 6, b + 3, b + 4);
        assertThat(connection().inRecovery).isTrue();
        for (int r = 9; r <= 15; r += 2) {
            ack(b, NONE, b + r, b + r + 1);
        }
        ack(b, NONE, b + 17, b + 21); // the scoreboard's eighth range
        ack(b, NONE, b + 1, b + 2);   // a ninth, lower: the highest, [17, 21), is forgotten
        ack(b + 21, NONE);            // a partial ACK covers it all
        assertThat(connection().inRecovery).isTrue();
        // Delivered in this recovery: segments b to b + 20, less the 2 SACKed before it. The
        // forgotten range was counted when SACKed and again when ACKed (helper-20's review).
        assertThat(connection().prrDelivered).isEqualTo(19 * MSS);
    }
}
