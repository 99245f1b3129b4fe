package io.tcpstack.tcp;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Received bytes waiting for the application, and out-of-order bytes already placed at
 * their final position (RFC 9293 §3.10.7.4, "segment text"; smoltcp's assembler is the
 * model). Offsets are counted from RCV.NXT, the first byte not yet received in order. A
 * byte ring of fixed capacity, off-heap; out-of-order data is tracked as at most
 * {@code maxRanges} sorted, disjoint [start, end) ranges. Stack thread only; no allocation
 * after construction.
 */
public final class ReceiveBuffer {
    private final UnsafeBuffer ring;
    private final int capacity;
    private final int maxRanges;
    private final int[] rangeStart;
    private final int[] rangeEnd;
    private int ranges;
    private int head;      // ring index of the oldest unread in-order byte
    private int readable;  // in-order bytes held
    private long rangesOverflowed;
    private DirectBuffer lent; // while lent: the in-order bytes are in a segment's buffer, not the ring
    private int lentOffset;    // where they start there

    public ReceiveBuffer(final int capacity, final int maxOutOfOrderRanges) {
        if (capacity < 1 || maxOutOfOrderRanges < 1) {
            throw new IllegalArgumentException("capacity and maxOutOfOrderRanges must be positive");
        }
        this.capacity = capacity;
        this.maxRanges = maxOutOfOrderRanges;
        this.rangeStart = new int[maxOutOfOrderRanges + 1];
        this.rangeEnd = new int[maxOutOfOrderRanges + 1];
        this.ring = new UnsafeBuffer(BufferUtil.allocateDirectAligned((capacity + 63) & ~63, 64), 0, capacity);
    }

    public int capacity() {
        return capacity;
    }

    /** In-order bytes held for the application. */
    public int readable() {
        return readable;
    }

    /** Space from RCV.NXT on: what may be advertised as RCV.WND. */
    public int window() {
        return capacity - readable;
    }

    /**
     * Stores segment text starting {@code offsetFromNext} bytes after RCV.NXT; bytes past the
     * window are cut, and a negative offset or non-positive length stores nothing. Data at
     * offset 0 extends the in-order part and takes in every out-of-order range it now reaches;
     * data further on is kept in place as an out-of-order range (merged with those it overlaps
     * or touches). If that would need more than {@code maxOutOfOrderRanges} ranges, the
     * segment's data is dropped and counted in {@link #rangesOverflowed()}: the peer
     * retransmits it.
     *
     * @return how many bytes RCV.NXT advances (0 for data that only fills a later gap)
     */
    public int write(final int offsetFromNext, final DirectBuffer src, final int offset, final int length) {
        settle();
        final int window = window();
        if (offsetFromNext < 0 || offsetFromNext >= window || length <= 0) {
            return 0;
        }
        // RFC 9293 §3.10.7.4: text beyond the window is trimmed; written as a length so a huge
        // offset + length cannot overflow.
        final int end = offsetFromNext + Math.min(length, window - offsetFromNext);
        if (offsetFromNext > 0 && !addRange(offsetFromNext, end)) {
            rangesOverflowed++;
            return 0;
        }
        copyIn(offsetFromNext, src, offset, end - offsetFromNext);
        if (offsetFromNext > 0) {
            return 0;
        }
        // In order: extend by this segment, then by every range it now reaches.
        int advance = end;
        int consumedRanges = 0;
        while (consumedRanges < ranges && rangeStart[consumedRanges] <= advance) {
            advance = Math.max(advance, rangeEnd[consumedRanges]);
            consumedRanges++;
        }
        // Shift the remaining ranges down and rebase them on the new RCV.NXT.
        int k = 0;
        for (int i = consumedRanges; i < ranges; i++, k++) {
            rangeStart[k] = rangeStart[i] - advance;
            rangeEnd[k] = rangeEnd[i] - advance;
        }
        ranges = k;
        readable += advance;
        return advance;
    }

    /** Nothing held: no in-order bytes and no out-of-order ranges. */
    public boolean isEmpty() {
        return readable == 0 && ranges == 0;
    }

    /**
     * In-order segment text for an empty buffer ({@link #isEmpty()}), taken by reference
     * instead of copied: until {@link #settle()} the bytes stay in {@code src}, which is then
     * the {@link #readBuffer()}, and count as readable (the window shrinks by them as if they
     * had been copied). An application that takes everything from its {@code onData} call
     * costs no copy at all; Linux's receive fast path likewise copies straight to a reader
     * that is waiting (tcp_rcv_established). The caller must {@link #settle()} before
     * {@code src} is reused: then whatever the application left is copied into the ring.
     * Bytes past the window are cut, as in {@link #write}.
     *
     * @return how many bytes RCV.NXT advances
     */
    public int lend(final DirectBuffer src, final int offset, final int length) {
        if (!isEmpty() || lent != null) {
            return write(0, src, offset, length);
        }
        if (length <= 0) {
            return 0;
        }
        final int n = Math.min(length, capacity);
        lent = src;
        lentOffset = offset;
        readable = n;
        return n;
    }

    /**
     * Ends a {@link #lend}: the lent bytes the application has not consumed are copied into
     * the ring, where they would have been had they been written. Does nothing otherwise.
     */
    public void settle() {
        final DirectBuffer src = lent;
        if (src == null) {
            return;
        }
        lent = null;
        final int n = readable;
        if (n == 0) {
            return; // the application took it all: the usual case, and nothing to copy
        }
        readable = 0;
        copyIn(0, src, lentOffset, n);
        readable = n;
    }

    /** Inserts [start, end) into the sorted disjoint ranges, merging overlaps; false if too many. */
    private boolean addRange(final int start, final int end) {
        int i = 0;
        while (i < ranges && rangeEnd[i] < start) {
            i++;
        }
        int j = i;
        int s = start;
        int e = end;
        while (j < ranges && rangeStart[j] <= end) {
            s = Math.min(s, rangeStart[j]);
            e = Math.max(e, rangeEnd[j]);
            j++;
        }
        final int merged = j - i;
        final int newCount = ranges - merged + 1;
        if (newCount > maxRanges) {
            return false;
        }
        if (merged == 0) {
            System.arraycopy(rangeStart, i, rangeStart, i + 1, ranges - i);
            System.arraycopy(rangeEnd, i, rangeEnd, i + 1, ranges - i);
        } else if (merged > 1) {
            System.arraycopy(rangeStart, j, rangeStart, i + 1, ranges - j);
            System.arraycopy(rangeEnd, j, rangeEnd, i + 1, ranges - j);
        }
        rangeStart[i] = s;
        rangeEnd[i] = e;
        ranges = newCount;
        return true;
    }

    private void copyIn(final int offsetFromNext, final DirectBuffer src, final int offset, final int length) {
        // head - capacity is negative and readable + offsetFromNext < capacity: no overflow.
        int at = head - capacity + readable + offsetFromNext;
        if (at < 0) {
            at += capacity;
        }
        final int first = Math.min(length, capacity - at);
        ring.putBytes(at, src, offset, first);
        if (length > first) {
            ring.putBytes(0, src, offset + first, length - first);
        }
    }

    public boolean hasOutOfOrder() {
        return ranges > 0;
    }

    public int outOfOrderRangeCount() {
        return ranges;
    }

    /** Start of out-of-order range i, relative to RCV.NXT. */
    public int outOfOrderRangeStart(final int i) {
        return rangeStart[i];
    }

    /** End (exclusive) of out-of-order range i, relative to RCV.NXT. */
    public int outOfOrderRangeEnd(final int i) {
        return rangeEnd[i];
    }

    /** Out-of-order segments dropped because the range table was full. */
    public long rangesOverflowed() {
        return rangesOverflowed;
    }

    /** The buffer holding in-order bytes; read from {@link #readOffset()}. */
    public DirectBuffer readBuffer() {
        return lent != null ? lent : ring;
    }

    public int readOffset() {
        return lent != null ? lentOffset : head;
    }

    /** In-order bytes readable in one piece, before the ring wraps. */
    public int readableContiguous() {
        return lent != null ? readable : Math.min(readable, capacity - head);
    }

    /** The application took {@code bytes} in-order bytes (clamped to 0..readable()); the window grows. */
    public void consume(final int bytes) {
        final int n = Math.max(0, Math.min(bytes, readable));
        if (lent != null) {
            lentOffset += n;
            readable -= n;
            return;
        }
        final int h = head - capacity + n;
        head = h < 0 ? h + capacity : h;
        readable -= n;
    }

    public void clear() {
        lent = null;
        head = 0;
        readable = 0;
        ranges = 0;
    }
}
