package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.FIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * Recovery by retransmission timeout (RFC 6298 §5) with go-back-N: the stack rewinds
 * SND.NXT to SND.UNA and sends again what the window allows. The peer is the test, and
 * it has often received more than the stack sends again.
 */
class TcpRetransmissionTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 1_000_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null);
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);

    /** Listens and completes the passive handshake; returns the stack's ISS. */
    private int establish() {
        stack.stack.listen(PORT, 16, () -> app);
        final int iss = peer.syn(PEER_ISN, 1460).get(0).seq();
        assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).isEmpty();
        assertThat(app.events).containsExactly("connected");
        return iss;
    }

    private List<Seg> appSends(final int length) {
        final UnsafeBuffer data = new UnsafeBuffer(new byte[length]);
        assertThat(app.connection.send(data, 0, length)).isEqualTo(length);
        return peer.collect();
    }

    @Test
    void ackOfDataSentBeforeTheTimeout_isAccepted_evenBeyondTheRewoundSndNxt_rfc9293_3_10_7_4() {
        final int iss = establish();
        assertThat(appSends(3000)).extracting(Seg::len).containsExactly(1460, 1460, 80);
        // The peer got all three segments but its ACKs are lost; it also shrinks its window to
        // one segment, so the go-back-N retransmission sends only the first one.
        peer.window = 1460;
        assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1, NONE)).isEmpty();
        final List<Seg> again = peer.advanceMs(250);
        assertThat(again).extracting(Seg::seq, Seg::len).containsExactly(Tuple.tuple(iss + 1, 1460));

        // Now its ACK of all 3000 bytes arrives: SND.UNA < SEG.ACK <= the highest SND.NXT
        // sent, so it acknowledges data that was sent (not "something not yet sent").
        peer.window = 64240;
        assertThat(peer.send(ACK, PEER_ISN + 1, iss + 1 + 3000, NONE)).as("no ACK back: nothing to drop").isEmpty();
        assertThat(stack.counter("tcp.rx.ack_of_unsent")).isZero();
        assertThat(app.connection.sendQueued()).isZero();
        assertThat(peer.advanceMs(5_000)).as("nothing left to retransmit").isEmpty();
    }

    @Test
    void finAckedAfterTheTimeoutRewoundPastIt_isAcked_notSentAgainWithANewNumber_rfc9293_3_10_7_4() {
        final int iss = establish();
        appSends(3000);
        app.connection.close();
        final List<Seg> sent = peer.collect();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).has(FIN)).as("FIN after the last byte").isTrue();
        assertThat(app.connection.state()).isEqualTo(TcpState.FIN_WAIT_1);
        // As above: the peer got everything, FIN included, shrank its window, lost its ACKs.
        peer.window = 1460;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        assertThat(peer.advanceMs(250)).extracting(Seg::len).containsExactly(1460);

        // Its ACK of the data and the FIN (iss + 1 + 3000 + 1) arrives.
        peer.window = 64240;
        assertThat(peer.send(ACK, PEER_ISN + 1, iss + 3002, NONE)).as("no second FIN").isEmpty();
        assertThat(app.connection.state()).isEqualTo(TcpState.FIN_WAIT_2);
        assertThat(peer.advanceMs(5_000)).isEmpty();
        // The peer closes too: TIME-WAIT, a normal close.
        final List<Seg> last = peer.send(FIN | ACK, PEER_ISN + 1, iss + 3002, NONE);
        assertThat(last).hasSize(1);
        assertThat(last.get(0).seq()).isEqualTo(iss + 3002);
        assertThat(last.get(0).ack()).isEqualTo(PEER_ISN + 2);
        assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().timeWaitCount()).isEqualTo(1);
    }

    @Test
    void peerFinWhileTheTimeoutRewoundOurFin_isSimultaneousClose_notAPassiveOne_rfc9293_3_6() {
        final int iss = establish();
        appSends(3000);
        app.connection.close();
        peer.collect();
        peer.window = 1460;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        assertThat(peer.advanceMs(250)).extracting(Seg::len).containsExactly(1460);
        // The peer had not yet seen our FIN when it closed: it acknowledges the first segment
        // only, with its own FIN. We sent our FIN first, so this is a simultaneous close
        // (FIN-WAIT-1 -> CLOSING -> TIME-WAIT), whatever the retransmission did.
        peer.send(FIN | ACK, PEER_ISN + 1, iss + 1 + 1460, NONE);
        assertThat(app.events).contains("peerClosed");
        assertThat(app.connection.state()).isEqualTo(TcpState.CLOSING);
        peer.window = 64240;
        peer.send(ACK, PEER_ISN + 2, iss + 3002, NONE);
        assertThat(app.closeReason).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().timeWaitCount()).as("the first closer holds TIME-WAIT").isEqualTo(1);
    }

    /** A connection with 3000 bytes acknowledged, the receiver's window closed, 1000 bytes waiting. */
    private final class ZeroWindow {
        final StackHarness small = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
            .maxRtoNs(TimeUnit.SECONDS.toNanos(1)).maxRetries(5).build(), null);
        final RecordingHandler sender = new RecordingHandler();
        final TcpPeer receiver = new TcpPeer(small, 40001, PORT);
        final int iss;

        ZeroWindow() {
            small.stack.listen(PORT, 16, () -> sender);
            iss = receiver.syn(PEER_ISN, 1460).get(0).seq();
            receiver.send(ACK, PEER_ISN + 1, iss + 1, NONE);
            final UnsafeBuffer data = new UnsafeBuffer(new byte[4000]);
            sender.connection.send(data, 0, 3000);
            receiver.collect();
            receiver.window = 0;
            receiver.send(ACK, PEER_ISN + 1, iss + 3001, NONE);
            sender.connection.send(data, 0, 1000);
            assertThat(receiver.collect()).isEmpty();
        }

        /** Waits (at most 3 s) for the next probe and checks it: one byte, at the first unsent one. */
        List<Seg> nextProbe() {
            List<Seg> out = List.of();
            for (int ms = 0; ms < 3_000 && out.isEmpty(); ms++) {
                out = receiver.advanceMs(1);
            }
            return out;
        }
    }

    @Test
    void zeroWindowProbesAnswered_keepTheConnectionOpen_pastMaxRetries_rfc1122_4_2_2_17() {
        final ZeroWindow z = new ZeroWindow();
        // Forty probes, each answered "still no room" (§3.8.6.1): well past maxRetries (5).
        for (int probe = 0; probe < 40; probe++) {
            final List<Seg> out = z.nextProbe();
            assertThat(z.sender.closeReason).as("closed after %d answered probes", probe).isNull();
            assertThat(out).as("probe %d", probe).extracting(Seg::seq, Seg::len)
                .containsExactly(Tuple.tuple(z.iss + 3001, 1));
            z.receiver.send(ACK, PEER_ISN + 1, z.iss + 3001, NONE);
        }
        // The window opens: the 1000 bytes go at once, from the probed byte on.
        z.receiver.window = 64240;
        final List<Seg> rest = z.receiver.send(ACK, PEER_ISN + 1, z.iss + 3001, NONE);
        assertThat(rest).extracting(Seg::seq, Seg::len).containsExactly(Tuple.tuple(z.iss + 3001, 1000));
        assertThat(z.sender.closeReason).isNull();
    }

    @Test
    void zeroWindowProbesUnanswered_abortAfterMaxRetries_rfc9293_3_8_3() {
        final ZeroWindow z = new ZeroWindow();
        for (int probe = 0; probe < 5; probe++) {
            assertThat(z.nextProbe()).as("probe %d", probe).hasSize(1);
        }
        final List<Seg> last = z.nextProbe();
        assertThat(last).extracting(Seg::flags).containsExactly(TcpPeer.RST);
        assertThat(z.sender.closeReason).isEqualTo(CloseReason.TIMEOUT);
    }

    @Test
    void ackBeyondAnythingEverSent_isStillAnsweredAndDropped_rfc9293_3_10_7_4() {
        final int iss = establish();
        appSends(100);
        final List<Seg> out = peer.send(ACK, PEER_ISN + 1, iss + 1 + 101, NONE);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).ack()).isEqualTo(PEER_ISN + 1);
        assertThat(stack.counter("tcp.rx.ack_of_unsent")).isEqualTo(1);
        assertThat(app.connection.sendQueued()).isEqualTo(100);
    }
}
