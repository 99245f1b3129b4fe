package io.tcpstack.tcp;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The bytes the application queued on a connection, from SND.UNA on: first those sent and
 * not yet acknowledged, then those not yet sent (RFC 9293 §3.3.1, Figure 3). A byte ring
 * of fixed capacity, off-heap. Stack thread only; no allocation after construction.
 */
public final class SendBuffer {
    private final UnsafeBuffer ring;
    private final int capacity;
    private int head;   // ring index of the oldest byte (SND.UNA)
    private int size;

    /** @param capacity bytes, positive */
    public SendBuffer(final int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity + ": must be positive");
        }
        this.capacity = capacity;
        this.ring = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align64(capacity), 64), 0, capacity);
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes held. */
    public int size() {
        return size;
    }

    public int free() {
        return capacity - size;
    }

    /**
     * Appends as many of {@code length} bytes as fit.
     *
     * @return bytes taken, 0..min(length, free()); 0 for a non-positive length
     */
    public int append(final DirectBuffer src, final int offset, final int length) {
        final int n = Math.min(length, free());
        if (n <= 0) {
            return 0;
        }
        final int tail = index(size);
        final int first = Math.min(n, capacity - tail);
        ring.putBytes(tail, src, offset, first);
        if (n > first) {
            ring.putBytes(0, src, offset + first, n - first);
        }
        size += n;
        return n;
    }

    /**
     * Copies {@code length} bytes starting {@code fromOffset} bytes after the oldest (SND.UNA),
     * to build a (re)transmitted segment: offset SND.NXT - SND.UNA for new data, 0 for a
     * retransmission (RFC 9293 §3.8.1). Handles the ring's wrap.
     *
     * @throws IndexOutOfBoundsException unless 0 <= fromOffset, 0 <= length and
     *                                   fromOffset + length <= size(): a caller's bug
     */
    public void copyOut(final int fromOffset, final MutableDirectBuffer dst, final int dstOffset, final int length) {
        if (fromOffset < 0 || length < 0 || length > size - fromOffset) {
            throw new IndexOutOfBoundsException("copyOut(" + fromOffset + ", " + length + ") of " + size);
        }
        if (length == 0) {
            return;
        }
        final int start = index(fromOffset);
        final int first = Math.min(length, capacity - start);
        dst.putBytes(dstOffset, ring, start, first);
        if (length > first) {
            dst.putBytes(dstOffset + first, ring, 0, length - first);
        }
    }

    /**
     * Drops {@code bytes} acknowledged bytes from the front: SND.UNA advanced (RFC 9293
     * §3.10.7.4, ACK processing in ESTABLISHED). Clamped to 0..size().
     */
    public void release(final int bytes) {
        final int n = Math.max(0, Math.min(bytes, size));
        head = index(n);
        size -= n;
    }

    public void clear() {
        head = 0;
        size = 0;
    }

    /**
     * Ring index of the byte {@code offset} (0..capacity) after the front. Computed from
     * head - capacity, which is negative, so the sum cannot overflow even near 2^31.
     */
    private int index(final int offset) {
        final int i = head - capacity + offset;
        return i < 0 ? i + capacity : i;
    }

    private static int align64(final int n) {
        return (n + 63) & ~63;
    }
}
