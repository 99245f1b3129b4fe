package io.tcpstack.tun;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RingSizingTest {
    @Test
    void mtu1500TakesOneMebibyteHolding693Frames() {
        assertThat(TunLink.recordLengthFor(1500)).isEqualTo(1512); // 8 header + 1500 = 1508, aligned to 8
        assertThat(TunLink.ringCapacityFor(1500)).isEqualTo(1 << 20);
        assertThat(TunLink.ringCapacityFor(1500) / TunLink.recordLengthFor(1500)).isEqualTo(693);
    }

    @Test
    void mtu65535TakesEightMebibytesHolding127Frames() {
        assertThat(TunLink.recordLengthFor(65535)).isEqualTo(65544); // 8 + 65535 = 65543, aligned to 8
        assertThat(TunLink.ringCapacityFor(65535)).isEqualTo(8 << 20);
        assertThat(TunLink.ringCapacityFor(65535) / TunLink.recordLengthFor(65535)).isEqualTo(127);
    }

    @Test
    void offloadSlotsHoldA64KiBPacketAfterTheVnetHeader_511InThirtyTwoMebibytes() {
        // 8 header + 10 vnet header + 65535 = 65553, aligned to 8
        assertThat(TunLink.recordLengthFor(65535, true)).isEqualTo(65560);
        assertThat(TunLink.ringCapacityFor(65535, true)).isEqualTo(32 << 20);
        assertThat(TunLink.ringCapacityFor(65535, true) / TunLink.recordLengthFor(65535, true)).isEqualTo(511);
        assertThat(TunLink.maxFrameFor(new TunConfig(null, "tun0", 0x0A000001, 24, 1500, true))).isEqualTo(65535);
        assertThat(TunLink.maxFrameFor(new TunConfig(null, "tun0", 0x0A000001, 24, 1500, false))).isEqualTo(1500);
    }

    @Test
    void everyMtuHoldsSixtyFourLargestFrames() {
        for (int mtu = TunConfig.MIN_MTU; mtu <= TunConfig.MAX_MTU; mtu += 97) {
            final int capacity = TunLink.ringCapacityFor(mtu);
            assertThat(Integer.bitCount(capacity)).as("power of two for mtu %d", mtu).isEqualTo(1);
            assertThat(capacity).as("two largest records for mtu %d", mtu)
                .isGreaterThanOrEqualTo(2 * TunLink.recordLengthFor(mtu));
            assertThat(capacity / TunLink.recordLengthFor(mtu)).isGreaterThanOrEqualTo(64);
            assertThat(TunLink.recordLengthFor(mtu) % FrameRing.ALIGNMENT).isZero();
        }
    }
}
