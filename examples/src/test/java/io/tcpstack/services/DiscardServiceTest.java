package io.tcpstack.services;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DiscardServiceTest {
    @Test
    void consumesEverything_sendsNothing() {
        final FakeConnection c = new FakeConnection(DiscardService.factory().get(), 100).connect();
        c.receive(new byte[70_000]).receive("more");
        assertThat(c.dataCalls).isEqualTo(2);
        assertThat(c.unconsumed()).isZero();
        assertThat(c.sent()).isEmpty();
        assertThat(c.closeCalls).isZero();
    }

    @Test
    void peerClosed_closes() {
        final FakeConnection c = new FakeConnection(new DiscardService(), 100).connect();
        c.receive("x").peerClose();
        assertThat(c.closeCalls).isEqualTo(1);
        assertThat(c.outputShut()).isTrue();
        assertThat(c.sent()).isEmpty();
    }
}
