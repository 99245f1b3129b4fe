package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The sender's congestion control, segment in → segments out in simulated time: RFC 5681
 * slow start, congestion avoidance and timeout, RFC 6582 NewReno fast retransmit and
 * recovery, RFC 6928's initial window. The peer is the test, with a large window, so the
 * congestion window is what limits the stack.
 */
class CongestionControlTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 5_000_000;
    private static final int MSS = 1460;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);
    int iss;

    /** Establishes, then the application queues {@code bytes}; returns what went out at once. */
    List<Seg> establishAndSend(final int bytes) {
        stack.stack.listen(PORT, 16, () -> app);
        peer.window = 65535;
        iss = peer.syn(PEER_ISN, MSS).get(0).seq();
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[bytes]), 0, bytes));
        stack.run();
        return peer.collect();
    }

    /** The peer acknowledges up to {@code relative} bytes of the stack's data. */
    List<Seg> ackUpTo(final int relative) {
        return peer.send(ACK, PEER_ISN + 1, iss + 1 + relative, NONE);
    }

    @Nested
    class SlowStart {
        @Test
        void theFirstFlight_isTheInitialWindow_tenSegments_rfc6928_2() {
            final List<Seg> first = establishAndSend(100_000);
            assertThat(first).hasSize(10);
            assertThat(first).allSatisfy(seg -> assertThat(seg.data()).hasSize(MSS));
        }

        @Test
        void eachAck_growsTheWindowByAtMostOneSegment_rfc5681_3_1() {
            establishAndSend(100_000);
            // One ACK for two segments: cwnd 10 → 11 segments; 8 still out, so 3 go.
            final List<Seg> next = ackUpTo(2 * MSS);
            assertThat(next).hasSize(3);
            assertThat(next.get(0).seq()).isEqualTo(iss + 1 + 10 * MSS);
        }

        @Test
        void aWholeFlightAcknowledged_roughlyDoublesTheNext() {
            establishAndSend(200_000);
            int sent = 0;
            for (int i = 1; i <= 10; i++) {
                sent += ackUpTo(i * MSS).size();
            }
            assertThat(sent).as("two segments per ACKed segment in slow start").isEqualTo(20);
        }
    }

    @Nested
    class FastRetransmit {
        @Test
        void thirdDuplicateAck_resendsTheFirstUnacknowledgedSegment_halvesTheWindow_rfc6582_3_2() {
            establishAndSend(100_000);
            ackUpTo(0); // first and second duplicates: Limited Transmit (below)
            ackUpTo(0);
            final List<Seg> third = ackUpTo(0);
            assertThat(third).isNotEmpty();
            assertThat(third.get(0).seq()).as("the lost segment, at once").isEqualTo(iss + 1);
            assertThat(third.get(0).data()).hasSize(MSS);
            assertThat(stack.counter("tcp.fast_retransmits")).isEqualTo(1);
            assertThat(stack.counter("tcp.rx.duplicate_acks")).isEqualTo(3);
            // ssthresh = 10 segments / 2 = 5 (FlightSize without the two Limited Transmit
            // segments, RFC 5681 §3.2 step 2); cwnd = 5 + 3 = 8 < 12 out: nothing new yet.
            assertThat(third).hasSize(1);
            // Each further duplicate inflates cwnd by one segment: the fifth of them lets one new one go.
            for (int i = 0; i < 4; i++) {
                assertThat(ackUpTo(0)).isEmpty();
            }
            final List<Seg> fresh = ackUpTo(0);
            assertThat(fresh).hasSize(1);
            assertThat(fresh.get(0).seq()).isEqualTo(iss + 1 + 12 * MSS);
        }

        @Test
        void firstAndSecondDuplicateAck_eachSendOneNewSegment_beyondCwnd_rfc5681_3_2_step1_rfc3042() {
            assertThat(establishAndSend(100_000)).as("the initial window").hasSize(10);
            final List<Seg> first = ackUpTo(0);
            assertThat(first).extracting(Seg::seq).as("Limited Transmit: data never sent before")
                .containsExactly(iss + 1 + 10 * MSS);
            final List<Seg> second = ackUpTo(0);
            assertThat(second).extracting(Seg::seq).containsExactly(iss + 1 + 11 * MSS);
            assertThat(stack.counter("tcp.fast_retransmits")).isZero();
            assertThat(((TcpConnection) app.connection).cc.cwnd()).as("cwnd unchanged").isEqualTo(10 * MSS);
        }

        @Test
        void partialAck_resendsTheNextHoleAtOnce_fullAck_endsRecovery_rfc6582_3_2() {
            establishAndSend(100_000);
            for (int i = 0; i < 3; i++) {
                ackUpTo(0);
            }
            // Segments 1 and 3 were lost: the retransmission of 1 brings an ACK up to 2 (partial).
            final List<Seg> partial = ackUpTo(2 * MSS);
            assertThat(partial).isNotEmpty();
            assertThat(partial.get(0).seq()).as("the next hole, without waiting for 3 more duplicates")
                .isEqualTo(iss + 1 + 2 * MSS);
            assertThat(stack.counter("tcp.fast_retransmits")).isEqualTo(1);
            // Everything that was out when recovery began is acknowledged: recovery ends, and
            // cwnd is min(ssthresh, flight + 1 segment) = at most 5 segments.
            final List<Seg> after = ackUpTo(10 * MSS);
            final int flight = after.stream().mapToInt(seg -> seg.data().length).sum();
            assertThat(flight).isLessThanOrEqualTo(5 * MSS);
        }

        @Test
        void duplicatesAfterATimeout_doNotStartAnotherRecovery_rfc6582_3_2_step1A() {
            establishAndSend(100_000);
            final List<Seg> retransmitted = peer.advanceMs(250); // the handshake measured an RTT of ~0: RTO = the 200 ms minimum
            assertThat(retransmitted).as("RTO: one segment (cwnd = 1 SMSS)").hasSize(1);
            assertThat(stack.counter("tcp.rto_expired")).isEqualTo(1);
            for (int i = 0; i < 3; i++) {
                ackUpTo(0); // echoes of segments sent before the timeout
            }
            assertThat(stack.counter("tcp.fast_retransmits")).isZero();
        }
    }

    @Nested
    class Timeout {
        @Test
        void retransmissionTimeout_collapsesToOneSegment_thenSlowStartsAgain_rfc5681_3_1() {
            establishAndSend(100_000);
            final List<Seg> rto = peer.advanceMs(250); // the handshake measured an RTT of ~0: RTO = the 200 ms minimum
            assertThat(rto).hasSize(1);
            assertThat(rto.get(0).seq()).isEqualTo(iss + 1);
            final List<Seg> next = ackUpTo(MSS);
            assertThat(next).as("cwnd 1 → 2 segments").hasSize(2);
        }
    }

    @Nested
    class Arithmetic {
        @ParameterizedTest(name = "MSS {0} → IW {1}")
        @CsvSource({"536, 5360", "1460, 14600", "4000, 14600", "8960, 17920"})
        void initialWindow_rfc6928_2(final int mss, final int expected) {
            assertThat(NewReno.initialWindow(mss)).isEqualTo(expected);
        }

        @Test
        void congestionAvoidance_addsOneSegmentPerWindowOfData_rfc5681_3_1() {
            final NewReno cc = new NewReno(1000);
            cc.onRetransmitTimeout(20_000); // ssthresh 10000, cwnd 1000
            while (cc.cwnd() < cc.ssthresh()) {
                cc.onAck(1000, 0, 0);
            }
            final int start = cc.cwnd();
            for (int i = 0; i < start / 1000; i++) {
                cc.onAck(1000, 0, 0);
            }
            assertThat(cc.cwnd()).isEqualTo(start + 1000);
        }

        @Test
        void recoveryArithmetic_rfc6582_3_2() {
            final NewReno cc = new NewReno(1000);
            cc.onFastRetransmit(10_000);
            assertThat(cc.ssthresh()).isEqualTo(5000);
            assertThat(cc.cwnd()).isEqualTo(8000);
            cc.onDuplicateAckInRecovery();
            assertThat(cc.cwnd()).isEqualTo(9000);
            cc.onPartialAck(3000);
            assertThat(cc.cwnd()).isEqualTo(7000);
            cc.onRecoveryEnd(2000);
            assertThat(cc.cwnd()).as("step 3 option (2): ssthresh, whatever is still out").isEqualTo(5000);
            cc.onFastRetransmit(1000);
            assertThat(cc.ssthresh()).as("at least 2 SMSS").isEqualTo(2000);
        }
    }
}
