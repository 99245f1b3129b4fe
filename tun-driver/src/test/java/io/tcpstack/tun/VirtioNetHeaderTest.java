package io.tcpstack.tun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes of {@code struct virtio_net_hdr} as a little-endian host's TUN writes them
 * (the legacy virtio byte order is the host's; see {@link VirtioNetHeader}).
 */
class VirtioNetHeaderTest {
    /**
     * A TSO packet from the kernel's TCP: NEEDS_CSUM, GSO_TCPV4, hdr_len 52 (20 IP + 32 TCP
     * with timestamps), gso_size 1448, csum_start 20, csum_offset 16.
     */
    private static final byte[] GSO_TCPV4 = {
        0x01, 0x01, 0x34, 0x00, (byte) 0xA8, 0x05, 0x14, 0x00, 0x10, 0x00};

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[32]);
    private final VirtioNetHeader header = new VirtioNetHeader();

    @BeforeEach
    void littleEndianHost() {
        assumeThat(ByteOrder.nativeOrder()).as("golden bytes are for a little-endian host")
            .isEqualTo(ByteOrder.LITTLE_ENDIAN);
        buffer.setMemory(0, buffer.capacity(), (byte) 0xA5);
    }

    @Test
    void parsesEveryFieldOfAGsoTcpV4Header() {
        buffer.putBytes(3, GSO_TCPV4);
        header.wrap(buffer, 3);
        assertThat(header.flags()).isEqualTo(VirtioNetHeader.F_NEEDS_CSUM);
        assertThat(header.gsoType()).isEqualTo(VirtioNetHeader.GSO_TCPV4);
        assertThat(header.hdrLen()).isEqualTo(52);
        assertThat(header.gsoSize()).isEqualTo(1448);
        assertThat(header.csumStart()).isEqualTo(20);
        assertThat(header.csumOffset()).isEqualTo(16);
        assertThat(header.checksumTrusted()).isTrue();
    }

    @Test
    void unsignedFieldsAreWidened() {
        buffer.putBytes(0, new byte[] {(byte) 0x82, (byte) 0x81, (byte) 0xFF, (byte) 0xFF, (byte) 0xFE, (byte) 0xFF,
            (byte) 0x00, (byte) 0x80, (byte) 0x01, (byte) 0x80});
        header.wrap(buffer, 0);
        assertThat(header.flags()).isEqualTo(0x82);
        assertThat(header.gsoType()).isEqualTo(VirtioNetHeader.GSO_ECN | VirtioNetHeader.GSO_TCPV4);
        assertThat(header.hdrLen()).isEqualTo(65535);
        assertThat(header.gsoSize()).isEqualTo(65534);
        assertThat(header.csumStart()).isEqualTo(32768);
        assertThat(header.csumOffset()).isEqualTo(32769);
    }

    @Test
    void checksumTrusted_onlyForNeedsCsumOrDataValid() {
        buffer.putBytes(0, new byte[10]);
        assertThat(header.wrap(buffer, 0).checksumTrusted()).isFalse();
        buffer.putByte(0, (byte) VirtioNetHeader.F_DATA_VALID);
        assertThat(header.checksumTrusted()).isTrue();
        buffer.putByte(0, (byte) 4); // VIRTIO_NET_HDR_F_RSC_INFO alone says nothing about the checksum
        assertThat(header.checksumTrusted()).isFalse();
    }

    @Test
    void putPlain_writesTenZeroBytesAndNothingElse() {
        VirtioNetHeader.putPlain(buffer, 2);
        assertThat(bytes(0, 13)).containsExactly(0xA5, 0xA5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xA5);
    }

    @Test
    void putTcpV4_writesTheGoldenTsoHeader() {
        VirtioNetHeader.putTcpV4(buffer, 1, 1448, 52, 20, 16);
        assertThat(buffer.getByte(0) & 0xFF).isEqualTo(0xA5);
        final byte[] written = new byte[10];
        buffer.getBytes(1, written);
        assertThat(written).containsExactly(GSO_TCPV4);
        assertThat(buffer.getByte(11) & 0xFF).isEqualTo(0xA5);
    }

    @Test
    void putTcpV4_withoutGsoSizeOnlyAsksForTheChecksum() {
        VirtioNetHeader.putTcpV4(buffer, 0, 0, 40, 20, 16);
        assertThat(bytes(0, 10)).containsExactly(0x01, 0x00, 0x28, 0x00, 0x00, 0x00, 0x14, 0x00, 0x10, 0x00);
    }

    private int[] bytes(final int from, final int length) {
        final int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = buffer.getByte(from + i) & 0xFF;
        }
        return out;
    }
}
