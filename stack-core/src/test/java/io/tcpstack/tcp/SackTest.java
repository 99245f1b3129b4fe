package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
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
 * Selective acknowledgment (RFC 2018), segment in → segments out: negotiation, the blocks the
 * receiver reports, and the sender retransmitting the holes they reveal (RFC 6675, simplified).
 */
class SackTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 3_000_000;
    private static final int MSS = 1460;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .delayedAckNs(0).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);
    int iss;

    void establishWithSack() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg synAck = peer.synWithSack(PEER_ISN, MSS).get(0);
        assertThat(synAck.sackPermitted()).as("SACK-permitted answered (RFC 2018 §2)").isTrue();
        iss = synAck.seq();
        peer.window = 65535;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
    }

    /** MSS, SACK-permitted and timestamps in the SYN (TSval 1000), as Linux sends them. */
    void establishWithSackAndTimestamps() {
        stack.stack.listen(PORT, 16, () -> app);
        final byte[] options = ByteBuffer.allocate(20).put(new byte[] {2, 4, (byte) (MSS >>> 8), (byte) MSS, 1, 1, 4, 2})
            .put(TcpPeer.timestampsOption(1000, 0)).array();
        final Seg synAck = peer.send(SYN, PEER_ISN, 0, options, NONE).get(0);
        assertThat(synAck.sackPermitted()).isTrue();
        assertThat(synAck.hasTimestamps()).isTrue();
        iss = synAck.seq();
        peer.window = 65535;
        peer.send(ACK, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(1001, synAck.tsVal()), NONE);
    }

    /** Bytes of [from, to) that the segments carry (each counted as often as sent). */
    private static int bytesSentIn(final List<Seg> segs, final int from, final int to) {
        int bytes = 0;
        for (final Seg seg : segs) {
            final int a = Seq.gt(seg.seq(), from) ? seg.seq() : from;
            final int end = seg.seq() + seg.data().length;
            final int b = Seq.lt(end, to) ? end : to;
            if (Seq.lt(a, b)) {
                bytes += b - a;
            }
        }
        return bytes;
    }

    @Test
    void withoutSackPermittedInTheSyn_theSynAckHasNone_andAcksCarryNoBlocks() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg synAck = peer.syn(PEER_ISN, MSS).get(0);
        assertThat(synAck.sackPermitted()).isFalse();
        peer.send(ACK, PEER_ISN + 1, synAck.seq() + 1, NONE);
        final List<Seg> dup = peer.send(ACK, PEER_ISN + 101, synAck.seq() + 1, new byte[100]);
        assertThat(dup.get(0).sack()).isEmpty();
    }

    @Test
    void outOfOrderData_isReportedInSackBlocks_theLatestFirst_rfc2018_4() {
        establishWithSack();
        final int base = PEER_ISN + 1;
        final Seg first = peer.send(ACK, base + 1000, iss + 1, new byte[100]).get(0);
        assertThat(first.ack()).isEqualTo(base);
        assertThat(first.sack()).containsExactly(base + 1000, base + 1100);
        final Seg second = peer.send(ACK, base + 3000, iss + 1, new byte[200]).get(0);
        assertThat(second.sack()).as("the block of the latest segment first")
            .containsExactly(base + 3000, base + 3200, base + 1000, base + 1100);
        final Seg merged = peer.send(ACK, base + 1100, iss + 1, new byte[100]).get(0);
        assertThat(merged.sack()).containsExactly(base + 1000, base + 1200, base + 3000, base + 3200);
        final Seg filled = peer.send(ACK, base, iss + 1, new byte[1000]).get(0);
        assertThat(filled.ack()).isEqualTo(base + 1200);
        assertThat(filled.sack()).containsExactly(base + 3000, base + 3200);
    }

    @Test
    void aDuplicateSegment_isReportedOnceInADsackBlock_first_rfc2883_4() {
        establishWithSack();
        final int base = PEER_ISN + 1;
        peer.send(ACK, base, iss + 1, new byte[500]);
        // The same segment again (a needless retransmission): its range, below the ACK.
        final Seg dup = peer.send(ACK, base, iss + 1, new byte[500]).get(0);
        assertThat(dup.ack()).isEqualTo(base + 500);
        assertThat(dup.sack()).containsExactly(base, base + 500);
        // Out-of-order data held, then a segment half old, half new: the old part first
        // (RFC 2883 §4.1.1 example 3 style), then the out-of-order block.
        peer.send(ACK, base + 1000, iss + 1, new byte[100]);
        final Seg straddle = peer.send(ACK, base + 400, iss + 1, new byte[200]).get(0);
        assertThat(straddle.ack()).isEqualTo(base + 600);
        assertThat(straddle.sack()).containsExactly(base + 400, base + 500, base + 1000, base + 1100);
        // Reported once: the next ACK has the out-of-order block only.
        final Seg next = peer.send(ACK, base + 2000, iss + 1, new byte[100]).get(0);
        assertThat(next.sack()).containsExactly(base + 2000, base + 2100, base + 1000, base + 1100);
    }

    @Test
    void withoutSack_aDuplicateGetsAPlainAck() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg synAck = peer.syn(PEER_ISN, MSS).get(0);
        peer.send(ACK, PEER_ISN + 1, synAck.seq() + 1, NONE);
        peer.send(ACK, PEER_ISN + 1, synAck.seq() + 1, new byte[100]);
        final Seg dup = peer.send(ACK, PEER_ISN + 1, synAck.seq() + 1, new byte[100]).get(0);
        assertThat(dup.ack()).isEqualTo(PEER_ISN + 101);
        assertThat(dup.sack()).isEmpty();
    }

    @Test
    void dataSegments_carryTheBlocksToo_andShrinkToLeaveThemRoom_rfc2018_4_rfc6691() {
        establishWithSack();
        final int base = PEER_ISN + 1;
        peer.send(ACK, base + 1000, iss + 1, new byte[100]); // held out of order
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[3000]), 0, 3000));
        stack.run();
        final List<Seg> out = peer.collect();
        assertThat(out).isNotEmpty().allSatisfy(seg -> {
            assertThat(seg.sack()).containsExactly(base + 1000, base + 1100);
            // RFC 6691: the MSS counts data only; options come out of it. 1 block: 12 bytes.
            assertThat(seg.data().length + 4 + 4 * seg.sack().length).isLessThanOrEqualTo(MSS);
        });
        assertThat(out.get(0).data()).hasSize(MSS - 12);
        // The gap filled: no blocks, full segments again.
        final int sent = out.stream().mapToInt(seg -> seg.data().length).sum();
        peer.send(ACK, base, iss + 1 + sent, new byte[1000]);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[3000]), 0, 3000));
        stack.run();
        final List<Seg> after = peer.collect();
        assertThat(after.get(0).sack()).isEmpty();
        assertThat(after.get(0).data()).hasSize(MSS);
    }

    @Test
    void withTso_eachCutSegmentHasTheBlocks_andStillFitsTheMss_rfc2018_4() {
        final io.tcpstack.testing.SegmentingLink[] link = new io.tcpstack.testing.SegmentingLink[1];
        final StackHarness tso = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
            .delayedAckNs(0).build(), null, inner -> link[0] = new io.tcpstack.testing.SegmentingLink(inner));
        final RecordingHandler handler = new RecordingHandler();
        final TcpPeer p = new TcpPeer(tso, 40000, PORT);
        tso.stack.listen(PORT, 16, () -> handler);
        final Seg synAck = p.synWithSack(PEER_ISN, MSS).get(0);
        p.window = 65535;
        p.send(ACK, PEER_ISN + 1, synAck.seq() + 1, NONE);
        final int base = PEER_ISN + 1;
        p.send(ACK, base + 1000, synAck.seq() + 1, new byte[100]);
        p.send(ACK, base + 3000, synAck.seq() + 1, new byte[100]);
        tso.stack.submit(() -> handler.connection.send(new UnsafeBuffer(new byte[30_000]), 0, 30_000));
        tso.run();
        final List<Seg> out = p.collect();
        assertThat(link[0].segmented).as("sent as one TSO packet, cut by the link").isNotEmpty();
        assertThat(link[0].segmented.get(0)[2]).as("segment data size").isEqualTo(MSS - 20);
        assertThat(out).hasSizeGreaterThan(1).allSatisfy(seg -> {
            assertThat(seg.sack()).hasSize(4);
            assertThat(seg.data().length + 4 + 4 * seg.sack().length).isLessThanOrEqualTo(MSS);
        });
    }

    @Test
    void withTimestamps_dataSegmentsCarryAtMostThreeBlocks_andTheDataLeavesRoomForBoth_rfc2018_3_rfc6691() {
        establishWithSackAndTimestamps();
        final int base = PEER_ISN + 1;
        for (int k = 0; k < 4; k++) { // four ranges held out of order, the one at +7000 the latest
            peer.send(ACK, base + 1000 + 2000 * k, iss + 1, TcpPeer.timestampsOption(1002 + k, 0), new byte[100]);
        }
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[5000]), 0, 5000));
        stack.run();
        final List<Seg> out = peer.collect();
        assertThat(out).hasSizeGreaterThan(1).allSatisfy(seg -> {
            assertThat(seg.hasTimestamps()).isTrue();
            // RFC 2018 §3: beside timestamps (12 bytes) there is room for 3 blocks (4 + 24):
            // 40 bytes, all a TCP header holds.
            assertThat(seg.sack()).hasSize(6);
            assertThat(seg.sack()[0]).as("the latest block first (RFC 2018 §4)").isEqualTo(base + 7000);
            // RFC 6691: the MSS counts data only; both options come out of it.
            assertThat(seg.data().length + 12 + 4 + 4 * seg.sack().length).isLessThanOrEqualTo(MSS);
        });
        assertThat(out.get(0).data()).hasSize(MSS - 12 - 28);
        assertThat(stack.counter("ip.tx.fragments")).as("no segment outgrew the MTU").isZero();
    }

    @Test
    void retransmissions_whileOutOfOrderDataIsHeld_carryTheBlocks_andShrinkToo_rfc2018_4_rfc6675_5() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100_000]), 0, 100_000));
        stack.run();
        final List<Seg> first = peer.collect();
        assertThat(first).hasSize(10).allSatisfy(seg -> assertThat(seg.data()).hasSize(MSS)); // nothing held yet
        final int s = iss + 1;
        final int base = PEER_ISN + 1;
        // Now the stack holds a segment of the peer's out of order...
        peer.send(ACK, base + 1000, s, new byte[100]);
        // ...when the peer reports segments 0 and 3 of ours lost: fast retransmit (the first
        // unacknowledged segment) and the holes (RFC 6675 §5, NextSeg rule 1), all sent again
        // with less data than the first time, to leave room for the block.
        final List<Seg> fast = peer.send(ACK, base, s,
            TcpPeer.sackOption(s + MSS, s + 3 * MSS, s + 4 * MSS, s + 10 * MSS), NONE);
        assertThat(fast).hasSizeGreaterThan(2).allSatisfy(seg -> {
            assertThat(seg.sack()).containsExactly(base + 1000, base + 1100);
            assertThat(seg.data().length + 4 + 4 * seg.sack().length).isLessThanOrEqualTo(MSS);
        });
        assertThat(bytesSentIn(fast, s, s + MSS)).as("hole 0 resent whole, once").isEqualTo(MSS);
        assertThat(bytesSentIn(fast, s + 3 * MSS, s + 4 * MSS)).as("hole 3 resent whole, once").isEqualTo(MSS);
        assertThat(bytesSentIn(fast, s + MSS, s + 3 * MSS) + bytesSentIn(fast, s + 4 * MSS, s + 10 * MSS))
            .as("nothing SACKed resent").isZero();
        assertThat(stack.counter("ip.tx.fragments")).as("no segment outgrew the MTU").isZero();
    }

    @Test
    void theSenderResendsEveryHoleTheBlocksReveal_withoutWaitingAnRttPerHole_rfc6675() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100_000]), 0, 100_000));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segments 0 and 3 were lost: the peer holds 1-2 and 4-9.
        final byte[] blocks = TcpPeer.sackOption(s + MSS, s + 3 * MSS, s + 4 * MSS, s + 10 * MSS);
        // Eight segments SACKed above SND.UNA: more than two, so the first is lost (RFC 6675
        // §4 IsLost) on this first duplicate ACK already. Recovery: cwnd = ssthresh = 5 MSS
        // (half of the 10 out); pipe counts the resent segment 0, then segment 3 too (both
        // deemed lost: six SACKed segments above them): cwnd − pipe leaves room for 3 new
        // segments (§5 step C, rules 1 then 2).
        final List<Seg> fast = peer.send(ACK, PEER_ISN + 1, s, blocks, NONE);
        assertThat(fast).extracting(Seg::seq).as("both holes at once, then new data")
            .containsExactly(s, s + 3 * MSS, s + 10 * MSS, s + 11 * MSS, s + 12 * MSS);
        // Pipe is now cwnd: 3 new + 2 resent segments. Another duplicate sends nothing.
        final List<Seg> next = peer.send(ACK, PEER_ISN + 1, s, blocks, NONE);
        assertThat(next).isEmpty();
        assertThat(stack.counter("tcp.sack_retransmits")).isEqualTo(1);
    }

    @Test
    void aTailLoss_notYetDeemedLost_isResentByRule3_withoutWaitingForTheRto_rfc6675_4() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segments 0 and 8 lost. Only one segment is SACKed above 8: not deemed lost (IsLost
        // needs more than 2 SMSS or 3 ranges above). Segment 0 is. No new data to send.
        final byte[] blocks = TcpPeer.sackOption(s + MSS, s + 8 * MSS, s + 9 * MSS, s + 10 * MSS);
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, s, blocks, NONE);
        // Rule 1 resends 0; rule 2 has nothing; rule 3 resends 8 (cwnd 5 MSS, pipe 2 MSS).
        assertThat(out).extracting(Seg::seq).containsExactly(s, s + 8 * MSS);
    }

    @Test
    void aLostTail_aboveEverySackedByte_isResentOnce_byTheRescueRetransmission_rfc6675_4_rule4() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segments 0 and 9 lost, 1-8 arrived. Rule 1 resends 0 (deemed lost); 9 lies above
        // every SACKed byte, so rule 3 does not reach it; no new data for rule 2. Rule 4 sends
        // the segment holding the highest unSACKed byte (9), the ACK clock's last chance.
        final byte[] blocks = TcpPeer.sackOption(s + MSS, s + 9 * MSS);
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, s, blocks, NONE);
        assertThat(out).extracting(Seg::seq).containsExactly(s, s + 9 * MSS);
        // Once per recovery (HighACK > RescueRxt): the echo of 0's retransmission sends nothing.
        peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 9 * MSS), NONE);
        final List<Seg> again = peer.send(ACK, PEER_ISN + 1, s + 9 * MSS, NONE);
        assertThat(again).extracting(Seg::seq).doesNotContain(s + 9 * MSS);
        assertThat(stack.counter("tcp.rto_expired")).isZero();
    }

    @Test
    void aLostRetransmission_isResent_onceDataSentAfterItIsSacked_notAfterTheRto() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100_000]), 0, 100_000));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segment 0 lost: two duplicates (Limited Transmit sends 10 and 11), the third starts
        // recovery and resends 0; the pipe lets new data follow it.
        for (int k = 2; k <= 4; k++) {
            peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + k * MSS), NONE);
        }
        // 1-9 SACKed (all sent before the retransmission): the pipe shrinks, new data goes.
        peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 10 * MSS), NONE);
        final int afterRetransmission = ((TcpConnection) app.connection).sndNxt;
        assertThat(afterRetransmission).as("new data went after the retransmission").isGreaterThan(s + 12 * MSS);
        // SACKs of what went before the retransmission say nothing about it.
        final List<Seg> before = peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 12 * MSS), NONE);
        assertThat(before).extracting(Seg::seq).doesNotContain(s);
        assertThat(stack.counter("tcp.lost_retransmits")).isZero();
        // A SACK of data sent after it, with 0 still missing: the retransmission was lost too.
        final List<Seg> after = peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, afterRetransmission), NONE);
        assertThat(after).extracting(Seg::seq).contains(s);
        assertThat(stack.counter("tcp.lost_retransmits")).isEqualTo(1);
    }

    @Test
    void threeSackedRanges_ofSmallSegments_meanLoss_onTheFirstDuplicateAck_rfc6675_5_step2() {
        establishWithSack();
        stack.stack.submit(() -> {
            app.connection.noDelay(true);
            for (int i = 0; i < 6; i++) {
                app.connection.send(new UnsafeBuffer(new byte[100]), 0, 100);
            }
        });
        stack.run();
        assertThat(peer.collect()).hasSize(6);
        final int s = iss + 1;
        // Segments 1, 3 and 5 arrived: three discontiguous SACKed ranges, only 300 bytes.
        // IsLost(HighACK + 1) (RFC 6675 §4: DupThresh ranges above it) says segment 0 is
        // lost, so recovery starts on this first duplicate ACK, not on the third.
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, s,
            TcpPeer.sackOption(s + 100, s + 200, s + 300, s + 400, s + 500, s + 600), NONE);
        assertThat(stack.counter("tcp.fast_retransmits")).isEqualTo(1);
        assertThat(out).extracting(Seg::seq).as("each hole, once").containsExactly(s, s + 200, s + 400);
        // §5 step (4.3): the first retransmission is the segment at HighACK + 1, not the
        // SACKed data after it.
        assertThat(out).allSatisfy(seg -> assertThat(seg.data()).hasSize(100));
    }

    @Test
    void duplicateAcks_fromAReceiverWhoseWindowGrows_countWhenTheySackNewData_rfc6675_2() {
        establishWithSack();
        peer.window = 30_000;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segment 0 lost. Linux's receiver grows its window with every segment it takes in
        // (autotuning), so none of its duplicate ACKs leaves the window as it was: RFC 5681
        // §2 counts none of them, RFC 6675 §2 (e) each one that SACKs something new. Two
        // segments SACKed are not yet more than 2 SMSS (IsLost), so it is the third duplicate.
        final List<Seg> out = new java.util.ArrayList<>();
        for (int k = 2; k <= 4; k++) {
            peer.window = 30_000 + k * MSS;
            out.addAll(peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + k * MSS), NONE));
        }
        assertThat(stack.counter("tcp.fast_retransmits")).isEqualTo(1);
        assertThat(out).extracting(Seg::seq).as("the lost segment resent, no RTO waited for").startsWith(s);
    }

    @Test
    void aPeerThatAgreedToSack_butSendsNoBlocks_getsNewRenosPartialAckRetransmit_rfc6582_3_2() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segments 0 and 5 lost. The peer said SACK-permitted but sends no blocks (a
        // middlebox that strips them, or a broken stack): three duplicates by RFC 5681's rule.
        final List<Seg> out = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            out.addAll(peer.send(ACK, PEER_ISN + 1, s, NONE));
        }
        assertThat(out).extracting(Seg::seq).as("the fast retransmit").containsExactly(s);
        // 0 fills the first hole: a partial ACK up to 5. RFC 6675 finds no hole with an empty
        // scoreboard (IsLost needs SACKed data above); RFC 6582 §3.2 step 5 presumes the
        // segment at the new SND.UNA lost and resends it at once. Without it 5 waited for the
        // RTO, with only the rescue retransmission (of segment 9) sent.
        final List<Seg> partial = peer.send(ACK, PEER_ISN + 1, s + 5 * MSS, NONE);
        assertThat(partial).extracting(Seg::seq).as("the next hole, at once").startsWith(s + 5 * MSS);
        assertThat(peer.send(ACK, PEER_ISN + 1, s + 10 * MSS, NONE)).isEmpty();
        assertThat(((TcpConnection) app.connection).inRecovery).isFalse();
        assertThat(stack.counter("tcp.rto_expired")).isZero();
    }

    @Test
    void anAck_thatSacksNothingNew_isNoDuplicate_evenWithTheSameWindow_rfc6675_2() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[10 * MSS]), 0, 10 * MSS));
        stack.run();
        peer.collect();
        final int s = iss + 1;
        // Segment 0 lost; the ACK SACKing segment 1 arrives twice (duplicated by the
        // network), then one SACKing 1-2. Only two of the three SACK something new, so only
        // two are duplicates (RFC 6675 §2 (e)): no fast retransmit yet (RFC 5681's rule,
        // same window, would count three and resend).
        final byte[] one = TcpPeer.sackOption(s + MSS, s + 2 * MSS);
        final List<Seg> out = new java.util.ArrayList<>(peer.send(ACK, PEER_ISN + 1, s, one, NONE));
        out.addAll(peer.send(ACK, PEER_ISN + 1, s, one, NONE));
        out.addAll(peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + 3 * MSS), NONE));
        assertThat(stack.counter("tcp.fast_retransmits")).isZero();
        assertThat(out).extracting(Seg::seq).doesNotContain(s);
        assertThat(((TcpConnection) app.connection).dupAcks).isEqualTo(2);
    }

    @Test
    void aPartialAck_inRecovery_letsOutWhatThePipeFreed_rfc6675_5() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100_000]), 0, 100_000));
        stack.run();
        peer.collect();
        final int s = iss + 1;
        final byte[] blocks = TcpPeer.sackOption(s + MSS, s + 3 * MSS, s + 4 * MSS, s + 10 * MSS);
        peer.send(ACK, PEER_ISN + 1, s, blocks, NONE); // recovery: 0 and 3 resent, 10-12 new
        // Segment 0 arrives: the ACK moves to the hole at 3 (a partial ACK, RFC 6582). Pipe:
        // segment 3 resent (1) + 10-12 (3) = 4 MSS; cwnd 5 MSS: one more new segment.
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, s + 3 * MSS,
            TcpPeer.sackOption(s + 4 * MSS, s + 10 * MSS), NONE);
        assertThat(out).extracting(Seg::seq).containsExactly(s + 13 * MSS);
    }

    @Test
    void aPartialAck_coveringMuch_doesNotDeflateCwnd_thePipeDecides_rfc6675_5() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100_000]), 0, 100_000));
        stack.run();
        assertThat(peer.collect()).hasSize(10);
        final int s = iss + 1;
        // Segment 0 lost: two duplicates (Limited Transmit sends 10 and 11), then IsLost.
        for (int k = 2; k <= 4; k++) {
            peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + MSS, s + k * MSS), NONE);
        }
        final TcpConnection c = (TcpConnection) app.connection;
        assertThat(c.inRecovery).isTrue();
        // Segment 0 arrives; 8 was lost too, 9 arrived: a partial ACK covering 8 segments.
        // RFC 6582 §3.2 step 5 would deflate cwnd by them (to 1 segment, under the pipe of 3:
        // a stall until the RTO). With SACK, cwnd stays ssthresh (5) and cwnd − pipe (8, 10, 11
        // out) lets two new segments go (§5 step C, rule 2).
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, s + 8 * MSS, TcpPeer.sackOption(s + 9 * MSS, s + 10 * MSS), NONE);
        assertThat(out).extracting(Seg::seq).containsExactly(s + 12 * MSS, s + 13 * MSS);
    }

    @Test
    void blocksOutsideTheWindow_areIgnored_rfc2018_8() {
        establishWithSack();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[5000]), 0, 5000));
        stack.run();
        peer.collect();
        final int s = iss + 1;
        peer.send(ACK, PEER_ISN + 1, s, TcpPeer.sackOption(s + 100_000, s + 200_000), NONE);
        assertThat(((TcpConnection) app.connection).sackedRanges).isZero();
    }
}
