package io.tcpstack.bench;

import org.agrona.DirectBuffer;

import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.PacketLink;

/** A link that receives nothing and accepts (and forgets) every packet sent: isolates the stack's own work. */
final class NullLink implements PacketLink {
    private final int mtu;
    long sent;
    long bytes;

    NullLink(final int mtu) {
        this.mtu = mtu;
    }

    @Override
    public int poll(final FrameHandler handler, final int limit) {
        return 0;
    }

    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        sent++;
        bytes += length;
        return true;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public void close() {
    }
}
