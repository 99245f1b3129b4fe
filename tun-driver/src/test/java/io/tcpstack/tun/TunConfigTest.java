package io.tcpstack.tun;

import io.tcpstack.wire.IpAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TunConfigTest {
    private static final int ADDRESS = IpAddress.parse("10.0.0.1");

    @Test
    void netmaskFromPrefixLength() {
        assertThat(new TunConfig(null, "tun0", ADDRESS, 24, 1500).netmask()).isEqualTo(0xFFFFFF00);
        assertThat(new TunConfig(null, "tun0", ADDRESS, 32, 1500).netmask()).isEqualTo(0xFFFFFFFF);
        assertThat(new TunConfig(null, "tun0", ADDRESS, 1, 1500).netmask()).isEqualTo(0x80000000);
    }

    @Test
    void nameLongerThanFifteenCharactersIsRefusedInOneLine() {
        assertThatThrownBy(() -> new TunConfig(null, "abcdefghijklmnop", ADDRESS, 24, 1500))
            .isInstanceOf(TunException.class)
            .hasMessage("TUN device name abcdefghijklmnop is too long: at most 15 characters.");
        assertThat(new TunConfig(null, "abcdefghijklmno", ADDRESS, 24, 1500).interfaceName()).hasSize(15);
    }

    @Test
    void namesWithSlashSpaceOrColonAndEmptyNamesAreRefused() {
        for (final String name : new String[] {"a/b", "a b", "a:b", "", ".", ".."}) {
            assertThatThrownBy(() -> new TunConfig(null, name, ADDRESS, 24, 1500))
                .as(name).isInstanceOf(TunException.class);
        }
    }

    @Test
    void mtuOutsideSixtyEightTo65535IsRefused() {
        assertThatThrownBy(() -> new TunConfig(null, "tun0", ADDRESS, 24, 70000))
            .hasMessage("--mtu 70000: out of range (68..65535).");
        assertThatThrownBy(() -> new TunConfig(null, "tun0", ADDRESS, 24, 67)).isInstanceOf(TunException.class);
        assertThat(new TunConfig(null, "tun0", ADDRESS, 24, 68).mtu()).isEqualTo(68);
        assertThat(new TunConfig(null, "tun0", ADDRESS, 24, 65535).mtu()).isEqualTo(65535);
    }

    @Test
    void prefixLengthOutsideOneToThirtyTwoIsRefused() {
        assertThatThrownBy(() -> new TunConfig(null, "tun0", ADDRESS, 0, 1500)).isInstanceOf(TunException.class);
        assertThatThrownBy(() -> new TunConfig(null, "tun0", ADDRESS, 33, 1500)).isInstanceOf(TunException.class);
    }
}
