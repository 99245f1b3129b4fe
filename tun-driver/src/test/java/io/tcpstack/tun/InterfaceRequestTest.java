package io.tcpstack.tun;

import io.tcpstack.wire.IpAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class InterfaceRequestTest {
    private final InterfaceRequest ifr = new InterfaceRequest();

    @Test
    void isFortyBytesWithTheUnionAfterSixteenNameBytes() {
        assertThat(ifr.buffer().capacity()).isEqualTo(40);
        assertThat(InterfaceRequest.UNION_OFFSET).isEqualTo(16);
    }

    @Test
    void nameIsNulTerminatedAndZeroPadded() {
        ifr.buffer().setMemory(0, 40, (byte) 0xA5);
        ifr.clear().name("tun0");
        final byte[] bytes = new byte[16];
        ifr.buffer().getBytes(0, bytes);
        assertThat(bytes).containsExactly('t', 'u', 'n', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(ifr.name()).isEqualTo("tun0");
    }

    @Test
    void fifteenCharacterNameFillsTheFieldUpToItsNul() {
        ifr.clear().name("abcdefghijklmno");
        assertThat(ifr.buffer().getByte(14)).isEqualTo((byte) 'o');
        assertThat(ifr.buffer().getByte(15)).isZero();
        assertThat(ifr.name()).isEqualTo("abcdefghijklmno");
        assertThatThrownBy(() -> ifr.name("abcdefghijklmnop")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void flagsAreANativeShortAtTheUnion() {
        ifr.buffer().setMemory(0, 40, (byte) 0xA5);
        ifr.clear().flags(TunDevice.IFF_TUN | TunDevice.IFF_NO_PI);
        assertThat(ifr.buffer().getShort(16, ByteOrder.nativeOrder())).isEqualTo((short) 0x1001);
        assertThat(ifr.buffer().getShort(18, ByteOrder.nativeOrder())).isZero();
        assertThat(ifr.flags()).isEqualTo(0x1001);
    }

    @Test
    void intMemberIsNativeOrder() {
        ifr.clear().intValue(65535);
        assertThat(ifr.buffer().getInt(16, ByteOrder.nativeOrder())).isEqualTo(65535);
    }

    @Test
    void ipv4AddressIsASockaddrInWithFamilyInHostOrderAndAddressInNetworkOrder() {
        ifr.buffer().setMemory(0, 40, (byte) 0xA5);
        ifr.clear().name("tun0").ipv4Address(IpAddress.parse("10.1.2.3"));
        final byte[] union = new byte[24];
        ifr.buffer().getBytes(16, union);
        final short family = ifr.buffer().getShort(16, ByteOrder.nativeOrder());
        assertThat(family).isEqualTo((short) 2);
        assertThat(union).startsWith(new byte[] {ifr.buffer().getByte(16), ifr.buffer().getByte(17), 0, 0, 10, 1, 2, 3});
        assertThat(java.util.Arrays.copyOfRange(union, 8, 24)).containsOnly(0);
        assertThat(ifr.ipv4Address()).isEqualTo(0x0A010203);
    }

    @Test
    void ioctlNumbersMatchTheKernelHeaders() {
        // _IOW('T', 202, int): dir write (1) << 30 | size 4 << 16 | 'T' << 8 | 202
        assertThat(TunDevice.TUNSETIFF).isEqualTo((1L << 30) | (4L << 16) | ('T' << 8) | 202);
    }
}
