package io.tcpstack.tun;

import java.util.ArrayList;
import java.util.List;

import io.tcpstack.link.FrameHandler;
import org.agrona.MutableDirectBuffer;

/** Copies every frame it is handed (test code: allocation is fine here). */
final class FrameCollector implements FrameHandler {
    final List<byte[]> frames = new ArrayList<>();

    @Override
    public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length) {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        frames.add(copy);
    }

    /** Frames that are IPv4 (first nibble 4) with the given protocol; the kernel may send others (IPv6). */
    List<byte[]> ipv4(final int protocol) {
        final List<byte[]> matching = new ArrayList<>();
        for (final byte[] frame : frames) {
            if (frame.length >= Ipv4Packets.HEADER_LENGTH && (frame[0] & 0xF0) == 0x40 && (frame[9] & 0xFF) == protocol) {
                matching.add(frame);
            }
        }
        return matching;
    }
}
