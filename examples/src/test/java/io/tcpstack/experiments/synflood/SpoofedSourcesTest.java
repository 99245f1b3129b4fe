package io.tcpstack.experiments.synflood;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.tcpstack.wire.IpAddress;

class SpoofedSourcesTest {
    private static final int HOST = IpAddress.parse("10.7.0.1");
    private static final int STACK = IpAddress.parse("10.7.0.2");

    @Test
    void onlyTheSubnetsOwnAddresses_neverTheRealOnes_norNetworkOrBroadcast() {
        final SpoofedSources s = new SpoofedSources(HOST, 24, new int[] {HOST, STACK}, 42);
        assertThat(s.addressCount()).isEqualTo(256 - 2 - 2);
        final Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            final int a = s.nextAddress();
            assertThat(IpAddress.sameSubnet(a, HOST, 24)).isTrue();
            assertThat(a).isNotIn(HOST, STACK, IpAddress.parse("10.7.0.0"), IpAddress.parse("10.7.0.255"));
            seen.add(a);
            final int port = s.nextPort();
            assertThat(port).isBetween(1024, 65535);
        }
        assertThat(seen).hasSize(252); // every allowed address is used
        assertThat(s.contains(STACK)).isFalse();
        assertThat(s.contains(IpAddress.parse("10.7.0.3"))).isTrue();
    }

    @Test
    void sameSeed_sameFlood() {
        final SpoofedSources a = new SpoofedSources(HOST, 24, new int[] {HOST}, 7);
        final SpoofedSources b = new SpoofedSources(HOST, 24, new int[] {HOST}, 7);
        for (int i = 0; i < 1000; i++) {
            assertThat(b.nextAddress()).isEqualTo(a.nextAddress());
            assertThat(b.nextPort()).isEqualTo(a.nextPort());
            assertThat(b.nextSeq()).isEqualTo(a.nextSeq());
        }
    }

    @Test
    void aSubnetWithNothingLeftIsRefused() {
        final int a = IpAddress.parse("10.9.0.1");
        final int b = IpAddress.parse("10.9.0.2");
        assertThatThrownBy(() -> new SpoofedSources(a, 30, new int[] {a, b}, 1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SpoofedSources(a, 4, new int[] {}, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
