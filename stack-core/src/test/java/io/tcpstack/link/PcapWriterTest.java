package io.tcpstack.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tcpstack.testing.TestPackets;

class PcapWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesClassicPcapWithLinktypeRaw_andEveryRecord() throws Exception {
        final Path file = dir.resolve("t.pcap");
        final byte[] a = TestPackets.echoRequest(1, 1, TestPackets.pattern(10));
        final byte[] b = TestPackets.echoRequest(1, 2, TestPackets.pattern(3000));
        try (PcapWriter pcap = PcapWriter.create(file, 5_000_000_000L)) {
            pcap.record(new UnsafeBuffer(a), 0, a.length, 5_000_000_000L);
            pcap.record(new UnsafeBuffer(b), 0, b.length, 5_250_000_000L);
            assertThat(pcap.packets()).isEqualTo(2);
        }
        final ByteBuffer f = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(f.getInt(0)).as("magic, microsecond resolution").isEqualTo(0xA1B2C3D4);
        assertThat(f.getShort(4)).isEqualTo((short) 2);
        assertThat(f.getShort(6)).isEqualTo((short) 4);
        assertThat(f.getInt(16)).as("snaplen").isEqualTo(65535);
        assertThat(f.getInt(20)).as("LINKTYPE_RAW").isEqualTo(101);

        final int first = 24;
        assertThat(f.getInt(first + 8)).as("incl_len").isEqualTo(a.length);
        assertThat(f.getInt(first + 12)).as("orig_len").isEqualTo(a.length);
        final byte[] readBack = new byte[a.length];
        f.position(first + 16);
        f.get(readBack);
        assertThat(readBack).isEqualTo(a);

        final int second = first + 16 + a.length;
        final long usA = f.getInt(first) * 1_000_000L + f.getInt(first + 4);
        final long usB = f.getInt(second) * 1_000_000L + f.getInt(second + 4);
        assertThat(usB - usA).as("timestamps follow the monotonic clock").isEqualTo(250_000);
        assertThat(f.getInt(second + 8)).isEqualTo(b.length);
        assertThat(f.capacity()).isEqualTo(second + 16 + b.length);
    }

    @Test
    void manyPackets_spillAcrossTheStagingBuffer() throws Exception {
        final Path file = dir.resolve("many.pcap");
        final byte[] p = TestPackets.pattern(1500);
        try (PcapWriter pcap = PcapWriter.create(file, 0)) {
            for (int i = 0; i < 2000; i++) {
                pcap.record(new UnsafeBuffer(p), 0, p.length, i);
            }
        }
        assertThat(Files.size(file)).isEqualTo(24 + 2000L * (16 + 1500));
    }
}
