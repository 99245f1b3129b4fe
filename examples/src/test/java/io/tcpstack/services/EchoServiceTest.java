package io.tcpstack.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

class EchoServiceTest {
    @Test
    void ampleSpace_echoesAtOnce() {
        final FakeConnection c = new FakeConnection(EchoService.factory().get(), 1000).connect();
        c.receive("hello, ").receive("echo");
        assertThat(c.sentAscii()).isEqualTo("hello, echo");
        assertThat(c.unconsumed()).isZero();
        assertThat(c.outputShut()).isFalse();
    }

    @Test
    void backPressure_consumesOnlyWhatSendTook_andResumesOnWritable() {
        final FakeConnection c = new FakeConnection(new EchoService(), 4).connect();
        c.receive("0123456789");
        assertThat(c.sentAscii()).isEqualTo("0123");
        assertThat(c.unconsumed()).isEqualTo(6);

        c.ack(4);
        assertThat(c.writableCalls).isEqualTo(1);
        assertThat(c.resumeCalls).isEqualTo(1);
        assertThat(c.sentAscii()).isEqualTo("01234567");
        assertThat(c.unconsumed()).isEqualTo(2);

        c.ack(4);
        assertThat(c.sentAscii()).isEqualTo("0123456789");
        assertThat(c.unconsumed()).isZero();
    }

    @Test
    void zeroSpace_consumesNothing_untilSpaceFrees() {
        final FakeConnection c = new FakeConnection(new EchoService(), 0).connect();
        c.receive("abc");
        assertThat(c.sent()).isEmpty();
        assertThat(c.unconsumed()).isEqualTo(3);
        c.setCapacity(10);
        c.ack(0);
        assertThat(c.sentAscii()).isEqualTo("abc");
    }

    @Test
    void manyPiecesSmallWindowSplitOffers_roundTripIsByteExact() {
        final Random random = new Random(7);
        final byte[] data = new byte[200_000];
        random.nextBytes(data);
        final FakeConnection c = new FakeConnection(new EchoService(), 1500);
        c.maxOffer = 977; // the stack may offer its ring in two pieces
        c.connect();
        int at = 0;
        while (at < data.length) {
            final int n = Math.min(1 + random.nextInt(3000), data.length - at);
            c.receive(java.util.Arrays.copyOfRange(data, at, at + n));
            at += n;
            c.ack(random.nextInt(2000));
        }
        c.pump(10_000);
        assertThat(c.sent()).isEqualTo(data);
        assertThat(c.unconsumed()).isZero();
    }

    @Test
    void peerClosed_nothingPending_shutsDownAtOnce() {
        final FakeConnection c = new FakeConnection(new EchoService(), 100).connect();
        c.receive("bye").peerClose();
        assertThat(c.shutdownCalls).isEqualTo(1);
        assertThat(c.sentAtShutdown).isEqualTo(3);
    }

    @Test
    void peerClosed_withDataPending_shutsDownOnlyAfterTheLastByte() {
        final FakeConnection c = new FakeConnection(new EchoService(), 3);
        c.maxOffer = 2;
        c.connect();
        c.receive("half-close works").peerClose();
        assertThat(c.shutdownCalls).isZero();
        c.pump(100);
        assertThat(c.sentAscii()).isEqualTo("half-close works");
        assertThat(c.shutdownCalls).isEqualTo(1);
        assertThat(c.sentAtShutdown).isEqualTo(16);
    }
}
