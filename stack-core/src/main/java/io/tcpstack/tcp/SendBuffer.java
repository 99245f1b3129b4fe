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

    /** Appends as many bytes as fit; returns how many were taken. */
    public int append(final DirectBuffer src, final int offset, final int length) {
        final int n = Math.min(length, free());
        int tail = head + size;
        if (tail >= capacity) {
            tail -= capacity;
        }
        final int first = Math.min(n, capacity - tail);
        ring.putBytes(tail, src, offset, first);
        if (n > first) {
            ring.putBytes(0, src, offset + first, n - first);
        }
        size += n;
        return n;
    }

    /** Copies {@code length} bytes starting {@code fromOffset} bytes after the oldest. */
    public void copyOut(final int fromOffset, final MutableDirectBuffer dst, final int dstOffset, final int length) {
        if (fromOffset < 0 || length < 0 || fromOffset + length > size) {
            throw new IndexOutOfBoundsException("copyOut(" + fromOffset + ", " + length + ") of " + size);
        }
        int start = head + fromOffset;
        if (start >= capacity) {
            start -= capacity;
        }
        final int first = Math.min(length, capacity - start);
        dst.putBytes(dstOffset, ring, start, first);
        if (length > first) {
            dst.putBytes(dstOffset + first, ring, 0, length - first);
        }
    }

    /** Drops {@code bytes} acknowledged bytes from the front. */
    public void release(final int bytes) {
        final int n = Math.min(bytes, size);
        head += n;
        if (head >= capacity) {
            head -= capacity;
        }
        size -= n;
    }

    public void clear() {
        head = 0;
        size = 0;
    }

    private static int align64(final int n) {
        return (n + 63) & ~63;
    }
}
