package io.tcpstack.api;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.FIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TestPackets;

/**
 * The blocking socket's two halves on one thread: the test is the application thread and,
 * when it calls {@code stack.run()}, the stack thread. Whatever the application thread does
 * between two runs of the stack is what a slow stack thread would let it do.
 */
class SocketBridgeTest {
    private static final int PORT = 7;
    private static final int PEER_ISN = 5_000;
    private static final int BYTES = 20_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .mslNs(TimeUnit.SECONDS.toNanos(1)).build(), null);
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);
    // A 4 KiB ring: most of what arrives waits in the connection's receive buffer.
    final SocketBridge bridge = new SocketBridge(stack.stack, 4096, null);
    int iss;

    /** Connected; the peer has sent 20,000 bytes (a function of their position) and its FIN. */
    private TcpSocket connectedAndPeerDone() {
        stack.stack.listen(PORT, 4, () -> bridge);
        iss = peer.syn(PEER_ISN, 1460).get(0).seq();
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        assertThat(bridge.connected).isTrue();
        for (int sent = 0; sent < BYTES; sent += 1000) {
            final byte[] data = new byte[1000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (sent + i);
            }
            peer.send(ACK, PEER_ISN + 1 + sent, iss + 1, data);
        }
        peer.send(FIN | ACK, PEER_ISN + 1 + BYTES, iss + 1, NONE);
        return new TcpSocket(bridge);
    }

    @Test
    void endOfStream_onlyAfterEveryByteThatArrivedBeforeTheFin() throws Exception {
        final TcpSocket socket = connectedAndPeerDone();
        socket.setSoTimeout(20);
        final InputStream in = socket.getInputStream();
        final byte[] buf = new byte[1500];
        int total = 0;
        for (int round = 0; round < 1000; round++) {
            final int n;
            try {
                n = in.read(buf);
            } catch (final SocketTimeoutException e) {
                stack.run(); // the stack thread moves more bytes into the ring
                continue;
            }
            if (n < 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                assertThat(buf[i]).as("byte %d", total + i).isEqualTo((byte) (total + i));
            }
            total += n;
        }
        assertThat(total).as("bytes read before end of stream").isEqualTo(BYTES);
    }

    @Test
    void closeWithUnreadBytes_discardsThem_andTheConnectionEnds() throws Exception {
        final TcpSocket socket = connectedAndPeerDone();
        peer.collect();
        socket.close(); // reads nothing: "unread received bytes are discarded"
        stack.run();
        // Our FIN follows; the peer acknowledges it and the connection ends (LAST-ACK done).
        final var fin = peer.collect().stream().filter(s -> s.has(FIN)).findFirst().orElseThrow();
        peer.send(ACK, PEER_ISN + 2 + BYTES, fin.seq() + 1, NONE);
        assertThat(bridge.closed).isEqualTo(CloseReason.NORMAL);
        assertThat(stack.stack.tcp().connectionCount()).isZero();
    }
}
