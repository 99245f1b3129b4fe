package io.tcpstack.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.PacketLink;
import io.tcpstack.wire.Checksum;
import io.tcpstack.wire.Ipv4Header;

/**
 * A link that segments (TSO) in software, as the kernel does for an offloading TUN: each
 * {@link #sendSegmented} packet is checked (its TCP checksum field must hold the folded
 * pseudo-header sum of the whole packet) and cut into segments of {@code segmentPayload}
 * data bytes, with sequence numbers, IP total length, ID and both checksums fixed up,
 * then sent on the inner link. Records each call's {@code segmentPayload} and length. A
 * packet with no more data than one segment (or {@code segmentPayload} 0) has only its
 * checksum finished (GSO_NONE with NEEDS_CSUM on a TUN), counted in {@link #checksumOnly}.
 */
public final class SegmentingLink implements PacketLink {
    private final PacketLink inner;
    private final UnsafeBuffer whole = new UnsafeBuffer(BufferUtil.allocateDirectAligned(65536, 64));
    private final UnsafeBuffer segment = new UnsafeBuffer(BufferUtil.allocateDirectAligned(65536, 64));
    /** {length, headerLength, segmentPayload} of every sendSegmented call. */
    public final List<int[]> segmented = new ArrayList<>();
    /** Packets sent with only the checksum left to the link. */
    public int checksumOnly;

    public SegmentingLink(final PacketLink inner) {
        this.inner = inner;
    }

    @Override
    public int segmentationMax() {
        return 65535;
    }

    @Override
    public boolean sendSegmented(final DirectBuffer buffer, final int offset, final int length,
        final int headerLength, final int segmentPayload) {
        final boolean cut = segmentPayload > 0 && length - headerLength > segmentPayload;
        if (cut) {
            segmented.add(new int[] {length, headerLength, segmentPayload});
        } else {
            checksumOnly++;
        }
        whole.putBytes(0, buffer, offset, length);
        final Ipv4Header ip = new Ipv4Header().wrap(whole, 0);
        assertThat(ip.checksumValid()).as("IP header checksum of the super-packet").isTrue();
        assertThat(ip.totalLength()).isEqualTo(length);
        final int ipLength = ip.headerLength();
        final int tcpLength = length - ipLength;
        final long pseudo = ip.pseudoHeaderSum(tcpLength);
        assertThat(buffer.getShort(offset + ipLength + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF)
            .as("TCP checksum field: the folded pseudo-header sum").isEqualTo(~Checksum.finish(pseudo) & 0xFFFF);
        final int dataLength = length - headerLength;
        final int seq = buffer.getInt(offset + ipLength + 4, ByteOrder.BIG_ENDIAN);
        final int flags = buffer.getByte(offset + ipLength + 13) & 0xFF;
        boolean ok = true;
        int id = ip.identification();
        final int step = cut ? segmentPayload : Math.max(dataLength, 1);
        for (int done = 0; done < Math.max(dataLength, 1); done += step) {
            final int chunk = Math.min(step, dataLength - done);
            final boolean last = done + chunk == dataLength;
            segment.putBytes(0, buffer, offset, headerLength);
            segment.putBytes(headerLength, buffer, offset + headerLength + done, chunk);
            final Ipv4Header out = new Ipv4Header().wrap(segment, 0);
            out.totalLength(headerLength + chunk).identification(id++).fillChecksum();
            segment.putInt(ipLength + 4, seq + done, ByteOrder.BIG_ENDIAN);
            // Linux's tcp_gso_segment: FIN and PSH only on the last segment (CWR only on the first).
            segment.putByte(ipLength + 13, (byte) (last ? flags : flags & ~0x09));
            segment.putShort(ipLength + 16, (short) 0, ByteOrder.BIG_ENDIAN);
            final int segTcpLength = headerLength - ipLength + chunk;
            segment.putShort(ipLength + 16, (short) Checksum.finish(Checksum.sum(segment, ipLength, segTcpLength,
                out.pseudoHeaderSum(segTcpLength))), ByteOrder.BIG_ENDIAN);
            ok &= inner.send(segment, 0, headerLength + chunk);
        }
        return ok;
    }

    @Override
    public int poll(final FrameHandler handler, final int limit) {
        return inner.poll(handler, limit);
    }

    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        return inner.send(buffer, offset, length);
    }

    @Override
    public boolean hasPending() {
        return inner.hasPending();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public void close() {
        inner.close();
    }
}
