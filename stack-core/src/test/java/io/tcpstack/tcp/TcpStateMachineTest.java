package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.FIN;
import static io.tcpstack.testing.TcpPeer.PSH;
import static io.tcpstack.testing.TcpPeer.RST;
import static io.tcpstack.testing.TcpPeer.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The TCP state machine, segment in → segments out, in simulated time (RFC 9293 §3.10).
 * The peer is the test; the stack listens on port 80 or connects out. ACKs are not
 * delayed here (each rule's answer is seen at once), except in {@link DelayedAck}.
 */
class TcpStateMachineTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
        .mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);

    @AfterEach
    void nothingLeaks() {
        // Every test ends with its connection gone or explicitly left; timers match connections.
        assertThat(stack.stack.tcp().timerCount()).isLessThanOrEqualTo(stack.stack.tcp().connectionCount());
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Listens and completes the passive handshake; returns the stack's ISS. */
    int establishPassive() {
        stack.stack.listen(PORT, 16, () -> app);
        final List<Seg> synAck = peer.syn(PEER_ISN, 1460);
        assertThat(synAck).hasSize(1);
        final int iss = synAck.get(0).seq();
        assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).isEmpty();
        assertThat(app.events).containsExactly("connected");
        return iss;
    }

    @Nested
    class Listen {
        @Test
        void syn_isAnsweredWithSynAck_mss_andAckOfSynPlusOne_rfc9293_3_10_7_2() {
            stack.stack.listen(PORT, 16, () -> app);
            final List<Seg> out = peer.syn(PEER_ISN, 1460);

            assertThat(out).hasSize(1);
            final Seg synAck = out.get(0);
            assertThat(synAck.flags()).isEqualTo(SYN | ACK);
            assertThat(synAck.ack()).isEqualTo(PEER_ISN + 1);
            assertThat(synAck.mss()).as("MSS from MTU 1500").isEqualTo(1460);
            assertThat(synAck.srcPort()).isEqualTo(PORT);
            assertThat(stack.counter("tcp.PassiveOpens")).isEqualTo(1);
        }

        @Test
        void ackToListener_getsRst_withSeqOfSegAck_rfc9293_3_10_7_2() {
            stack.stack.listen(PORT, 16, () -> app);
            final List<Seg> out = peer.send(ACK, 5, 777, NONE);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(RST);
            assertThat(out.get(0).seq()).isEqualTo(777);
        }

        @Test
        void rstToListener_isIgnored() {
            stack.stack.listen(PORT, 16, () -> app);
            assertThat(peer.send(RST, 5, 0, NONE)).isEmpty();
        }

        @Test
        void synBacklogFull_withoutCookies_dropsFurtherSyns_andCountsThem_rfc4987_3_1() {
            final StackHarness small = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .synBacklog(2).synCookies(io.tcpstack.api.SynCookies.OFF).build(), null);
            small.stack.listen(PORT, 16, RecordingHandler::new);
            for (int i = 0; i < 3; i++) {
                final TcpPeer other = new TcpPeer(small, 41000 + i, PORT);
                final List<Seg> out = other.syn(PEER_ISN, 1460);
                assertThat(out).as("SYN %d", i).hasSize(i < 2 ? 1 : 0);
            }
            assertThat(small.counter("tcp.listen.syn_backlog_drops")).isEqualTo(1);
            assertThat(small.counter("tcp.listen.half_open")).isEqualTo(2);
        }

        @Test
        void closedPort_synGetsRstAck() {
            final List<Seg> out = new TcpPeer(stack, 40000, 81).syn(PEER_ISN, 1460);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(RST | ACK);
            assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 1);
        }
    }

    @Nested
    class SynReceived {
        @Test
        void retransmittedSyn_getsTheSameSynAck_asLinux() {
            stack.stack.listen(PORT, 16, () -> app);
            final Seg first = peer.syn(PEER_ISN, 1460).get(0);
            final List<Seg> again = peer.syn(PEER_ISN, 1460);
            assertThat(again).hasSize(1);
            assertThat(again.get(0).seq()).isEqualTo(first.seq());
            assertThat(again.get(0).flags()).isEqualTo(SYN | ACK);
        }

        @Test
        void lostSynAck_isRetransmittedAfterTheInitialRto_thenBacksOff_rfc6298_5_5() {
            stack.stack.listen(PORT, 16, () -> app);
            final Seg first = peer.syn(PEER_ISN, 1460).get(0);
            assertThat(peer.advanceMs(998)).as("nothing before 1 s").isEmpty();
            final List<Seg> retransmitted = peer.advanceMs(4);
            assertThat(retransmitted).hasSize(1);
            assertThat(retransmitted.get(0).seq()).isEqualTo(first.seq());
            assertThat(peer.advanceMs(1990)).as("backed off to 2 s").isEmpty();
            assertThat(peer.advanceMs(15)).hasSize(1);
        }

        @Test
        void synAckNeverAnswered_halfOpenExpiresAfterSynAckRetries() {
            final io.tcpstack.tcp.Listener listener = stack.stack.listen(PORT, 16, () -> app);
            peer.syn(PEER_ISN, 1460);
            assertThat(listener.halfOpen()).isEqualTo(1);
            // Default 5 retransmissions at 1, 3, 7, 15, 31 s; the entry goes at 63 s.
            final List<Seg> out = peer.advanceMs(62_000);
            assertThat(out.stream().filter(s -> s.flags() == (SYN | ACK)).count()).isEqualTo(5);
            assertThat(listener.halfOpen()).isEqualTo(1);
            assertThat(peer.advanceMs(2_000)).isEmpty();
            assertThat(listener.halfOpen()).isZero();
            assertThat(stack.counter("tcp.listen.half_open_expired")).isEqualTo(1);
            assertThat(stack.counter("tcp.listen.synack_retransmits")).isEqualTo(5);
            assertThat(stack.stack.tcp().connectionCount()).isZero();
        }

        @Test
        void ackCompletesTheHandshake_rfc9293_3_10_7_4() {
            establishPassive();
            assertThat(app.connection.state()).isEqualTo(TcpState.ESTABLISHED);
            assertThat(stack.counter("tcp.CurrEstab")).isEqualTo(1);
        }

        @Test
        void lostFinalAck_theFirstDataSegmentCompletesTheHandshake_rfc9293_3_5() {
            stack.stack.listen(PORT, 16, () -> app);
            final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
            final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("data"));
            assertThat(app.events).containsExactly("connected");
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("data");
            assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 5);
        }

        @Test
        void badOptionLength_dropsTheSegmentAndCountsIt_rfc9293_3_1() {
            stack.stack.listen(PORT, 16, () -> app);
            final List<Seg> out = peer.send(SYN, PEER_ISN, 0, new byte[] {2, 1, 0, 0}, NONE);
            assertThat(out).isEmpty();
            assertThat(stack.counter("tcp.rx.bad_options")).isEqualTo(1);
            assertThat(peer.send(SYN, PEER_ISN, 0, new byte[] {(byte) 99, 4, 0, 0}, NONE))
                .as("an unknown option is skipped").hasSize(1);
        }

        @Test
        void rstWithExactSequence_returnsToListen() {
            stack.stack.listen(PORT, 16, () -> app);
            peer.syn(PEER_ISN, 1460);
            assertThat(peer.send(RST, PEER_ISN + 1, 0, NONE)).isEmpty();
            assertThat(stack.counter("tcp.listen.half_open")).isZero();
            assertThat(stack.counter("tcp.listen.half_open_reset")).isEqualTo(1);
            assertThat(peer.syn(PEER_ISN + 100, 1460)).as("still listening").hasSize(1);
        }
    }

    @Nested
    class Established {
        @Test
        void data_isDeliveredAndAcked() {
            final int iss = establishPassive();
            final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("hello"));
            assertThat(out).hasSize(1);
            assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 6);
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        }

        @Test
        void outOfOrder_isHeld_dupAcked_andDeliveredWhenTheGapFills_rfc9293_3_10_7_4() {
            final int iss = establishPassive();
            final List<Seg> dup = peer.send(ACK, PEER_ISN + 6, iss + 1, bytes("world"));
            assertThat(dup).hasSize(1);
            assertThat(dup.get(0).ack()).as("duplicate ACK for the gap").isEqualTo(PEER_ISN + 1);
            assertThat(app.received.size()).isZero();
            final List<Seg> filled = peer.send(ACK, PEER_ISN + 1, iss + 1, bytes("hello"));
            assertThat(filled.get(filled.size() - 1).ack()).isEqualTo(PEER_ISN + 11);
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("helloworld");
        }

        @Test
        void duplicateData_isAckedButNotDeliveredTwice() {
            final int iss = establishPassive();
            peer.send(ACK, PEER_ISN + 1, iss + 1, bytes("abc"));
            final List<Seg> again = peer.send(ACK, PEER_ISN + 1, iss + 1, bytes("abc"));
            assertThat(again).hasSize(1);
            assertThat(again.get(0).ack()).isEqualTo(PEER_ISN + 4);
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        }

        @Test
        void partlyOldSegment_isTrimmedToTheNewBytes() {
            final int iss = establishPassive();
            peer.send(ACK, PEER_ISN + 1, iss + 1, bytes("abc"));
            peer.send(ACK, PEER_ISN + 2, iss + 1, bytes("bcdef"));
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("abcdef");
        }

        @Test
        void rstInWindowButNotExact_getsChallengeAck_rfc5961_3_2() {
            final int iss = establishPassive();
            final List<Seg> out = peer.send(RST, PEER_ISN + 100, 0, NONE);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(ACK);
            assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 1);
            assertThat(out.get(0).seq()).isEqualTo(iss + 1);
            assertThat(app.connection.state()).isEqualTo(TcpState.ESTABLISHED);
        }

        @Test
        void rstExact_resetsTheConnection_rfc5961_3_2() {
            establishPassive();
            assertThat(peer.send(RST, PEER_ISN + 1, 0, NONE)).isEmpty();
            assertThat(app.closeReason).isEqualTo(CloseReason.RESET_BY_PEER);
            assertThat(stack.counter("tcp.EstabResets")).isEqualTo(1);
            assertThat(stack.counter("tcp.CurrEstab")).isZero();
        }

        @Test
        void rstOutOfWindow_isDroppedSilently() {
            establishPassive();
            assertThat(peer.send(RST, PEER_ISN + 1_000_000, 0, NONE)).isEmpty();
            assertThat(app.connection.state()).isEqualTo(TcpState.ESTABLISHED);
        }

        @Test
        void synInEstablished_getsChallengeAck_rfc5961_4_2() {
            final int iss = establishPassive();
            final List<Seg> out = peer.send(SYN, PEER_ISN + 5, 0, NONE);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(ACK);
            assertThat(out.get(0).seq()).isEqualTo(iss + 1);
            assertThat(app.connection.state()).isEqualTo(TcpState.ESTABLISHED);
        }

        @Test
        void ackOfUnsentData_isAckedAndDropped() {
            final int iss = establishPassive();
            final List<Seg> out = peer.send(ACK, PEER_ISN + 1, iss + 1000, bytes("x"));
            assertThat(out).hasSize(1);
            assertThat(out.get(0).ack()).as("data not accepted").isEqualTo(PEER_ISN + 1);
            assertThat(app.received.size()).isZero();
        }

        @Test
        void dataAcrossTheSequenceWrap_rfc9293_3_4() {
            stack.stack.listen(PORT, 16, () -> app);
            final int isn = 0xFFFF_FFFA;
            final int iss = peer.syn(isn, 1460).get(0).seq();
            peer.send(ACK, isn + 1, iss + 1, NONE);
            peer.send(ACK, isn + 1, iss + 1, bytes("0123456789"));
            final List<Seg> out = peer.send(ACK, isn + 11, iss + 1, bytes("abc"));
            assertThat(out.get(0).ack()).isEqualTo(isn + 14).isEqualTo(8);
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("0123456789abc");
        }

        @Test
        void sentData_isRetransmittedOnRto_withBackoff_andAbortsAfterMaxRetries_rfc6298() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("ping")), 0, 4));
            stack.run();
            final List<Seg> first = peer.collect();
            assertThat(first).hasSize(1);
            assertThat(first.get(0).data()).isEqualTo(bytes("ping"));
            assertThat(first.get(0).seq()).isEqualTo(iss + 1);
            // An RTT sample from the handshake is tiny, so the RTO is the 200 ms minimum.
            assertThat(peer.advanceMs(195)).isEmpty();
            final List<Seg> retransmit = peer.advanceMs(10);
            assertThat(retransmit).hasSize(1);
            assertThat(retransmit.get(0).seq()).isEqualTo(iss + 1);
            assertThat(stack.counter("tcp.RetransSegs")).isEqualTo(1);
            final List<Seg> rest = peer.advanceMs(1_000_000);
            assertThat(rest.stream().filter(s -> s.data().length == 4).count()).as("15 retries in all").isEqualTo(14);
            assertThat(rest.get(rest.size() - 1).flags()).isEqualTo(RST);
            assertThat(app.closeReason).isEqualTo(CloseReason.TIMEOUT);
        }

        @Test
        void ackFreesTheSendBuffer_andStopsTheTimer() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("ping")), 0, 4));
            stack.run();
            peer.collect();
            assertThat(app.connection.sendQueued()).isEqualTo(4);
            peer.send(ACK, PEER_ISN + 1, iss + 5, NONE);
            assertThat(app.connection.sendQueued()).isZero();
            assertThat(peer.advanceMs(3000)).isEmpty();
        }

        @Test
        void anOldSegment_isAnsweredWithAnAck_butItsAckFieldIsRead_rfc9293_3_10_7_4_asBsd() {
            final int iss = establishPassive();
            peer.send(ACK, PEER_ISN + 1, iss + 1, new byte[100]);   // RCV.NXT = PEER_ISN + 101
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("data")), 0, 4));
            stack.run();
            peer.collect();
            assertThat(app.connection.sendQueued()).isEqualTo(4);
            // A pure ACK whose sequence number is a byte already taken (the peer's own
            // zero-window probe byte, say): unacceptable, so answered with an ACK; the data it
            // acknowledges is freed all the same.
            final List<Seg> answer = peer.send(ACK, PEER_ISN + 100, iss + 5, NONE);
            assertThat(answer).extracting(Seg::ack).containsExactly(PEER_ISN + 101);
            assertThat(app.connection.sendQueued()).isZero();
            assertThat(stack.counter("tcp.rx.out_of_window")).isEqualTo(1);
        }

        @Test
        void zeroWindow_startsThePersistTimer_andProbes_rfc9293_3_8_6_1() {
            final int iss = establishPassive();
            peer.window = 0;
            peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("data")), 0, 4));
            stack.run();
            assertThat(peer.collect()).as("nothing sent into a zero window").isEmpty();
            final List<Seg> probes = peer.advanceMs(1500);
            assertThat(probes).isNotEmpty();
            assertThat(probes.get(0).data()).hasSize(1);
            assertThat(stack.counter("tcp.tx.window_probes")).isGreaterThanOrEqualTo(1);
            peer.window = 64240;
            final List<Seg> resumed = peer.send(ACK, PEER_ISN + 1, iss + 2, NONE);
            assertThat(resumed).hasSize(1);
            assertThat(new String(resumed.get(0).data(), StandardCharsets.US_ASCII)).isEqualTo("ata");
        }

        @Test
        void zeroWindowHeldForManyRtos_isNotAbortedWhileProbesAreAnswered_rfc1122_4_2_2_17() {
            final int iss = establishPassive();
            peer.window = 0;
            peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            stack.stack.submit(() -> {
                app.connection.noDelay(true); // the rest may follow the unacknowledged probe byte at once
                app.connection.send(new UnsafeBuffer(bytes("data")), 0, 4);
            });
            stack.run();
            int probes = 0;
            // Far longer than 15 backed-off retransmissions would last: answer each probe
            // as a receiver with a closed window does (an ACK of nothing new, window 0).
            for (int s = 0; s < 3600 && app.closeReason == null; s++) {
                for (final Seg probe : peer.advanceMs(1000)) {
                    assertThat(probe.data()).hasSize(1);
                    probes++;
                    peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
                }
            }
            assertThat(app.closeReason).as("still open after an hour of zero window").isNull();
            assertThat(probes).isGreaterThan(15);
            peer.window = 64240;
            final List<Seg> resumed = peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            // The probe byte was never taken in: everything goes from SND.UNA (the probe left
            // SND.NXT there, as BSD's persist mode).
            assertThat(resumed.get(0).seq()).isEqualTo(iss + 1);
            assertThat(new String(resumed.get(0).data(), StandardCharsets.US_ASCII)).isEqualTo("data");
        }

        @Test
        void zeroWindowProbes_unanswered_giveUpAfterTheRetryLimit_rfc9293_3_8_3() {
            final int iss = establishPassive();
            peer.window = 0;
            peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("data")), 0, 4));
            stack.run();
            for (int s = 0; s < 3600 && app.closeReason == null; s++) {
                peer.advanceMs(1000);
            }
            assertThat(app.closeReason).isEqualTo(CloseReason.TIMEOUT);
        }

        @Test
        void finBeforeMissingData_isHeld_andTakenWhenTheGapFills_rfc9293_3_10_7_4() {
            final int iss = establishPassive();
            final List<Seg> dup = peer.send(ACK | FIN, PEER_ISN + 6, iss + 1, bytes("world"));
            assertThat(dup.get(0).ack()).as("a duplicate ACK for the gap").isEqualTo(PEER_ISN + 1);
            assertThat(app.connection.state()).isEqualTo(TcpState.ESTABLISHED);
            final List<Seg> all = peer.send(ACK, PEER_ISN + 1, iss + 1, bytes("hello"));
            assertThat(all.get(0).ack()).as("hello, world and the FIN").isEqualTo(PEER_ISN + 12);
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("helloworld");
            assertThat(app.connection.state()).isEqualTo(TcpState.CLOSE_WAIT);
            assertThat(app.events).containsExactly("connected", "peerClosed");
        }

        @Test
        void applicationThatConsumesNothing_shrinksTheWindow_rfc9293_3_8_6() {
            final StackHarness small = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .tcpBufferBytes(16384).build(), null);
            final RecordingHandler reader = new RecordingHandler();
            reader.consumeLimit = 0;
            small.stack.listen(PORT, 16, () -> reader);
            final TcpPeer p = new TcpPeer(small, 40000, PORT);
            final Seg synAck = p.syn(PEER_ISN, 1460).get(0);
            assertThat(synAck.window()).isEqualTo(16384);
            p.send(ACK, PEER_ISN + 1, synAck.seq() + 1, NONE);
            final List<Seg> out = p.send(ACK, PEER_ISN + 1, synAck.seq() + 1, new byte[1000]);
            assertThat(out.get(0).window()).isEqualTo(16384 - 1000);
            assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 1001);
        }
    }

    @Nested
    class NagleAndSws {
        @Test
        void aWindowThatOpensByLessThanAnMss_staysShut_receiverSws_rfc9293_3_8_6_2_2() {
            final StackHarness small = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .tcpBufferBytes(16384).build(), null);
            final RecordingHandler reader = new RecordingHandler();
            reader.consumeLimit = 0;
            small.stack.listen(PORT, 16, () -> reader);
            final TcpPeer p = new TcpPeer(small, 40000, PORT);
            final int iss = p.syn(PEER_ISN, 1460).get(0).seq();
            p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            int seq = PEER_ISN + 1;
            List<Seg> out = List.of();
            for (int left = 16384; left > 0; left -= Math.min(left, 1460)) {
                out = p.send(ACK, seq, iss + 1, new byte[Math.min(left, 1460)]);
                seq += Math.min(left, 1460);
            }
            assertThat(out.get(out.size() - 1).window()).as("the buffer is full").isZero();
            // The application takes 1000 bytes: less than min(RCV.BUFF / 2, SMSS) = 1460 freed,
            // so the right edge stays where it was: no update, and a probe is answered with 0.
            reader.consumeLimit = 1000;
            small.stack.submit(() -> reader.connection.resumeReading());
            small.run();
            assertThat(p.collect()).as("no window update yet").isEmpty();
            final List<Seg> probeAnswer = p.send(ACK, seq - 1, iss + 1, NONE);
            assertThat(probeAnswer).isNotEmpty();
            assertThat(probeAnswer.get(0).window()).isZero();
            // 600 bytes more: 1600 free, at least an SMSS: the window opens, all of it at once.
            reader.consumeLimit = 600;
            small.stack.submit(() -> reader.connection.resumeReading());
            small.run();
            final List<Seg> update = p.collect();
            assertThat(update).isNotEmpty();
            assertThat(update.get(update.size() - 1).window()).isEqualTo(1600);
        }

        @Test
        void writesAndCloseInsideOnData_leaveAsOneSegment_withTheFin() {
            stack.stack.listen(PORT, 16, () -> (c, b, o, n) -> {
                c.send(new UnsafeBuffer(bytes("HTTP/1.1 200 OK\r\n\r\n")), 0, 19);
                c.send(new UnsafeBuffer(bytes("body")), 0, 4);
                c.close();
                return n;
            });
            final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
            peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("GET / HTTP/1.1\r\n\r\n"));
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(ACK | PSH | FIN);
            assertThat(new String(out.get(0).data(), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK\r\n\r\nbody");
        }

        @Test
        void aSecondShortSegment_waitsForTheFirstsAck_rfc9293_3_7_4() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("GET ")), 0, 4));
            stack.run();
            assertThat(peer.collect()).hasSize(1);
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("/x")), 0, 2));
            stack.run();
            assertThat(peer.collect()).as("held: a short segment is unacknowledged").isEmpty();
            final List<Seg> after = peer.send(ACK, PEER_ISN + 1, iss + 5, NONE);
            assertThat(after).hasSize(1);
            assertThat(after.get(0).data()).isEqualTo(bytes("/x"));
        }

        @Test
        void noDelay_sendsEveryWriteAtOnce() {
            establishPassive();
            stack.stack.submit(() -> {
                app.connection.noDelay(true);
                app.connection.send(new UnsafeBuffer(bytes("GET ")), 0, 4);
                app.connection.send(new UnsafeBuffer(bytes("/x")), 0, 2);
            });
            stack.run();
            assertThat(peer.collect()).hasSize(2);
        }

        @Test
        void aSmallUsableWindow_isNotUsed_untilTheOverrideTimeout_rfc9293_3_8_6_2_1() {
            final int iss = establishPassive();
            peer.window = 1000; // after 64240 before: less than half the largest window seen
            peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[4000]), 0, 4000));
            stack.run();
            assertThat(peer.collect()).as("no silly 1000-byte segment").isEmpty();
            final List<Seg> late = peer.advanceMs(250);
            assertThat(late).as("the override timeout sends what the window allows").hasSize(1);
            assertThat(late.get(0).data()).hasSize(1000);
        }
    }

    @Nested
    class KeepAlive {
        final StackHarness ka = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
            .keepAlive(TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(2), 3).build(), null);
        final TcpPeer p = new TcpPeer(ka, 40000, PORT);
        int iss;

        void establish() {
            ka.stack.listen(PORT, 16, () -> app);
            iss = p.syn(PEER_ISN, 1460).get(0).seq();
            p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        }

        @Test
        void afterTheIdleTime_probesWithSndNxtMinusOne_rfc1122_4_2_3_6() {
            establish();
            assertThat(p.advanceMs(9_900)).isEmpty();
            final List<Seg> probe = p.advanceMs(200);
            assertThat(probe).hasSize(1);
            assertThat(probe.get(0).seq()).isEqualTo(iss); // SND.NXT - 1: the peer must answer
            assertThat(probe.get(0).data()).isEmpty();
            assertThat(ka.counter("tcp.keepalive.probes")).isEqualTo(1);
        }

        @Test
        void answeredProbes_keepTheConnection_unansweredOnesEndIt_rfc9293_3_8_4() {
            establish();
            for (int round = 0; round < 5; round++) {
                final List<Seg> probes = p.advanceMs(10_100);
                assertThat(probes).as("round %d", round).hasSize(1);
                p.send(ACK, PEER_ISN + 1, iss + 1, NONE); // the answer
            }
            assertThat(app.closeReason).isNull();
            p.advanceMs(60_000); // silence: 3 probes 2 s apart, then the end
            assertThat(app.closeReason).isEqualTo(CloseReason.TIMEOUT);
            assertThat(ka.counter("tcp.keepalive.timeouts")).isEqualTo(1);
        }

        @Test
        void trafficPostponesTheFirstProbe() {
            establish();
            p.advanceMs(8_000);
            p.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("x"));
            assertThat(p.advanceMs(8_000)).as("heard 8 s ago: no probe yet").isEmpty();
            assertThat(p.advanceMs(2_100)).hasSize(1);
        }
    }

    /**
     * Header prediction (Jacobson; BSD tcp_input, Linux tcp_rcv_established): the next
     * in-order text with nothing new acknowledged and the same window is taken without the
     * general checks of RFC 9293 §3.10.7.4, counted as {@code tcp.rx.header_predicted}; every
     * other segment goes the general way, with the same outcome it always had.
     */
    @Nested
    class HeaderPrediction extends WithDelayedAcks {
        long predicted() {
            return delayed.counter("tcp.rx.header_predicted");
        }

        @Test
        void inOrderText_isPredicted_andAcknowledgedAsAlways_rfc1122_4_2_3_2() {
            establish();
            assertThat(p.send(ACK, PEER_ISN + 1, iss + 1, new byte[1460])).as("ACK delayed").isEmpty();
            final List<Seg> second = p.send(ACK | PSH, PEER_ISN + 1461, iss + 1, new byte[1460]);
            assertThat(second).as("every second full-sized segment at once").hasSize(1);
            assertThat(second.get(0).ack()).isEqualTo(PEER_ISN + 2921);
            assertThat(predicted()).isEqualTo(2);
            assertThat(reader.received.size()).isEqualTo(2920);
        }

        @Test
        void finOutOfOrderANewWindowOrSackBlocks_goTheGeneralWay() {
            delayed.stack.listen(PORT, 16, () -> reader);
            iss = p.synWithSack(PEER_ISN, 1460).get(0).seq();
            p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            assertThat(p.send(ACK, PEER_ISN + 6, iss + 1, bytes("world"))).as("out of order: ACK at once").hasSize(1);
            p.send(ACK, PEER_ISN + 1, iss + 1, bytes("hello")); // fills the gap: the buffer held data
            p.window = 1000;
            p.send(ACK, PEER_ISN + 11, iss + 1, bytes("a"));   // the window changed
            p.window = 64240;
            p.send(ACK, PEER_ISN + 12, iss + 1, TcpPeer.sackOption(iss - 100, iss - 50), bytes("b"));
            assertThat(p.send(ACK | FIN, PEER_ISN + 13, iss + 1, bytes("c"))).as("FIN: ACK at once").hasSize(1);
            assertThat(predicted()).isZero();
            assertThat(reader.received.toString()).isEqualTo("helloworldabc");
        }

        @Test
        void textAfterOurDataWasSent_goesTheGeneralWayUntilItIsAcknowledged() {
            delayed.stack.listen(PORT, 16, () -> reader);
            iss = p.syn(PEER_ISN, 1460).get(0).seq();
            p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            reader.connection.send(new org.agrona.concurrent.UnsafeBuffer(bytes("ours")), 0, 4);
            delayed.run();
            assertThat(p.collect()).hasSize(1);
            p.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("x"));     // ours in flight: general
            p.send(ACK | PSH, PEER_ISN + 2, iss + 5, bytes("y"));     // acknowledges it: general
            assertThat(predicted()).isZero();
            p.send(ACK | PSH, PEER_ISN + 3, iss + 5, bytes("z"));     // nothing in flight: predicted
            assertThat(predicted()).isEqualTo(1);
            assertThat(reader.received.toString()).isEqualTo("xyz");
        }
    }

    /** A stack with delayed ACKs of 40 ms (the outer tests ACK at once) and a peer of it. */
    abstract class WithDelayedAcks {
        final StackHarness delayed = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
            .delayedAckNs(TimeUnit.MILLISECONDS.toNanos(40)).build(), null);
        final TcpPeer p = new TcpPeer(delayed, 40000, PORT);
        final RecordingHandler reader = new RecordingHandler();
        int iss;

        void establish() {
            delayed.stack.listen(PORT, 16, () -> reader);
            iss = p.syn(PEER_ISN, 1460).get(0).seq();
            p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        }
    }

    @Nested
    class DelayedAck extends WithDelayedAcks {

        @Test
        void oneSegment_isAcknowledgedWhenTheDelayRunsOut_rfc9293_3_8_6_3() {
            establish();
            assertThat(p.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("hi"))).isEmpty();
            assertThat(p.advanceMs(38)).isEmpty();
            final List<Seg> ack = p.advanceMs(5);
            assertThat(ack).hasSize(1);
            assertThat(ack.get(0).ack()).isEqualTo(PEER_ISN + 3);
        }

        @Test
        void everySecondFullSizedSegment_isAcknowledgedAtOnce_rfc1122_4_2_3_2() {
            establish();
            assertThat(p.send(ACK, PEER_ISN + 1, iss + 1, new byte[1460])).isEmpty();
            final List<Seg> second = p.send(ACK, PEER_ISN + 1461, iss + 1, new byte[1460]);
            assertThat(second).hasSize(1);
            assertThat(second.get(0).ack()).isEqualTo(PEER_ISN + 2921);
        }

        @Test
        void outOfOrder_andTheSegmentThatFillsTheGap_areAcknowledgedAtOnce_rfc5681_4_2() {
            establish();
            assertThat(p.send(ACK, PEER_ISN + 6, iss + 1, bytes("world"))).as("out of order").hasSize(1);
            final List<Seg> fill = p.send(ACK, PEER_ISN + 1, iss + 1, bytes("hello"));
            assertThat(fill).as("fills the gap").hasSize(1);
            assertThat(fill.get(0).ack()).isEqualTo(PEER_ISN + 11);
        }

        @Test
        void anAnswerFromTheApplication_carriesTheAck_andNoSeparateAckFollows() {
            delayed.stack.listen(PORT, 16, () -> (c, b, o, n) -> c.send(b, o, n)); // echo
            iss = p.syn(PEER_ISN, 1460).get(0).seq();
            p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            final List<Seg> echo = p.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("ping"));
            assertThat(echo).hasSize(1);
            assertThat(echo.get(0).data()).isEqualTo(bytes("ping"));
            assertThat(echo.get(0).ack()).isEqualTo(PEER_ISN + 5);
            p.send(ACK, PEER_ISN + 5, iss + 5, NONE);
            assertThat(p.advanceMs(100)).as("no delayed ACK left over").isEmpty();
        }

        @Test
        void fin_isAcknowledgedAtOnce() {
            establish();
            p.send(ACK | PSH, PEER_ISN + 1, iss + 1, bytes("x"));
            final List<Seg> finAck = p.send(ACK | FIN, PEER_ISN + 2, iss + 1, NONE);
            assertThat(finAck).hasSize(1);
            assertThat(finAck.get(0).ack()).isEqualTo(PEER_ISN + 3);
        }
    }

    @Nested
    class Closing {
        @Test
        void passiveClose_closeWait_thenLastAck_thenClosed_rfc9293_3_6() {
            final int iss = establishPassive();
            final List<Seg> ackOfFin = peer.send(FIN | ACK, PEER_ISN + 1, iss + 1, NONE);
            assertThat(ackOfFin).hasSize(1);
            assertThat(ackOfFin.get(0).ack()).isEqualTo(PEER_ISN + 2);
            assertThat(app.connection.state()).isEqualTo(TcpState.CLOSE_WAIT);
            assertThat(app.events).contains("peerClosed");

            stack.stack.submit(() -> app.connection.close());
            stack.run();
            final List<Seg> fin = peer.collect();
            assertThat(fin).hasSize(1);
            assertThat(fin.get(0).flags()).isEqualTo(FIN | ACK);
            assertThat(app.connection.state()).isEqualTo(TcpState.LAST_ACK);
            assertThat(peer.send(ACK, PEER_ISN + 2, iss + 2, NONE)).isEmpty();
            assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
            assertThat(stack.stack.tcp().connectionCount()).isZero();
            assertThat(stack.stack.tcp().timeWaitCount()).isZero();
        }

        @Test
        void peerClosed_comesOnlyAfterEveryByteBeforeTheFinWasTaken() {
            final int iss = establishPassive();
            app.consumeLimit = 0; // the application is not reading
            peer.send(ACK | PSH | FIN, PEER_ISN + 1, iss + 1, bytes("tail"));
            assertThat(app.connection.state()).isEqualTo(TcpState.CLOSE_WAIT);
            assertThat(app.events).doesNotContain("peerClosed");

            app.consumeLimit = Integer.MAX_VALUE;
            stack.stack.submit(() -> app.connection.resumeReading());
            stack.run();
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("tail");
            assertThat(app.events).containsExactly("connected", "peerClosed");
        }

        @Test
        void bytesNotYetTaken_surviveTheEndOfTheConnection_inTimeWait() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.close());
            stack.run();
            peer.collect();
            peer.send(ACK, PEER_ISN + 1, iss + 2, NONE); // our FIN acknowledged: FIN-WAIT-2
            app.consumeLimit = 0;
            peer.send(ACK | PSH | FIN, PEER_ISN + 1, iss + 2, bytes("last words"));
            assertThat(stack.stack.tcp().timeWaitCount()).as("the protocol moved on").isEqualTo(1);
            assertThat(stack.stack.tcp().connectionCount()).isZero();
            assertThat(app.events).as("but the application has not read yet").containsExactly("connected");

            app.consumeLimit = Integer.MAX_VALUE;
            stack.stack.submit(() -> app.connection.resumeReading());
            stack.run();
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("last words");
            assertThat(app.events).containsExactly("connected", "peerClosed", "closed:NORMAL");
            assertThat(stack.stack.tcp().pooledBuffers()).as("both buffers back in the pool").isEqualTo(2);
        }

        @Test
        void halfClose_theApplicationKeepsSendingAfterThePeersFin() {
            final int iss = establishPassive();
            peer.send(FIN | ACK, PEER_ISN + 1, iss + 1, NONE);
            stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(bytes("more")), 0, 4));
            stack.run();
            final List<Seg> out = peer.collect();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).data()).isEqualTo(bytes("more"));
        }

        @Test
        void activeClose_finWait1_finWait2_timeWait_thenGoneAfter2Msl() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.close());
            stack.run();
            final Seg fin = peer.collect().get(0);
            assertThat(fin.flags()).isEqualTo(FIN | ACK);
            assertThat(app.connection.state()).isEqualTo(TcpState.FIN_WAIT_1);
            peer.send(ACK, PEER_ISN + 1, iss + 2, NONE);
            assertThat(app.connection.state()).isEqualTo(TcpState.FIN_WAIT_2);
            final List<Seg> lastAck = peer.send(FIN | ACK, PEER_ISN + 1, iss + 2, NONE);
            assertThat(lastAck).hasSize(1);
            assertThat(lastAck.get(0).ack()).isEqualTo(PEER_ISN + 2);
            assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
            assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);

            // RFC 1337: RST in TIME-WAIT is ignored.
            assertThat(peer.send(RST, PEER_ISN + 2, 0, NONE)).isEmpty();
            assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
            // A retransmitted FIN is ACKed again and restarts the 2MSL wait.
            peer.advanceMs(1000);
            final List<Seg> reack = peer.send(FIN | ACK, PEER_ISN + 1, iss + 2, NONE);
            assertThat(reack).hasSize(1);
            assertThat(reack.get(0).ack()).isEqualTo(PEER_ISN + 2);
            peer.advanceMs(1990);
            assertThat(stack.stack.tcp().timeWaitCount()).as("restarted: not yet gone at 1.99 s").isEqualTo(1);
            peer.advanceMs(20);
            assertThat(stack.stack.tcp().timeWaitCount()).isZero();
        }

        @Test
        void lostFin_isRetransmitted() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.close());
            stack.run();
            final Seg fin = peer.collect().get(0);
            final List<Seg> again = peer.advanceMs(250);
            assertThat(again).hasSize(1);
            assertThat(again.get(0).flags()).isEqualTo(FIN | ACK);
            assertThat(again.get(0).seq()).isEqualTo(fin.seq()).isEqualTo(iss + 1);
        }

        @Test
        void timeWaitTableFull_recyclesTheOldest_likeTcpMaxTwBuckets() {
            final StackHarness small = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .timeWaitMax(2).build(), null);
            small.stack.listen(PORT, 16, RecordingHandler::new);
            for (int i = 0; i < 3; i++) {
                final TcpPeer p = new TcpPeer(small, 42000 + i, PORT);
                final int iss = p.syn(PEER_ISN, 1460).get(0).seq();
                p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
                // The stack closes first, so it is the side that holds TIME-WAIT.
                small.stack.submit(() -> small.stack.tcp().closeAllGracefully());
                small.run();
                p.collect();
                p.send(FIN | ACK, PEER_ISN + 1, iss + 2, NONE);
            }
            assertThat(small.stack.tcp().timeWaitCount()).isEqualTo(2);
            assertThat(small.counter("tcp.timewait.recycled")).isEqualTo(1);
            assertThat(small.counter("tcp.timewait.entered")).isEqualTo(3);
        }

        @Test
        void threeSegmentClose_finAndAckTogether() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.close());
            stack.run();
            peer.collect();
            final List<Seg> out = peer.send(FIN | ACK, PEER_ISN + 1, iss + 2, NONE);
            assertThat(out).hasSize(1);
            assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
        }

        @Test
        void simultaneousClose_goesThroughClosing_rfc9293_3_6_figure13() {
            final int iss = establishPassive();
            stack.stack.submit(() -> app.connection.close());
            stack.run();
            peer.collect();
            final List<Seg> out = peer.send(FIN | ACK, PEER_ISN + 1, iss + 1, NONE);
            assertThat(out).hasSize(1);
            assertThat(app.connection.state()).isEqualTo(TcpState.CLOSING);
            peer.send(ACK, PEER_ISN + 2, iss + 2, NONE);
            assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
        }

        @Test
        void finPiggybackedOnData() {
            final int iss = establishPassive();
            stack.stack.submit(() -> {
                app.connection.send(new UnsafeBuffer(bytes("bye")), 0, 3);
                app.connection.close();
            });
            stack.run();
            final List<Seg> out = peer.collect();
            final Seg last = out.get(out.size() - 1);
            assertThat(last.has(FIN)).isTrue();
            assertThat(last.seq() + last.data().length).isEqualTo(iss + 4);
        }
    }

    @Nested
    class ActiveOpen {
        @Test
        void connect_sendsSyn_andSynAckEstablishes_rfc9293_3_10_7_3() {
            stack.stack.submit(() -> stack.stack.connect(TestPackets.HOST, 8080, app));
            stack.run();
            final List<Seg> syn = stack.collect().stream().map(TcpPeer::parse).toList();
            assertThat(syn).hasSize(1);
            assertThat(syn.get(0).flags()).isEqualTo(SYN);
            assertThat(syn.get(0).mss()).isEqualTo(1460);
            assertThat(syn.get(0).srcPort()).isBetween(32768, 60999);
            final TcpPeer server = new TcpPeer(stack, 8080, syn.get(0).srcPort());
            final List<Seg> ack = server.send(SYN | ACK, 5000, syn.get(0).seq() + 1, new byte[] {2, 4, 5, (byte) 180}, NONE);
            assertThat(ack).hasSize(1);
            assertThat(ack.get(0).flags()).isEqualTo(ACK);
            assertThat(ack.get(0).ack()).isEqualTo(5001);
            assertThat(app.events).containsExactly("connected");
            assertThat(stack.counter("tcp.ActiveOpens")).isEqualTo(1);
        }

        @Test
        void rstWithAcceptableAck_isConnectionRefused() {
            stack.stack.submit(() -> stack.stack.connect(TestPackets.HOST, 8080, app));
            stack.run();
            final Seg syn = TcpPeer.parse(stack.collect().get(0));
            final TcpPeer server = new TcpPeer(stack, 8080, syn.srcPort());
            server.send(RST | ACK, 0, syn.seq() + 1, NONE);
            assertThat(app.closeReason).isEqualTo(CloseReason.REFUSED);
            assertThat(stack.counter("tcp.AttemptFails")).isEqualTo(1);
        }

        @Test
        void simultaneousOpen_synReceived_thenEstablished_rfc9293_3_5_figure8() {
            stack.stack.submit(() -> stack.stack.connect(TestPackets.HOST, 8080, app));
            stack.run();
            final Seg syn = TcpPeer.parse(stack.collect().get(0));
            final TcpPeer other = new TcpPeer(stack, 8080, syn.srcPort());
            final List<Seg> synAck = other.send(SYN, 7000, 0, NONE);
            assertThat(synAck).hasSize(1);
            assertThat(synAck.get(0).flags()).isEqualTo(SYN | ACK);
            assertThat(synAck.get(0).seq()).isEqualTo(syn.seq());
            other.send(ACK, 7001, syn.seq() + 1, NONE);
            assertThat(app.events).containsExactly("connected");
        }

        @Test
        void badAckInSynSent_getsRst() {
            stack.stack.submit(() -> stack.stack.connect(TestPackets.HOST, 8080, app));
            stack.run();
            final Seg syn = TcpPeer.parse(stack.collect().get(0));
            final TcpPeer server = new TcpPeer(stack, 8080, syn.srcPort());
            final List<Seg> out = server.send(SYN | ACK, 5000, syn.seq() + 99, NONE);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(RST);
            assertThat(out.get(0).seq()).isEqualTo(syn.seq() + 99);
        }
    }
}
