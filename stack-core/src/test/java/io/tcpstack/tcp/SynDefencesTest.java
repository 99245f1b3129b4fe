package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.PSH;
import static io.tcpstack.testing.TcpPeer.RST;
import static io.tcpstack.testing.TcpPeer.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.SynCookies;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The listener's defences against SYN floods (RFC 4987; RFC 9293 §3.5, §3.10.7.2), segment
 * in → segments out in simulated time: the SYN backlog as small records, SYN cookies,
 * SYN-ACK retransmission bounds, the accept queue, closing a listener.
 */
class SynDefencesTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 7_000_000;
    private static final byte[] NONE = new byte[0];

    private static StackHarness stack(final int synBacklog, final SynCookies cookies) {
        return new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0).synBacklog(synBacklog)
            .synCookies(cookies).mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null);
    }

    /**
     * Completes one handshake from the test's address (port 29000), so that it is a proven
     * peer and the backlog's last quarter is open to it with cookies off.
     */
    private static void prove(final StackHarness s) {
        final TcpPeer p = new TcpPeer(s, 29000, PORT);
        final int iss = p.syn(PEER_ISN, 1460).get(0).seq();
        p.send(ACK, PEER_ISN + 1, iss + 1, NONE);
    }

    /** Fills the SYN backlog with {@code n} half-open connections from ports 30000.. (their SYN-ACKs ignored). */
    private static void fill(final StackHarness s, final int n) {
        for (int i = 0; i < n; i++) {
            assertThat(new TcpPeer(s, 30000 + i, PORT).syn(PEER_ISN + i, 1460)).hasSize(1);
        }
    }

    @Nested
    class Backlog {
        @Test
        void halfOpenEntries_areRecords_noConnectionNorBuffersUntilTheHandshakeCompletes_rfc4987_3_2() {
            final StackHarness s = stack(64, SynCookies.ON);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            fill(s, 64);
            assertThat(s.stack.tcp().connectionCount()).isZero();
            assertThat(s.stack.tcp().pooledBuffers()).isZero();
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(64);
            assertThat(s.counter("tcp.PassiveOpens")).isEqualTo(64);
        }

        @Test
        void full_withCookiesOff_dropsNewSyns_butTheQueuedOnesStillComplete() {
            final StackHarness s = stack(4, SynCookies.OFF);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            prove(s);
            app.events.clear();
            final TcpPeer first = new TcpPeer(s, 30000, PORT);
            final int iss = first.syn(PEER_ISN, 1460).get(0).seq();
            fill(s, 0);
            for (int i = 1; i < 4; i++) {
                new TcpPeer(s, 30000 + i, PORT).syn(PEER_ISN, 1460);
            }
            for (int i = 0; i < 10; i++) {
                assertThat(new TcpPeer(s, 31000 + i, PORT).syn(PEER_ISN, 1460)).as("dropped").isEmpty();
            }
            assertThat(s.counter("tcp.listen.syn_backlog_drops")).isEqualTo(10);
            assertThat(s.counter("tcp.syncookies.sent")).isZero();

            assertThat(first.send(ACK, PEER_ISN + 1, iss + 1, NONE)).isEmpty();
            assertThat(app.events).containsExactly("connected");
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(3);
            assertThat(new TcpPeer(s, 32000, PORT).syn(PEER_ISN, 1460)).as("room again").hasSize(1);
        }

        @Test
        void full_withCookiesOff_anEntryWhoseSynAckWentUnanswered_makesRoom_rfc4987_3_4() {
            final StackHarness s = stack(4, SynCookies.OFF);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            prove(s);
            app.events.clear();
            fill(s, 4); // a flood's entries: never answered
            final TcpPeer late = new TcpPeer(s, 32000, PORT);
            assertThat(late.syn(PEER_ISN, 1460)).as("all entries younger than one RTO: dropped").isEmpty();
            s.advanceNs(TimeUnit.MILLISECONDS.toNanos(1100));
            s.run().collect(); // each flooded entry's SYN-ACK retransmitted once
            final List<Seg> answer = late.syn(PEER_ISN, 1460);
            assertThat(answer).as("the oldest unanswered entry made room").hasSize(1);
            assertThat(s.counter("tcp.listen.half_open_pruned")).isEqualTo(1);
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(4);
            late.send(ACK, PEER_ISN + 1, answer.get(0).seq() + 1, NONE);
            assertThat(app.events).containsExactly("connected");
        }

        @Test
        void withCookiesOff_theLastQuarter_isForPeersThatCompletedAHandshake_asLinux() {
            final StackHarness s = stack(8, SynCookies.OFF);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            // From an address never seen before: three quarters of the backlog, no more.
            for (int i = 0; i < 8; i++) {
                assertThat(new TcpPeer(s, 30000 + i, PORT).syn(PEER_ISN, 1460)).as("SYN %d", i).hasSize(i < 6 ? 1 : 0);
            }
            assertThat(s.counter("tcp.listen.unproven_drops")).isEqualTo(2);
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(6);
            // Once the address completed a handshake, it may use the reserve.
            final TcpPeer early = new TcpPeer(s, 30000, PORT);
            final int iss = early.syn(PEER_ISN, 1460).get(0).seq(); // its SYN-ACK again
            early.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            assertThat(new TcpPeer(s, 31000, PORT).syn(PEER_ISN, 1460)).as("a proven peer").hasSize(1);
        }

        @Test
        void synAckRetransmissionsDueAtOnce_goOutInBatchesOf64PerDutyCycle() {
            final StackHarness s = stack(256, SynCookies.ON);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            fill(s, 200);
            s.advanceNs(TimeUnit.MILLISECONDS.toNanos(1100)); // all 200 due now
            s.stack.doWork();
            assertThat(s.collect()).as("one duty cycle").hasSize(64);
            s.run();
            assertThat(s.collect()).as("the rest, in the cycles after").hasSize(136);
        }

        @Test
        void synAckRetransmissions_backOffAndAreBounded_thenTheEntryFrees_rfc6298_5_5() {
            final StackHarness s = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .synBacklog(2).synAckRetries(2).synCookies(SynCookies.OFF).build(), null);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            final TcpPeer peer = new TcpPeer(s, 30000, PORT);
            final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
            final List<Long> at = new ArrayList<>();
            for (int ms = 1; ms <= 10_000; ms++) {
                for (final Seg seg : peer.advanceMs(1)) {
                    assertThat(seg.flags()).isEqualTo(SYN | ACK);
                    assertThat(seg.seq()).as("the same ISS each time").isEqualTo(iss);
                    at.add((long) ms);
                }
            }
            // 1 s initial RTO, doubled: retransmissions at ~1 s and ~3 s; gone at ~7 s.
            assertThat(at).hasSize(2);
            assertThat(at.get(0)).isBetween(1000L, 1003L);
            assertThat(at.get(1)).isBetween(3000L, 3006L);
            assertThat(s.counter("tcp.listen.half_open")).isZero();
            assertThat(s.counter("tcp.listen.half_open_expired")).isEqualTo(1);
            assertThat(s.stack.tcp().nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);
            assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).as("an expired entry: the ACK is refused")
                .extracting(Seg::flags).containsExactly(RST);
        }

        @Test
        void retransmittedSynAck_carriesNoRttSample_karn_butAFirstTimeOneDoes_rfc6298_3() {
            final StackHarness s = stack(4, SynCookies.OFF);
            final RecordingHandler quick = new RecordingHandler();
            final RecordingHandler slow = new RecordingHandler();
            final RecordingHandler[] next = {quick};
            s.stack.listen(PORT, 16, () -> next[0]);
            final TcpPeer a = new TcpPeer(s, 30000, PORT);
            final int issA = a.syn(PEER_ISN, 1460).get(0).seq();
            a.advanceMs(5);
            a.send(ACK, PEER_ISN + 1, issA + 1, NONE);
            assertThat(quick.connection.srttNs()).isBetween(4_000_000L, 6_000_000L);

            next[0] = slow;
            final TcpPeer b = new TcpPeer(s, 30001, PORT);
            final int issB = b.syn(PEER_ISN, 1460).get(0).seq();
            assertThat(b.advanceMs(1100)).hasSize(1);
            b.send(ACK, PEER_ISN + 1, issB + 1, NONE);
            assertThat(slow.connection.srttNs()).as("no sample after a retransmission").isZero();
        }

        @Test
        void wrongAck_inSynReceived_getsRst_andTheEntryStays_rfc9293_3_10_7_4() {
            final StackHarness s = stack(4, SynCookies.OFF);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            final TcpPeer peer = new TcpPeer(s, 30000, PORT);
            final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
            final List<Seg> out = peer.send(ACK, PEER_ISN + 1, iss + 77, NONE);
            assertThat(out).extracting(Seg::flags).containsExactly(RST);
            assertThat(out.get(0).seq()).isEqualTo(iss + 77);
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(1);
            assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).isEmpty();
            assertThat(app.events).containsExactly("connected");
        }

        @Test
        void inexactRst_isIgnored_rfc5961_3_2() {
            final StackHarness s = stack(4, SynCookies.OFF);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            final TcpPeer peer = new TcpPeer(s, 30000, PORT);
            peer.syn(PEER_ISN, 1460);
            assertThat(peer.send(RST, PEER_ISN + 5, 0, NONE)).isEmpty();
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(1);
        }

        @Test
        void aSynWithAnotherIsn_forAHalfOpenTuple_returnsToListen_rfc9293_3_10_7_4() {
            final StackHarness s = stack(4, SynCookies.OFF);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            final TcpPeer peer = new TcpPeer(s, 30000, PORT);
            peer.syn(PEER_ISN, 1460);
            assertThat(peer.syn(PEER_ISN + 99_999, 1460)).isEmpty();
            assertThat(s.counter("tcp.listen.half_open")).isZero();
            assertThat(peer.syn(PEER_ISN + 99_999, 1460)).as("its retransmission is a new SYN").hasSize(1);
        }

        @Test
        void recordsCostAtMost128BytesEach_measured() {
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            final int entries = 100_000;
            final long before = threads.getCurrentThreadAllocatedBytes();
            final HalfOpenTable table = new HalfOpenTable(entries, 5);
            final long after = threads.getCurrentThreadAllocatedBytes();
            final double perEntry = (after - before) / (double) entries;
            assertThat(table.capacity()).isEqualTo(entries);
            assertThat(perEntry).as("bytes per half-open entry").isLessThanOrEqualTo(128.0);
            // And filling it allocates nothing more (the per-SYN path is allocation-free).
            final long beforeFill = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < entries; i++) {
                table.add(i * 7919L, i, i, 1460, 7, true, i, true, i, i + 1_000_000L);
            }
            final long fill = threads.getCurrentThreadAllocatedBytes() - beforeFill;
            assertThat(table.isFull()).isTrue();
            assertThat(fill).as("bytes allocated filling the table").isLessThan(1024);
            System.out.printf("half-open record: %.1f bytes per entry (table of %d)%n", perEntry, entries);
        }
    }

    @Nested
    class Cookies {
        /** Fills a backlog of 2, then returns the SYN-ACK of a third SYN: a cookie. */
        private Seg cookieSynAck(final StackHarness s, final TcpPeer peer, final int mss) {
            fill(s, 2);
            final List<Seg> out = peer.syn(PEER_ISN, mss);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).flags()).isEqualTo(SYN | ACK);
            assertThat(s.counter("tcp.syncookies.sent")).isEqualTo(1);
            assertThat(s.counter("tcp.listen.half_open")).as("no state kept").isEqualTo(2);
            return out.get(0);
        }

        @ParameterizedTest(name = "peer MSS {0} → class {1}")
        @CsvSource({"536, 536", "1000, 536", "1300, 1300", "1439, 1300", "1440, 1440", "1460, 1460", "9000, 1460"})
        void roundTrip_createsTheConnection_withTheMssClass_rfc4987_3_6(final int peerMss, final int expected) {
            final StackHarness s = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .synBacklog(2).mtu(9000).build(), null);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int cookie = cookieSynAck(s, peer, peerMss).seq();

            assertThat(peer.send(ACK, PEER_ISN + 1, cookie + 1, NONE)).isEmpty();
            assertThat(app.events).containsExactly("connected");
            assertThat(s.counter("tcp.syncookies.validated")).isEqualTo(1);
            assertThat(((TcpConnection) app.connection).sendMss).isEqualTo(expected);
            // It is a normal connection from here: data both ways.
            final List<Seg> acked = peer.send(ACK | PSH, PEER_ISN + 1, cookie + 1, "hi".getBytes(StandardCharsets.US_ASCII));
            assertThat(acked.get(0).ack()).isEqualTo(PEER_ISN + 3);
            assertThat(app.received.toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
        }

        @Test
        void dataOnTheCookieAck_isDelivered_theLostFinalAckCase() {
            final StackHarness s = stack(2, SynCookies.ON);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int cookie = cookieSynAck(s, peer, 1460).seq();
            final List<Seg> out = peer.send(ACK | PSH, PEER_ISN + 1, cookie + 1,
                "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(app.events).containsExactly("connected");
            assertThat(app.received.size()).isEqualTo(18);
            assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 19);
        }

        @Test
        void forgedCookies_areDroppedAndCounted_noRst() {
            final StackHarness s = stack(2, SynCookies.ON);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int cookie = cookieSynAck(s, peer, 1460).seq();
            final SplittableRandom random = new SplittableRandom(4987);
            int sent = 0;
            for (int i = 0; i < 2000; i++) {
                final int forged = random.nextInt();
                if (forged == cookie) {
                    continue;
                }
                assertThat(new TcpPeer(s, 40000 + (i % 50), PORT).send(ACK, PEER_ISN + 1, forged + 1, NONE)).isEmpty();
                sent++;
            }
            // One bit flipped, and the right cookie from another tuple or for another peer ISN.
            assertThat(peer.send(ACK, PEER_ISN + 1, (cookie ^ 1) + 1, NONE)).isEmpty();
            assertThat(new TcpPeer(s, 40001, PORT).send(ACK, PEER_ISN + 1, cookie + 1, NONE)).isEmpty();
            assertThat(peer.send(ACK, PEER_ISN + 2, cookie + 1, NONE)).isEmpty();
            assertThat(s.stack.tcp().connectionCount()).isZero();
            assertThat(s.counter("tcp.syncookies.validated")).isZero();
            assertThat(s.counter("tcp.syncookies.invalid") + s.counter("tcp.syncookies.stale")).isEqualTo(sent + 3);
        }

        @Test
        void staleCookie_isRejected_afterTwoPeriods_butValidWithinOne() {
            final StackHarness s = stack(2, SynCookies.ON);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            final TcpPeer late = new TcpPeer(s, 40000, PORT);
            final int stale = cookieSynAck(s, late, 1460).seq();
            final TcpPeer inTime = new TcpPeer(s, 40001, PORT);
            final int fresh = inTime.syn(PEER_ISN, 1460).get(0).seq();

            s.advanceNs(SynCookieCodec.PERIOD_NS); // one period on: still valid
            s.run().collect(); // (the fillers' SYN-ACK retransmissions)
            assertThat(inTime.send(ACK, PEER_ISN + 1, fresh + 1, NONE)).isEmpty();
            assertThat(app.events).containsExactly("connected");

            // Keep the listener in cookie mode, then let the first cookie age past two periods.
            new TcpPeer(s, 40002, PORT).syn(PEER_ISN, 1460);
            s.advanceNs(SynCookieCodec.PERIOD_NS + 1);
            s.run().collect();
            assertThat(late.send(ACK, PEER_ISN + 1, stale + 1, NONE)).isEmpty();
            assertThat(s.counter("tcp.syncookies.stale")).isEqualTo(1);
            assertThat(s.stack.tcp().connectionCount()).isEqualTo(1);
        }

        @Test
        void replayedCookieAck_doesNotMakeASecondConnection() {
            final StackHarness s = stack(2, SynCookies.ON);
            final List<RecordingHandler> made = new ArrayList<>();
            s.stack.listen(PORT, 16, () -> {
                final RecordingHandler h = new RecordingHandler();
                made.add(h);
                return h;
            });
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int cookie = cookieSynAck(s, peer, 1460).seq();
            peer.send(ACK, PEER_ISN + 1, cookie + 1, NONE);
            peer.send(ACK, PEER_ISN + 1, cookie + 1, NONE);
            assertThat(made).hasSize(1);
            assertThat(s.counter("tcp.syncookies.validated")).isEqualTo(1);

            // After the connection ends in TIME-WAIT on our side, the replay meets the record.
            made.get(0).connection.close();
            final int ourFin = cookie + 1;
            peer.send(ACK, PEER_ISN + 1, ourFin + 1, NONE);
            peer.send(TcpPeer.FIN | ACK, PEER_ISN + 1, ourFin + 1, NONE);
            assertThat(s.stack.tcp().timeWaitCount()).isEqualTo(1);
            assertThat(peer.send(ACK, PEER_ISN + 1, cookie + 1, NONE)).isEmpty();
            assertThat(made).hasSize(1);
        }

        @Test
        void withCookiesOn_butNoneSentRecently_anAckIsRefusedWithRst_rfc9293_3_10_7_2() {
            final StackHarness s = stack(2, SynCookies.ON);
            s.stack.listen(PORT, 16, RecordingHandler::new);
            final List<Seg> out = new TcpPeer(s, 40000, PORT).send(ACK, PEER_ISN, 12345, NONE);
            assertThat(out).extracting(Seg::flags).containsExactly(RST);
            assertThat(s.counter("tcp.syncookies.invalid")).isZero();
        }

        @Test
        void always_keepsNoHalfOpenState_atAll() {
            final StackHarness s = stack(16, SynCookies.ALWAYS);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int cookie = peer.syn(PEER_ISN, 1460).get(0).seq();
            assertThat(s.counter("tcp.listen.half_open")).isZero();
            assertThat(s.counter("tcp.syncookies.sent")).isEqualTo(1);
            assertThat(peer.advanceMs(5000)).as("no SYN-ACK retransmission without state").isEmpty();
            assertThat(peer.send(ACK, PEER_ISN + 1, cookie + 1, NONE)).isEmpty();
            assertThat(app.events).containsExactly("connected");
        }

        @Test
        void withTimestamps_aCookieConnectionKeepsWindowScaleAndSack_fromTheTsecrBits_asLinux() {
            final StackHarness s = stack(16, SynCookies.ALWAYS);
            final RecordingHandler app = new RecordingHandler();
            s.stack.listen(PORT, 16, () -> app);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            // MSS 1460, SACK-permitted, timestamps (TSval 5000), NOP, window scale 7.
            final byte[] syn = java.nio.ByteBuffer.allocate(24).put(new byte[] {2, 4, 5, (byte) 180, 1, 1, 4, 2})
                .put(TcpPeer.timestampsOption(5000, 0)).put(new byte[] {1, 3, 3, 7}).array();
            final Seg synAck = peer.send(TcpPeer.SYN, PEER_ISN, 0, syn, NONE).get(0);
            assertThat(s.counter("tcp.syncookies.sent")).isEqualTo(1);
            assertThat(synAck.windowScale()).as("ours offered (RFC 7323 §2.2)").isNotNegative();
            assertThat(synAck.sackPermitted()).isTrue();
            assertThat(synAck.hasTimestamps()).isTrue();
            assertThat(synAck.tsEcr()).isEqualTo(5000);
            assertThat(synAck.tsVal() & TcpLayer.COOKIE_TS_MASK)
                .as("scale 7, SACK bit").isEqualTo(7 | 0x10);
            peer.send(ACK, PEER_ISN + 1, synAck.seq() + 1, TcpPeer.timestampsOption(5001, synAck.tsVal()), NONE);
            final TcpConnection c = (TcpConnection) app.connection;
            assertThat(c).isNotNull();
            assertThat(c.sndWindowScale).isEqualTo(7);
            assertThat(c.rcvWindowScale).isEqualTo(synAck.windowScale());
            assertThat(c.sackOk).isTrue();
            assertThat(c.tsOk).isTrue();
        }

        @Test
        void theCookieTsval_carriesItsBits_andIsNeverAheadOfTheClock() {
            for (long nowMs = 0; nowMs < 200; nowMs++) {
                final long nowNs = nowMs * 1_000_000L;
                final int clock = TcpConnection.tsClock(nowNs, 0x12345678);
                for (final int scale : new int[] {-1, 0, 7, 14}) {
                    final int ts = TcpLayer.cookieTsVal(0x12345678, scale, true, nowNs);
                    assertThat(ts & 0xF).isEqualTo(scale < 0 ? 0xF : scale);
                    assertThat(ts & 0x10).isEqualTo(0x10);
                    assertThat(clock - ts).isBetween(0, 63);
                }
            }
        }

        @Test
        void codec_isDeterministicForAKey_andRotatesKeysEveryPeriod() {
            final long[] keys = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
            final int[] next = {0};
            final SynCookieCodec codec = new SynCookieCodec(() -> keys[next[0]++ % keys.length]);
            final long tuple = TcpLayer.tupleKey(0x0A070001, 40000, 80);
            final int c0 = codec.make(tuple, 1234, 1460, 0);
            assertThat(codec.make(tuple, 1234, 1460, 10)).isEqualTo(c0);
            assertThat(codec.check(tuple, c0, 1234, 0)).isEqualTo(1460);
            assertThat(codec.check(tuple, c0, 1234, SynCookieCodec.PERIOD_NS)).isEqualTo(1460);
            assertThat(next[0]).as("two keys at first use, one more per new period").isEqualTo(6);
            assertThat(codec.check(tuple, c0, 1234, 2 * SynCookieCodec.PERIOD_NS)).isEqualTo(SynCookieCodec.STALE);
            assertThat(codec.check(tuple, c0 ^ 0x10, 1234, 0)).isEqualTo(SynCookieCodec.INVALID);
        }
    }

    @Nested
    class AcceptQueue {
        @Test
        void full_dropsTheCompletingAck_thenTheRetriedAckCompletes_asLinux() {
            final StackHarness s = stack(8, SynCookies.OFF);
            final RecordingHandler app = new RecordingHandler();
            final io.tcpstack.tcp.Listener listener = s.stack.listen(PORT, 2, () -> app);
            final int[] queued = {2};
            listener.acceptQueueDepth(() -> queued[0]);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
            assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).as("dropped").isEmpty();
            assertThat(app.events).isEmpty();
            assertThat(s.counter("tcp.listen.accept_queue_overflows")).isEqualTo(1);
            assertThat(s.counter("tcp.listen.half_open")).isEqualTo(1);
            queued[0] = 1; // the application accepted one
            assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).isEmpty();
            assertThat(app.events).containsExactly("connected");
            assertThat(listener.acceptQueued()).isEqualTo(1);
        }

        @Test
        void full_withResetConfigured_answersRst_andForgetsTheEntry() {
            final StackHarness s = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0)
                .resetOnAcceptOverflow(true).build(), null);
            final io.tcpstack.tcp.Listener listener = s.stack.listen(PORT, 1, RecordingHandler::new);
            listener.acceptQueueDepth(() -> 1);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
            final List<Seg> out = peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            assertThat(out).extracting(Seg::flags).containsExactly(RST);
            assertThat(out.get(0).seq()).isEqualTo(iss + 1);
            assertThat(s.counter("tcp.listen.half_open")).isZero();
            assertThat(s.stack.tcp().connectionCount()).isZero();
        }

        @Test
        void full_dropsAValidCookieAck_too() {
            final StackHarness s = stack(2, SynCookies.ALWAYS);
            final io.tcpstack.tcp.Listener listener = s.stack.listen(PORT, 1, RecordingHandler::new);
            listener.acceptQueueDepth(() -> 1);
            final TcpPeer peer = new TcpPeer(s, 40000, PORT);
            final int cookie = peer.syn(PEER_ISN, 1460).get(0).seq();
            assertThat(peer.send(ACK, PEER_ISN + 1, cookie + 1, NONE)).isEmpty();
            assertThat(s.counter("tcp.listen.accept_queue_overflows")).isEqualTo(1);
            assertThat(s.stack.tcp().connectionCount()).isZero();
        }
    }

    @Nested
    class ClosingAListener {
        @Test
        void afterClose_synsAreRefused_halfOpenForgotten_establishedUntouched_rfc9293_3_10_4() {
            final StackHarness s = stack(8, SynCookies.OFF);
            final RecordingHandler app = new RecordingHandler();
            final io.tcpstack.tcp.Listener listener = s.stack.listen(PORT, 8, () -> app);
            final TcpPeer established = new TcpPeer(s, 40000, PORT);
            final int iss = established.syn(PEER_ISN, 1460).get(0).seq();
            established.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            final TcpPeer halfOpen = new TcpPeer(s, 40001, PORT);
            final int iss2 = halfOpen.syn(PEER_ISN, 1460).get(0).seq();

            s.stack.closeListener(listener);
            assertThat(listener.isOpen()).isFalse();
            assertThat(s.counter("tcp.listen.half_open")).isZero();
            assertThat(new TcpPeer(s, 40002, PORT).syn(PEER_ISN, 1460)).extracting(Seg::flags)
                .containsExactly(RST | ACK);
            assertThat(halfOpen.send(ACK, PEER_ISN + 1, iss2 + 1, NONE)).extracting(Seg::flags).containsExactly(RST);
            final List<Seg> data = established.send(ACK | PSH, PEER_ISN + 1, iss + 1, "x".getBytes(StandardCharsets.US_ASCII));
            assertThat(data.get(0).ack()).isEqualTo(PEER_ISN + 2);
            assertThat(s.stack.tcp().listeners()).isEmpty();
            s.stack.listen(PORT, 8, RecordingHandler::new); // the port can be listened on again
        }
    }
}
