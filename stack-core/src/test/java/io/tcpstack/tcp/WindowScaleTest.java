package io.tcpstack.tcp;

import static io.tcpstack.testing.TcpPeer.ACK;
import static io.tcpstack.testing.TcpPeer.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.SynCookies;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TcpPeer.Seg;
import io.tcpstack.testing.TestPackets;

/** RFC 7323 §2 window scaling, segment in → segments out: offered, agreed, applied both ways. */
class WindowScaleTest {
    private static final int PORT = 80;
    private static final int PEER_ISN = 9_000_000;
    private static final byte[] NONE = new byte[0];

    final StackHarness stack = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
        .delayedAckNs(0).build(), null); // 256 KiB buffers: shift 3
    final RecordingHandler app = new RecordingHandler();
    final TcpPeer peer = new TcpPeer(stack, 40000, PORT);

    @Test
    void synWithWindowScale_getsOurShift_andTheSynAcksWindowIsNotScaled_rfc7323_2_2() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg synAck = peer.synWithWindowScale(PEER_ISN, 1460, 7).get(0);
        assertThat(synAck.windowScale()).as("the smallest shift covering 256 KiB").isEqualTo(3);
        assertThat(synAck.window()).isEqualTo(65535);
    }

    @Test
    void afterTheHandshake_bothWindowsAreScaled_rfc7323_2_3() {
        stack.stack.listen(PORT, 16, () -> app);
        final int iss = peer.synWithWindowScale(PEER_ISN, 1460, 7).get(0).seq();
        peer.window = 100; // × 2^7 = 12,800 bytes
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[100_000]), 0, 100_000));
        stack.run();
        final List<Seg> out = peer.collect();
        // 12,800 bytes of window: eight full segments; the 1,120 left is less than half the
        // peer's window, so sender SWS avoidance (RFC 9293 §3.8.6.2.1) keeps it back.
        assertThat(out.stream().mapToInt(s -> s.data().length).sum()).as("the peer's scaled window")
            .isEqualTo(8 * 1460);
        assertThat(out.get(0).window()).as("our 256 KiB, shifted by 3").isEqualTo((256 * 1024) >> 3);
    }

    @Test
    void withoutTheOptionInTheSyn_nothingIsScaled_rfc7323_2_2() {
        stack.stack.listen(PORT, 16, () -> app);
        final Seg synAck = peer.syn(PEER_ISN, 1460).get(0);
        assertThat(synAck.windowScale()).isEqualTo(-1);
        peer.window = 100;
        peer.send(ACK, PEER_ISN + 1, synAck.seq() + 1, NONE);
        stack.stack.submit(() -> app.connection.send(new UnsafeBuffer(new byte[1000]), 0, 1000));
        stack.run();
        final List<Seg> out = peer.collect();
        assertThat(out.get(0).data()).as("100 bytes: the window as it is").hasSize(100);
        assertThat(out.get(0).window()).as("at most 65535 unscaled").isEqualTo(65535);
    }

    @Test
    void aShiftAbove14_isUsedAs14_rfc7323_2_3() {
        stack.stack.listen(PORT, 16, () -> app);
        final int iss = peer.synWithWindowScale(PEER_ISN, 1460, 20).get(0).seq();
        peer.window = 1;
        peer.send(ACK, PEER_ISN + 1, iss + 1, NONE);
        assertThat(((TcpConnection) app.connection).sndWnd).isEqualTo(1 << 14);
    }

    @Test
    void activeOpen_offersScaling_andUsesItOnlyIfTheSynAckHasIt() {
        final RecordingHandler client = new RecordingHandler();
        stack.stack.submit(() -> stack.stack.connect(TestPackets.HOST, 5000, client));
        stack.run();
        final List<byte[]> sent = stack.collect();
        final Seg syn = TcpPeer.parse(sent.get(0));
        assertThat(syn.flags()).isEqualTo(SYN);
        assertThat(syn.windowScale()).isEqualTo(3);
        final TcpPeer server = new TcpPeer(stack, 5000, syn.srcPort());
        server.window = 1000;
        server.send(SYN | ACK, 77, syn.seq() + 1, new byte[] {2, 4, 5, (byte) 180}, NONE); // no window scale
        final TcpConnection c = (TcpConnection) client.connection;
        assertThat(c.sndWindowScale).isZero();
        assertThat(c.rcvWindowScale).isZero();
        assertThat(c.sndWnd).isEqualTo(1000);
    }

    @Test
    void aCookieSynAck_carriesNoWindowScale_soNeitherSideScales() {
        final StackHarness s = new StackHarness(StackConfig.builder().localAddress(TestPackets.STACK)
            .synCookies(SynCookies.ALWAYS).build(), null);
        s.stack.listen(PORT, 16, () -> app);
        final TcpPeer p = new TcpPeer(s, 40000, PORT);
        final Seg synAck = p.synWithWindowScale(PEER_ISN, 1460, 7).get(0);
        assertThat(synAck.windowScale()).isEqualTo(-1);
        p.send(ACK, PEER_ISN + 1, synAck.seq() + 1, NONE);
        assertThat(((TcpConnection) app.connection).sndWindowScale).isZero();
    }

    @Test
    void aWindowScaleOptionOfTheWrongLength_dropsTheSegment_rfc9293_3_1() {
        stack.stack.listen(PORT, 16, () -> app);
        assertThat(peer.send(SYN, PEER_ISN, 0, new byte[] {3, 4, 7, 0}, NONE)).isEmpty();
        assertThat(stack.counter("tcp.rx.bad_options")).isEqualTo(1);
    }
}
