package io.tcpstack.link;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes packets to a classic libpcap file with link type LINKTYPE_RAW (101: each record
 * is a raw IPv4 packet, no link-layer header), readable by {@code tshark -r} and
 * Wireshark.
 *
 * <p>Records are staged in a direct buffer and written to the file when it fills, on
 * {@link #flush()} and on {@link #close()}: no allocation per packet. Called by the stack
 * thread only.
 *
 * <p>Timestamps: the caller passes its monotonic {@code nowNs}; the writer maps it to wall
 * time through the offset between {@link System#currentTimeMillis()} and the monotonic
 * clock captured once at construction.
 */
public final class PcapWriter implements AutoCloseable {
    /** LINKTYPE_RAW: raw IPv4/IPv6 packets (tcpdump.org link-layer header types). */
    public static final int LINKTYPE_RAW = 101;
    private static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    private static final int FILE_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final int SNAPLEN = 65535;
    private static final int STAGING_BYTES = 1 << 20;

    private final FileChannel channel;
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer stagingView = new UnsafeBuffer(staging);
    private final long wallMinusMonotonicNs;
    private int position;
    private long packets;

    private PcapWriter(final FileChannel channel, final long monotonicNowNs) {
        this.channel = channel;
        this.wallMinusMonotonicNs = System.currentTimeMillis() * 1_000_000L - monotonicNowNs;
        stagingView.putInt(0, MAGIC_MICROSECONDS, ByteOrder.LITTLE_ENDIAN);
        stagingView.putShort(4, (short) 2, ByteOrder.LITTLE_ENDIAN);  // version 2.4
        stagingView.putShort(6, (short) 4, ByteOrder.LITTLE_ENDIAN);
        stagingView.putInt(8, 0, ByteOrder.LITTLE_ENDIAN);            // thiszone
        stagingView.putInt(12, 0, ByteOrder.LITTLE_ENDIAN);           // sigfigs
        stagingView.putInt(16, SNAPLEN, ByteOrder.LITTLE_ENDIAN);
        stagingView.putInt(20, LINKTYPE_RAW, ByteOrder.LITTLE_ENDIAN);
        position = FILE_HEADER_LENGTH;
    }

    /**
     * Creates (or truncates) the file and writes the pcap file header.
     *
     * @param monotonicNowNs the caller's clock now, in the same time base as later records
     * @throws UncheckedIOException if the file cannot be written
     */
    public static PcapWriter create(final Path file, final long monotonicNowNs) {
        try {
            final FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            final PcapWriter writer = new PcapWriter(channel, monotonicNowNs);
            writer.flush();
            return writer;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends one packet. */
    public void record(final DirectBuffer buffer, final int offset, final int length, final long nowNs) {
        final int captured = Math.min(length, SNAPLEN);
        if (position + RECORD_HEADER_LENGTH + captured > STAGING_BYTES) {
            flush();
        }
        final long wallNs = nowNs + wallMinusMonotonicNs;
        stagingView.putInt(position, (int) (wallNs / 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        stagingView.putInt(position + 4, (int) ((wallNs % 1_000_000_000L) / 1_000L), ByteOrder.LITTLE_ENDIAN);
        stagingView.putInt(position + 8, captured, ByteOrder.LITTLE_ENDIAN);
        stagingView.putInt(position + 12, length, ByteOrder.LITTLE_ENDIAN);
        stagingView.putBytes(position + RECORD_HEADER_LENGTH, buffer, offset, captured);
        position += RECORD_HEADER_LENGTH + captured;
        packets++;
    }

    /** Number of packets recorded. */
    public long packets() {
        return packets;
    }

    /** True if records are staged but not yet written to the file. */
    public boolean hasPending() {
        return position > 0;
    }

    /** Writes staged records to the file. */
    public void flush() {
        if (position == 0) {
            return;
        }
        try {
            staging.limit(position).position(0);
            while (staging.hasRemaining()) {
                channel.write(staging);
            }
            staging.clear();
            position = 0;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            flush();
            channel.close();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
