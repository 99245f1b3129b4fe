package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TestPackets;

/** RFC 9438 CUBIC: the window arithmetic, and that a connection uses it when configured. */
class CubicTest {
    private static final int MSS = 1000;
    private static final long MS = 1_000_000L;

    /** Feeds one ACK per segment of the window for {@code rounds} round trips of {@code rttMs}. */
    private static long run(final Cubic cc, final long startNs, final int rounds, final long rttMs) {
        long now = startNs;
        for (int r = 0; r < rounds; r++) {
            final int segments = cc.cwnd() / MSS;
            for (int i = 0; i < segments; i++) {
                cc.onAck(MSS, now + i * (rttMs * MS) / segments, rttMs * MS);
            }
            now += rttMs * MS;
        }
        return now;
    }

    @Test
    void aCongestionEvent_cutsTheWindowByBeta_rfc9438_4_6() {
        final Cubic cc = new Cubic(MSS);
        cc.onRetransmitTimeout(10 * MSS); // leave slow start at ssthresh 7 segments
        run(cc, 0, 20, 10);
        final int before = cc.cwnd();
        cc.onFastRetransmit(before);
        assertThat(cc.ssthresh()).isEqualTo((int) (before * Cubic.BETA));
        assertThat(cc.cwnd()).isEqualTo(cc.ssthresh() + 3 * MSS);
        assertThat(cc.wMax()).isEqualTo((double) before / MSS, within(1e-9));
    }

    @Test
    void afterALoss_theWindowReturnsToWmax_atAboutK_thenProbesBeyond_rfc9438_4_2() {
        final Cubic cc = new Cubic(MSS);
        cc.onRetransmitTimeout(200 * MSS);          // ssthresh 140 segments
        run(cc, 0, 12, 100);                         // slow start up past it
        cc.onFastRetransmit(100 * MSS);              // W_max = current, ssthresh = 70 segments
        final double wMax = cc.wMax();
        cc.onRecoveryEnd(100 * MSS); // cwnd = ssthresh = 70 segments: congestion avoidance
        // Long RTT (100 ms), so CUBIC, not the Reno estimate, drives the window.
        long now = run(cc, 10_000 * MS, 1, 100);
        final double k = cc.k();
        assertThat(k).as("K = cbrt(W_max (1 - β) / C)").isCloseTo(Math.cbrt((wMax - 70.0) / Cubic.C), within(0.3));
        now = run(cc, now, (int) (k * 10) - 1, 100);
        assertThat((double) cc.cwnd() / MSS).as("back near W_max at t = K").isCloseTo(wMax, within(wMax * 0.1));
        run(cc, now, 60, 100); // 6 s past K: W_cubic = W_max + C * 6^3 ≈ W_max + 86 segments
        assertThat((double) cc.cwnd() / MSS).as("probing beyond W_max after, convex").isGreaterThan(wMax + 40);
    }

    @Test
    void withAShortRtt_theRenoFriendlyEstimateDrivesTheWindow_rfc9438_4_3() {
        final Cubic cubic = new Cubic(MSS);
        cubic.onRetransmitTimeout(40 * MSS); // ssthresh 28 segments
        long now = 0;
        int caRounds = 0;
        for (int r = 0; r < 50; r++) {
            final int cs = cubic.cwnd() / MSS;
            if (cubic.cwnd() >= cubic.ssthresh()) {
                caRounds++;
            }
            for (int i = 0; i < cs; i++) {
                cubic.onAck(MSS, now, MS);
            }
            now += MS; // 1 ms RTT: W_cubic barely moves in 50 ms; W_est grows α_cubic per RTT
        }
        final double alpha = 3 * (1 - Cubic.BETA) / (1 + Cubic.BETA);
        assertThat((double) cubic.cwnd() / MSS).isCloseTo(28 + alpha * caRounds, within(3.0));
    }

    @Test
    void aConnection_usesCubic_whenConfigured() {
        final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
            .congestionControl(StackConfig.CongestionControlKind.CUBIC).build(), null);
        final RecordingHandler app = new RecordingHandler();
        stack.stack.listen(80, 16, () -> app);
        final TcpPeer peer = new TcpPeer(stack, 40000, 80);
        final int iss = peer.syn(1, 1460).get(0).seq();
        peer.send(TcpPeer.ACK, 2, iss + 1, new byte[0]);
        assertThat(((TcpConnection) app.connection).cc).isInstanceOf(Cubic.class);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[50_000]), 0, 50_000));
        stack.run();
        final List<TcpPeer.Seg> first = peer.collect();
        assertThat(first).as("the same initial window (RFC 6928)").hasSize(10);
    }
}
