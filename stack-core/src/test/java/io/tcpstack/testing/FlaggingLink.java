package io.tcpstack.testing;

import org.agrona.DirectBuffer;

import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.PacketLink;

/**
 * Hands the inner link's frames to the stack with the flags the test sets (e.g.
 * {@link FrameHandler#CHECKSUM_TRUSTED}, as an offloading TUN would), and reports the MTU
 * the test chooses, which may be smaller than what the inner link carries (an offloading
 * TUN hands over GRO frames larger than its MTU).
 */
public final class FlaggingLink implements PacketLink {
    private final PacketLink inner;
    private final int mtu;
    /** The flags of every frame handed over from now on. */
    public int flags;

    public FlaggingLink(final PacketLink inner, final int mtu) {
        this.inner = inner;
        this.mtu = mtu;
    }

    @Override
    public int poll(final FrameHandler handler, final int limit) {
        return inner.poll((buffer, offset, length) -> handler.onFrame(buffer, offset, length, flags), limit);
    }

    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        return inner.send(buffer, offset, length);
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public void close() {
        inner.close();
    }
}
