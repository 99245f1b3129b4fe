package io.tcpstack.link;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * An in-memory point-to-point link: two ends, each one's {@link #send} lands in the
 * other's inbound ring. Used to run the stack without a TUN: in unit tests (one end is
 * the stack, the test drives the other), and to join two stacks in one JVM.
 *
 * <p>Each end is used by one thread at a time (both ends by the same thread in simulated
 * time tests). A full ring drops the packet, as a NIC would, and {@link #send} returns
 * false. For loss, duplication, reordering, delay, corruption and a bandwidth limit, use
 * {@link FaultyLink}.
 */
public final class MemoryLink implements PacketLink {
    private static final int MSG_TYPE = 1;

    private final OneToOneRingBuffer inbound;
    private final int mtu;
    private final MessageHandler adapter = this::deliver;
    private MemoryLink peer;
    private FrameHandler current;
    private long sent;
    private long dropped;

    private MemoryLink(final int mtu, final int ringBytes) {
        this.mtu = mtu;
        final int capacity = Integer.highestOneBit(Math.max(ringBytes, 64 * 1024) - 1) << 1;
        this.inbound = new OneToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64)));
    }

    /** Two connected ends with the given MTU and room for about 1 MiB of packets in each direction. */
    public static MemoryLink[] pair(final int mtu) {
        return pair(mtu, Math.max(1 << 20, 16 * (mtu + 64)));
    }

    /** Two connected ends, each with an inbound ring of at least {@code ringBytes}. */
    public static MemoryLink[] pair(final int mtu, final int ringBytes) {
        final MemoryLink a = new MemoryLink(mtu, ringBytes);
        final MemoryLink b = new MemoryLink(mtu, ringBytes);
        a.peer = b;
        b.peer = a;
        return new MemoryLink[] {a, b};
    }

    @Override
    public int poll(final FrameHandler handler, final int limit) {
        current = handler;
        try {
            // A read stops at the ring's end (and skips padding records left by the wrap or by
            // aborted claims), so it can return fewer, even 0, with frames still waiting: read
            // once more from the start of the ring.
            int frames = inbound.read(adapter, limit);
            if (frames < limit && inbound.size() > 0) {
                frames += inbound.read(adapter, limit - frames);
            }
            return frames;
        } finally {
            current = null;
        }
    }

    private void deliver(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
        current.onFrame(buffer, index, length);
    }

    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        if (length > mtu || !peer.inbound.write(MSG_TYPE, buffer, offset, length)) {
            dropped++;
            return false;
        }
        sent++;
        return true;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** Packets this end handed to its peer. */
    public long sent() {
        return sent;
    }

    /** Packets this end dropped: larger than the MTU, or the peer's ring was full. */
    public long dropped() {
        return dropped;
    }

    /** True if packets wait in this end's inbound ring. */
    @Override
    public boolean hasPending() {
        return inbound.size() > 0;
    }

    @Override
    public void close() {
    }
}
