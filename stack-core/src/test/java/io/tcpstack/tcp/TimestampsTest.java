package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.PSH;
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

/** RFC 7323 §3-5 timestamps, segment in → segments out: negotiation, echo, RTT, PAWS. */
class TimestampsTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 4_000_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .delayedAckNs(0).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);
    int iss;
    Seg synAck;

    /** MSS and timestamps in the SYN, TSval 1000. */
    void establish() {
        stack.stack.listen(PORT, 16, () -> app);
        final byte[] options = ByteBuffer.allocate(16).put(new byte[] {2, 4, 5, (byte) 180})
            .put(TcpPeer.timestampsOption(1000, 0)).array();
        synAck = peer.send(SYN, PEER_ISN, 0, options, NONE).get(0);
        iss = synAck.seq();
        peer.window = 65535;
        peer.send(ACK, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(1001, synAck.tsVal()), NONE);
    }

    @Test
    void theSynAck_echoesTheSynsTsval_rfc7323_3_2() {
        establish();
        assertThat(synAck.hasTimestamps()).isTrue();
        assertThat(synAck.tsEcr()).isEqualTo(1000);
    }

    @Test
    void everySegmentCarriesThem_andTheyTake12BytesFromEachSegment_rfc7323_3_2() {
        establish();
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[5000]), 0, 5000));
        stack.run();
        final List<Seg> out = peer.collect();
        assertThat(out).allSatisfy(s -> assertThat(s.hasTimestamps()).isTrue());
        assertThat(out.get(0).data()).hasSize(1460 - 12);
        assertThat(out.get(0).tsEcr()).as("TS.Recent: the peer's latest TSval").isEqualTo(1001);
    }

    @Test
    void anOlderTsval_isAnOldDuplicate_droppedAndAcked_paws_rfc7323_5_3() {
        establish();
        peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(2000, 0), "new".getBytes());
        final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 4, iss + 1, TcpPeer.timestampsOption(1500, 0),
            "old".getBytes());
        assertThat(out).hasSize(1);
        assertThat(out.get(0).ack()).as("not taken in").isEqualTo(PEER_ISN + 4);
        assertThat(app.received.toString()).isEqualTo("new");
        assertThat(stack.counter("tcp.rx.paws_rejected")).isEqualTo(1);
    }

    @Test
    void afterTwentyFourDaysIdle_tsRecentIsInvalid_andAnOlderTsvalIsTaken_rfc7323_5_5() {
        establish();
        peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(2_000_000_000, 0), "new".getBytes());
        // 24 days + 1 s without a segment (keep-alive is off): the peer's 1 ms clock has
        // passed 2^31 meanwhile, so its TSval now looks older than TS.Recent.
        stack.advanceNs(java.util.concurrent.TimeUnit.DAYS.toNanos(24) + 1_000_000_000L);
        stack.run();
        final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 4, iss + 1, TcpPeer.timestampsOption(5, 0),
            "late".getBytes());
        assertThat(out).hasSize(1);
        assertThat(out.get(0).ack()).as("taken in").isEqualTo(PEER_ISN + 8);
        assertThat(out.get(0).tsEcr()).as("TS.Recent replaced by the new TSval").isEqualTo(5);
        assertThat(app.received.toString()).isEqualTo("newlate");
        assertThat(stack.counter("tcp.rx.paws_rejected")).isZero();
    }

    @Test
    void withinTwentyFourDays_anOlderTsvalIsStillRejected_rfc7323_5_5() {
        establish();
        peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(2_000_000_000, 0), "new".getBytes());
        stack.advanceNs(java.util.concurrent.TimeUnit.DAYS.toNanos(23));
        stack.run();
        final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 4, iss + 1, TcpPeer.timestampsOption(5, 0),
            "late".getBytes());
        assertThat(out.get(0).ack()).as("not taken in").isEqualTo(PEER_ISN + 4);
        assertThat(app.received.toString()).isEqualTo("new");
        assertThat(stack.counter("tcp.rx.paws_rejected")).isEqualTo(1);
    }

    @Test
    void atExactlyTwentyFourDays_tsRecentIsStillValid_oneNanosecondLaterNot_rfc7323_5_5() {
        establish();
        peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(2_000_000_000, 0), "new".getBytes());
        // Both edges of the limit ("exceeds 24 days"): at 24 days the old TSval is still rejected...
        stack.advanceNs(TcpConnection.PAWS_IDLE_LIMIT_NS);
        stack.run();
        final List<Seg> atLimit = peer.send(ACK | PSH, PEER_ISN + 4, iss + 1, TcpPeer.timestampsOption(5, 0),
            "late".getBytes());
        assertThat(atLimit.get(0).ack()).as("not taken in at the limit").isEqualTo(PEER_ISN + 4);
        assertThat(stack.counter("tcp.rx.paws_rejected")).isEqualTo(1);
        // ...and 1 ns later it is taken (the rejected segment did not refresh TS.Recent's age).
        stack.advanceNs(1);
        final List<Seg> past = peer.send(ACK | PSH, PEER_ISN + 4, iss + 1, TcpPeer.timestampsOption(5, 0),
            "late".getBytes());
        assertThat(past.get(0).ack()).as("taken in past the limit").isEqualTo(PEER_ISN + 8);
        assertThat(past.get(0).tsEcr()).isEqualTo(5);
        assertThat(app.received.toString()).isEqualTo("newlate");
        assertThat(stack.counter("tcp.rx.paws_rejected")).isEqualTo(1);
    }

    @Test
    void theIdleTime_countsFromTheLastUpdateOfTsRecent_notFromTheHandshake_rfc7323_5_5() {
        establish();
        // Day 20: a segment moves TS.Recent on, and with it the time TS.Recent was set.
        stack.advanceNs(java.util.concurrent.TimeUnit.DAYS.toNanos(20));
        stack.run();
        peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, TcpPeer.timestampsOption(2_000_000_000, 0), "new".getBytes());
        // Day 40: 40 days after the handshake but 20 after that update: TS.Recent is valid.
        stack.advanceNs(java.util.concurrent.TimeUnit.DAYS.toNanos(20));
        stack.run();
        final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 4, iss + 1, TcpPeer.timestampsOption(5, 0),
            "old".getBytes());
        assertThat(out.get(0).ack()).as("an old duplicate still").isEqualTo(PEER_ISN + 4);
        assertThat(out.get(0).tsEcr()).as("TS.Recent kept").isEqualTo(2_000_000_000);
        assertThat(app.received.toString()).isEqualTo("new");
        assertThat(stack.counter("tcp.rx.paws_rejected")).isEqualTo(1);
    }

    @Test
    void inTimeWait_theAckOfARetransmittedFin_carriesTimestampsToo_rfc7323_3_2() {
        establish();
        stack.stack.submit(() -> app.connection.close());
        stack.run();
        final Seg fin = peer.collect().get(0);
        assertThat(fin.has(TcpPeer.FIN)).isTrue();
        // Our FIN acknowledged, the peer's FIN with it: TIME-WAIT, a small record.
        final Seg ack = peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1,
            TcpPeer.timestampsOption(1100, fin.tsVal()), NONE).get(0);
        assertThat(ack.hasTimestamps()).isTrue();
        assertThat(stack.counter("tcp.timewait.current")).isEqualTo(1);
        peer.advanceMs(100);
        // Our ACK "lost": the peer sends its FIN again, later on its clock.
        final List<Seg> again = peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1,
            TcpPeer.timestampsOption(1200, fin.tsVal()), NONE);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).ack()).isEqualTo(PEER_ISN + 2);
        assertThat(again.get(0).hasTimestamps()).as("TSopt on every segment but RST").isTrue();
        assertThat(again.get(0).tsEcr()).as("TS.Recent brought forward").isEqualTo(1200);
        assertThat(again.get(0).tsVal() - ack.tsVal()).as("our clock, 100 ms on").isEqualTo(100);
        assertThat(stack.counter("tcp.timewait.fin_reacked")).isEqualTo(1);
    }

    @Test
    void inTimeWait_anOlderTsval_doesNotTakeTsRecentBack_rfc7323_4_3() {
        establish();
        stack.stack.submit(() -> app.connection.close());
        stack.run();
        final Seg fin = peer.collect().get(0);
        peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1, TcpPeer.timestampsOption(1100, fin.tsVal()), NONE);
        assertThat(stack.counter("tcp.timewait.current")).isEqualTo(1);
        // A delayed duplicate of an earlier FIN, with an older TSval: ACKed, TSecr unchanged.
        final List<Seg> again = peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1,
            TcpPeer.timestampsOption(1050, fin.tsVal()), NONE);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).hasTimestamps()).isTrue();
        assertThat(again.get(0).tsEcr()).as("TS.Recent only moves forward").isEqualTo(1100);
    }

    /** Closes actively and takes the peer's FIN (TSval 1100): TIME-WAIT; returns our FIN. */
    Seg intoTimeWait() {
        establish();
        stack.stack.submit(() -> app.connection.close());
        stack.run();
        final Seg fin = peer.collect().get(0);
        peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1, TcpPeer.timestampsOption(1100, fin.tsVal()), NONE);
        assertThat(stack.counter("tcp.timewait.current")).isEqualTo(1);
        return fin;
    }

    @Test
    void inTimeWait_anOldDuplicateFin_isAckedButDoesNotRestartTheWait_paws_rfc7323_5_3() {
        final Seg fin = intoTimeWait();
        final List<Seg> out = peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1,
            TcpPeer.timestampsOption(1050, fin.tsVal()), NONE);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).tsEcr()).isEqualTo(1100);
        assertThat(stack.counter("tcp.rx.paws_rejected")).isEqualTo(1);
        assertThat(stack.counter("tcp.timewait.fin_reacked")).as("an old FIN is no reason to wait longer").isZero();
    }

    @Test
    void inTimeWait_tsRecentMovesOnlyForASegmentAtOrBelowTheAckSent_rfc7323_4_3() {
        final Seg fin = intoTimeWait();
        // Data beyond RCV.NXT (the ACK we sent) with a newer TSval: ACKed, TS.Recent kept.
        final List<Seg> out = peer.send(ACK, PEER_ISN + 100, fin.seq() + 1,
            TcpPeer.timestampsOption(1300, fin.tsVal()), new byte[10]);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).tsEcr()).isEqualTo(1100);
    }

    @Test
    void inTimeWait_aSynWithANewerTsval_opensANewConnection_evenWithALowerSequenceNumber_rfc6191_2() {
        intoTimeWait();
        final byte[] options = ByteBuffer.allocate(16).put(new byte[] {2, 4, 5, (byte) 180})
            .put(TcpPeer.timestampsOption(2000, 0)).array();
        final List<Seg> out = peer.send(SYN, PEER_ISN - 5000, 0, options, NONE);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).has(SYN)).as("a SYN-ACK: the tuple is reused").isTrue();
        assertThat(out.get(0).ack()).isEqualTo(PEER_ISN - 5000 + 1);
        assertThat(stack.counter("tcp.timewait.current")).isZero();
    }

    @Test
    void inTimeWait_aSynWithAnOlderTsval_isRefused_evenWithAHigherSequenceNumber_rfc6191_2() {
        intoTimeWait();
        final byte[] options = ByteBuffer.allocate(16).put(new byte[] {2, 4, 5, (byte) 180})
            .put(TcpPeer.timestampsOption(900, 0)).array();
        final List<Seg> out = peer.send(SYN, PEER_ISN + 100_000, 0, options, NONE);
        assertThat(out).noneMatch(seg -> seg.has(SYN));
        assertThat(stack.counter("tcp.timewait.current")).isEqualTo(1);
    }

    @Test
    void inTimeWait_withoutTimestampsAgreed_theAckCarriesNone_rfc7323_3_2() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg plain = peer.syn(PEER_ISN, 1460).get(0);
        assertThat(plain.hasTimestamps()).isFalse();
        iss = plain.seq();
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        stack.stack.submit(() -> app.connection.close());
        stack.run();
        final Seg fin = peer.collect().get(0);
        assertThat(peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1, NONE).get(0).hasTimestamps()).isFalse();
        assertThat(stack.counter("tcp.timewait.current")).isEqualTo(1);
        // The FIN again, now with a TSopt the SYN never offered: ignored (RFC 7323 §3.2).
        final List<Seg> again = peer.send(ACK | TcpPeer.FIN, PEER_ISN + 1, fin.seq() + 1,
            TcpPeer.timestampsOption(1200, 0), NONE);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).ack()).isEqualTo(PEER_ISN + 2);
        assertThat(again.get(0).hasTimestamps()).as("not agreed: never sent").isFalse();
        assertThat(stack.counter("tcp.timewait.fin_reacked")).isEqualTo(1);
    }

    @Test
    void theEchoedTimestamp_givesAnRttSample_evenForARetransmittedSegment_rfc7323_4_1() {
        establish();
        final TcpConnection c = (TcpConnection) app.connection;
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100]), 0, 100));
        stack.run();
        final Seg sent = peer.collect().get(0);
        final List<Seg> again = peer.advanceMs(250); // RTO (200 ms): Karn forbids a timing sample now
        assertThat(again).hasSize(1);
        peer.advanceMs(30);
        final long before = c.srttNs;
        // The ACK echoes the first transmission's TSval: 280 ms ago.
        peer.send(ACK, PEER_ISN + 1, iss + 101, TcpPeer.timestampsOption(1002, sent.tsVal()), NONE);
        // RFC 6298 §2.3: SRTT = 7/8 SRTT + 1/8 R, with R = 280 ms (1 ms clock).
        assertThat(c.srttNs).isEqualTo((7 * before + 280_000_000L) / 8);
    }

    @Test
    void withoutThemInTheSyn_noneAreSent() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg plain = peer.syn(PEER_ISN, 1460).get(0);
        assertThat(plain.hasTimestamps()).isFalse();
        peer.send(ACK, PEER_ISN + 1, plain.seq() + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[3000]), 0, 3000));
        stack.run();
        final List<Seg> out = peer.collect();
        assertThat(out.get(0).hasTimestamps()).isFalse();
        assertThat(out.get(0).data()).hasSize(1460);
    }

    @Test
    void twoStacks_agreeOnTimestamps_andBothEchoTheOther() {
        final Seg syn = activeSyn();
        assertThat(syn.hasTimestamps()).isTrue();
        assertThat(syn.tsEcr()).isZero();
    }

    private Seg activeSyn() {
        stack.stack.submit(() -> stack.stack.connect(TestPackets.HOST, 5000, new RecordingHandler()));
        stack.run();
        return TcpPeer.parse(stack.collect().get(0));
    }
}
