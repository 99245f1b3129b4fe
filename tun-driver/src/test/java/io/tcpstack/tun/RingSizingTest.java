package io.tcpstack.tun;

import static org.assertj.core.api.Assertions.assertThat;

import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.junit.jupiter.api.Test;

class RingSizingTest {
    @Test
    void mtu1500TakesOneMebibyteHolding693Frames() {
        assertThat(TunLink.recordLengthFor(1500)).isEqualTo(1512); // 8 header + 4 length + 1500
        assertThat(TunLink.ringCapacityFor(1500)).isEqualTo(1 << 20);
        assertThat(TunLink.ringCapacityFor(1500) / TunLink.recordLengthFor(1500)).isEqualTo(693);
    }

    @Test
    void mtu65535TakesEightMebibytesHolding127Frames() {
        assertThat(TunLink.recordLengthFor(65535)).isEqualTo(65552); // 8 + 4 + 65535 = 65547, aligned to 8
        assertThat(TunLink.ringCapacityFor(65535)).isEqualTo(8 << 20);
        assertThat(TunLink.ringCapacityFor(65535) / TunLink.recordLengthFor(65535)).isEqualTo(127);
    }

    @Test
    void offloadSlotsHoldA64KiBPacketAfterTheVnetHeader_511InThirtyTwoMebibytes() {
        // 8 header + 4 length + 10 vnet header + 65535 = 65557, aligned to 8
        assertThat(TunLink.recordLengthFor(65535, true)).isEqualTo(65560);
        assertThat(TunLink.ringCapacityFor(65535, true)).isEqualTo(32 << 20);
        assertThat(TunLink.ringCapacityFor(65535, true) / TunLink.recordLengthFor(65535, true)).isEqualTo(511);
        assertThat(TunLink.maxFrameFor(new TunConfig(null, "tun0", 0x0A000001, 24, 1500, true))).isEqualTo(65535);
        assertThat(TunLink.maxFrameFor(new TunConfig(null, "tun0", 0x0A000001, 24, 1500, false))).isEqualTo(1500);
    }

    @Test
    void everyMtuFitsAgronasLargestMessageAndHoldsSixtyFourFrames() {
        for (int mtu = TunConfig.MIN_MTU; mtu <= TunConfig.MAX_MTU; mtu += 97) {
            final int capacity = TunLink.ringCapacityFor(mtu);
            assertThat(Integer.bitCount(capacity)).as("power of two for mtu %d", mtu).isEqualTo(1);
            assertThat(capacity / 8).as("max message for mtu %d", mtu).isGreaterThanOrEqualTo(TunLink.LENGTH_PREFIX + mtu);
            assertThat(capacity / TunLink.recordLengthFor(mtu)).isGreaterThanOrEqualTo(64);
            assertThat(TunLink.recordLengthFor(mtu) % RecordDescriptor.ALIGNMENT).isZero();
        }
    }
}
