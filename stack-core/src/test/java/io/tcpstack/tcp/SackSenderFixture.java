package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.StackConfig;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/**
 * The sending side of the loss-recovery tests: a stack listening on {@link #PORT}, a
 * {@link TcpPeer} that connects with SACK (MSS 1460, window 65535), then data queued by the
 * application. Delayed ACKs are off unless a test's configuration says otherwise.
 */
abstract class SackSenderFixture {
    static final int PORT = 80;
    static final int PEER_ISN = 7_000_000;
    static final int MSS = 1460;
    static final byte[] NONE = new byte[0];

    StackHarness stack;
    final RecordingHandler app = new RecordingHandler();
    TcpPeer peer;
    /** The sequence number of the first byte of data: ISS + 1. */
    int s;

    /** The configuration the tests start from: the stack's address, delayed ACKs off. */
    static StackConfig.Builder config() {
        return StackConfig.builder().localAddress(TestPackets.STACK).delayedAckNs(0);
    }

    /** {@link #establishAndSend(StackConfig, int, long)} with {@link #config()}, RTT 0. */
    List<Seg> establishAndSend(final int bytes) {
        return establishAndSend(config().build(), bytes, 0);
    }

    /** {@link #establishAndSend(StackConfig, int, long)} with {@link #config()}. */
    List<Seg> establishAndSend(final int bytes, final long rttMs) {
        return establishAndSend(config().build(), bytes, rttMs);
    }

    /**
     * The handshake (its ACK {@code rttMs} after the SYN-ACK: the first RTT sample), then
     * {@code bytes} queued by the application.
     *
     * @return the segments the stack sent for them
     */
    List<Seg> establishAndSend(final StackConfig config, final int bytes, final long rttMs) {
        stack = new StackHarness(config, null);
        peer = new TcpPeer(stack, 40000, PORT);
        stack.stack.listen(PORT, 16, () -> app);
        final int iss = peer.synWithSack(PEER_ISN, MSS).get(0).seq();
        peer.advanceMs(rttMs);
        peer.window = 65535;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        s = iss + 1;
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[bytes]), 0, bytes));
        stack.run();
        return peer.collect();
    }

    TcpConnection connection() {
        return (TcpConnection) app.connection;
    }
}
