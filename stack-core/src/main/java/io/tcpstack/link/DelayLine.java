package io.tcpstack.link;

import java.nio.ByteOrder;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One direction of an {@link ImpairedLink}'s delay: packets in the order they came, each
 * with the time it may leave, in one byte ring allocated up front. First in, first out:
 * only the oldest packet's time is looked at, so a packet whose time comes before that of
 * the one ahead of it leaves right after that one, and a delay with jitter does not reorder.
 *
 * <p>Records are stored by their size, as in the TUN's {@code FrameRing}, so a 52-byte ACK
 * does not take a 64 KiB slot. A record never wraps: one that does not fit before the end of
 * the buffer goes at its start, and the space left at the end is skipped ({@code wrapAt}).
 *
 * <pre>
 *   0  long  release time, ns (the link's clock)
 *   8  int   frame length, bytes
 *  12  int   frame flags ({@link FrameHandler#CHECKSUM_TRUSTED})
 *  16  the frame, then padding to 8 bytes
 * </pre>
 *
 * <p>Bounded twice: at most {@code maxPackets} records (netem's {@code limit}) and the
 * buffer's bytes; {@link #offer} refuses a packet beyond either and the caller counts it.
 * One thread (the stack's); nothing is allocated after construction.
 */
final class DelayLine {
    static final int HEADER_BYTES = 16;
    private static final int RELEASE_NS = 0;
    private static final int LENGTH = 8;
    private static final int FLAGS = 12;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int maxPackets;
    /** The oldest record. */
    private int head;
    /** Where the next record goes. */
    private int tail;
    /** Where the records before the wrap end, or -1 while the records do not wrap. */
    private int wrapAt = -1;
    private int count;

    /**
     * @param capacityBytes the ring's size: must hold at least the largest record
     * @param maxPackets    records held at most
     */
    DelayLine(final int capacityBytes, final int maxPackets) {
        if (capacityBytes < HEADER_BYTES || maxPackets < 1) {
            throw new IllegalArgumentException("a delay line needs room for a record and at least one packet");
        }
        this.capacity = align(capacityBytes);
        this.maxPackets = maxPackets;
        // Direct memory: a TUN writes straight from an address.
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity, 64));
    }

    /** The bytes a frame of {@code length} bytes takes in the ring, header and padding included. */
    static int recordBytes(final int length) {
        return align(HEADER_BYTES + length);
    }

    private static int align(final int bytes) {
        return (bytes + 7) & ~7;
    }

    /**
     * Queues a copy of a packet to leave at {@code releaseNs}, or with the packet queued
     * before it if that leaves later (first in, first out).
     *
     * @return false if the line holds {@code maxPackets} already, or has no room for the frame
     */
    boolean offer(final DirectBuffer frame, final int offset, final int length, final int flags,
        final long releaseNs) {
        if (count == maxPackets) {
            return false;
        }
        final int bytes = recordBytes(length);
        final int at;
        if (wrapAt < 0) { // records in [head, tail): room at the end, else at the start below head
            if (tail + bytes <= capacity) {
                at = tail;
            } else if (bytes <= head) {
                wrapAt = tail;
                at = 0;
            } else {
                return false;
            }
        } else if (tail + bytes <= head) { // records in [head, wrapAt) and [0, tail)
            at = tail;
        } else {
            return false;
        }
        buffer.putLong(at + RELEASE_NS, releaseNs, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + LENGTH, length, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + FLAGS, flags, ByteOrder.LITTLE_ENDIAN);
        buffer.putBytes(at + HEADER_BYTES, frame, offset, length);
        tail = at + bytes;
        count++;
        return true;
    }

    /** When the oldest packet (and so the next) may leave, or {@link Long#MAX_VALUE} if the line is empty. */
    long nextReleaseNs() {
        return count == 0 ? Long.MAX_VALUE : buffer.getLong(head + RELEASE_NS, ByteOrder.LITTLE_ENDIAN);
    }

    /** Packets held. */
    int size() {
        return count;
    }

    /**
     * Hands the packets whose release time has come to {@code handler}, oldest first, with
     * their flags, at most {@code limit}. The frame is valid during the call only.
     *
     * @return packets handed over
     */
    int release(final long nowNs, final FrameHandler handler, final int limit) {
        int released = 0;
        while (released < limit && count > 0
            && nowNs - buffer.getLong(head + RELEASE_NS, ByteOrder.LITTLE_ENDIAN) >= 0) {
            final int length = buffer.getInt(head + LENGTH, ByteOrder.LITTLE_ENDIAN);
            final int at = head;
            released++;
            try {
                handler.onFrame(buffer, at + HEADER_BYTES, length, buffer.getInt(at + FLAGS, ByteOrder.LITTLE_ENDIAN));
            } finally {
                consume(at, length);
            }
        }
        return released;
    }

    private void consume(final int at, final int length) {
        head = at + recordBytes(length);
        if (--count == 0) {
            head = 0; // empty: start again at 0, the most room in one piece
            tail = 0;
            wrapAt = -1;
        } else if (head == wrapAt) {
            head = 0;
            wrapAt = -1;
        }
    }
}
