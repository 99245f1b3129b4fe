package io.tcpstack.tun;

import io.tcpstack.wire.IpAddress;

import static io.tcpstack.tun.TunTestSupport.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.tcpstack.stats.StackCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Opening, configuring and closing a real TUN inside a namespace made for each test. */
class TunDeviceIT {
    private static final int HOST = IpAddress.parse("10.77.0.1");

    private String namespace;

    @BeforeEach
    void createNamespace() {
        TunTestSupport.assumeRootAndTun();
        namespace = TunTestSupport.createNamespace();
    }

    @AfterEach
    void deleteNamespace() {
        TunTestSupport.deleteNamespace(namespace);
    }

    @Test
    void configuresAddressPrefixMtuAndUpFromJava() {
        try (TunDevice device = TunDevice.open(new TunConfig(namespace, "tun0", HOST, 24, 1400))) {
            assertThat(device.interfaceName()).isEqualTo("tun0");
            final String addr = ip("-n", namespace, "-o", "-4", "addr", "show", "dev", "tun0").output();
            assertThat(addr).contains("inet 10.77.0.1/24");
            final String link = ip("-n", namespace, "link", "show", "dev", "tun0").output();
            assertThat(link).contains("mtu 1400").containsPattern("<[^>]*\\bUP\\b[^>]*>");
            assertThat(ip("-n", namespace, "link", "show", "dev", "lo").output()).containsPattern("<[^>]*\\bUP\\b[^>]*>");
            assertThat(ip("-n", namespace, "-4", "route", "show").output()).contains("10.77.0.0/24 dev tun0");
        }
    }

    @Test
    void kernelPicksTheNumberForAPercentDName() {
        try (TunDevice device = TunDevice.open(new TunConfig(namespace, "tcpst%d", HOST, 24, 1500))) {
            assertThat(device.interfaceName()).isEqualTo("tcpst0");
            assertThat(ip("-n", namespace, "link", "show", "dev", "tcpst0").exitCode()).isZero();
        }
    }

    @Test
    void secondOpenOfTheSameNameIsBusy() {
        final TunConfig config = new TunConfig(namespace, "tun0", HOST, 24, 1500);
        try (TunDevice first = TunDevice.open(config)) {
            assertThatThrownBy(() -> TunDevice.open(config))
                .isInstanceOf(TunException.class)
                .hasMessage("TUN device name tun0 is busy: another process holds it; choose another with --tun.");
            assertThat(first.interfaceName()).isEqualTo("tun0");
        }
    }

    @Test
    void nameOfANonTunInterfaceIsRefused() {
        assertThatThrownBy(() -> TunDevice.open(new TunConfig(namespace, "lo", HOST, 24, 1500)))
            .isInstanceOf(TunException.class)
            .hasMessage("cannot create TUN device lo: an interface of that name exists and is not a TUN device; "
                + "choose another with --tun.");
    }

    @Test
    void nameTooLongIsRefusedBeforeTouchingTheKernel() {
        assertThatThrownBy(() -> TunLink.open(new TunConfig(namespace, "tcpstack-tun-0001", HOST, 24, 1500),
            StackCounters.inMemory()))
            .isInstanceOf(TunException.class)
            .hasMessage("TUN device name tcpstack-tun-0001 is too long: at most 15 characters.");
    }

    @Test
    void missingNamespaceSaysHowToCreateIt() {
        final String missing = namespace + "-missing";
        assertThatThrownBy(() -> TunDevice.open(new TunConfig(missing, "tun0", HOST, 24, 1500)))
            .isInstanceOf(TunException.class)
            .hasMessage("network namespace " + missing + " does not exist: create it with 'ip netns add " + missing + "'.");
    }

    @Test
    void closeJoinsTheReaderAndTheInterfaceIsGone() {
        final TunLink link = TunLink.open(new TunConfig(namespace, "tun0", HOST, 24, 1500), StackCounters.inMemory());
        final Thread reader = link.readerThread();
        assertThat(reader.getName()).isEqualTo("tcpstack-tun-reader");
        assertThat(reader.isDaemon()).isTrue();
        assertThat(reader.isAlive()).isTrue();
        assertThat(ip("-n", namespace, "link", "show", "dev", "tun0").exitCode()).isZero();

        final long startNs = System.nanoTime();
        link.close();
        final Duration took = Duration.ofNanos(System.nanoTime() - startNs);

        assertThat(reader.isAlive()).isFalse();
        assertThat(took).isLessThan(Duration.ofSeconds(2));
        assertThat(ip("-n", namespace, "link", "show", "dev", "tun0").exitCode()).isNotZero();
        link.close(); // idempotent
    }
}
