package io.tcpstack.tun;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The single-producer single-consumer ring between the TUN reader thread and the stack
 * thread, storing each frame in the space it takes, not in a slot sized for the largest.
 *
 * <p><b>Why not Agrona's ring.</b> A read(2) from a TUN says how long the frame is only
 * after it has written it, so a zero-copy reader must claim room for the largest frame
 * first. Agrona's {@code OneToOneRingBuffer} fixes a record's length at the claim: every
 * frame then took a largest-frame slot, 693 frames in 1 MiB at MTU 1500 and 511 in 32 MiB
 * with offloads (64 KiB slots), though a SYN is 60 bytes. Here the producer reserves the
 * largest frame's room only as a check that it fits, reads, and publishes a record of the
 * bytes read; the next frame starts right after it.
 *
 * <p><b>Layout.</b> One buffer of {@code capacity} bytes (a power of two), then the
 * consumer's head position alone in its own 128-byte block. A record is an 8-byte header,
 * {@code int} record length (header included, a multiple of 8) and {@code int} frame
 * length, then the bytes read, padded to 8. A record never wraps: when the room left
 * before the end is smaller than the largest record, the producer writes a padding record
 * there (negative length) and goes on at offset 0. Positions are ever-increasing
 * {@code long}s; an offset is {@code position & (capacity - 1)}.
 *
 * <p><b>Memory order.</b> The producer writes the frame (read(2) writes it from the kernel)
 * and the frame length, zeroes the length word where the next record will start, then
 * stores the record length with a release store; the consumer reads the record length
 * with an acquire load, 0 meaning "nothing yet". The consumer reads a length word only at
 * its head, and every position its head can reach (the start, the end of a record, offset
 * 0 after a padding record) was zeroed by the producer before the record that leads there
 * was released, so stale bytes of an earlier lap are never taken for a record, and nothing
 * else needs zeroing: not the frames (with offloads, a 64 KiB {@code setMemory} per frame
 * was 14-26 % of the stack thread in bulk in, DESIGN.md), not a truncated frame's bytes.
 * For that one word the producer keeps {@link #HEADER_LENGTH} bytes beyond the largest
 * record free. After a batch the consumer releases the space by storing its head position
 * (release); the producer reads the head (acquire) only when its cached copy says there is
 * no room. The producer owns the tail alone. In steady state only the records and, once
 * per batch, the head move between the two cores.
 *
 * <p>Neither side allocates or blocks.
 */
final class FrameRing {
    /** Bytes before a record's frame: record length, frame length. */
    static final int HEADER_LENGTH = 8;
    static final int ALIGNMENT = 8;
    private static final int PAD = 128;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int maxRecord;
    private final int headIndex;
    // producer state (reader thread)
    private long tail;
    private long headCache;
    // consumer state (stack thread)
    private long head;

    /** Handles one frame: {@code buffer} holds it at {@code offset}, valid during the call only. */
    @FunctionalInterface
    interface Handler {
        void onFrame(UnsafeBuffer buffer, int offset, int length);
    }

    /**
     * @param capacity a power of two, at least twice the largest record and a record header
     * @param maxBytes the most bytes one read(2) writes (the largest frame, with its vnet header)
     */
    FrameRing(final int capacity, final int maxBytes) {
        this.maxRecord = recordLength(maxBytes);
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < 2 * maxRecord + HEADER_LENGTH) {
            throw new IllegalArgumentException("ring capacity " + capacity
                + " must be a power of two of at least 2 * " + maxRecord + " + " + HEADER_LENGTH);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.headIndex = capacity + PAD;
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity + 2 * PAD + 64, 64));
    }

    /** Bytes a record of {@code bytes} frame bytes takes. */
    static int recordLength(final int bytes) {
        return BitUtil.align(HEADER_LENGTH + bytes, ALIGNMENT);
    }

    int capacity() {
        return capacity;
    }

    /** The largest record: what {@link #claim} must find free. */
    int maxRecord() {
        return maxRecord;
    }

    UnsafeBuffer buffer() {
        return buffer;
    }

    // ---------------------------------------------------------------- producer

    /**
     * Finds room for the largest record at the tail (writing a padding record first if the
     * room before the end is too short).
     *
     * @return the offset where the frame's bytes go (after its header), or -1 if the ring is full
     */
    int claim() {
        int offset = (int) (tail & mask);
        final int toEnd = capacity - offset;
        // The largest record, and the next record's length word after it (zeroed at commit).
        final long needed = (toEnd < maxRecord ? toEnd + (long) maxRecord : maxRecord) + HEADER_LENGTH;
        if (tail + needed - headCache > capacity) {
            headCache = buffer.getLongVolatile(headIndex);
            if (tail + needed - headCache > capacity) {
                return -1;
            }
        }
        if (toEnd < maxRecord) {
            buffer.putInt(0, 0); // where the consumer goes after the padding: "nothing yet"
            buffer.putIntRelease(offset, -toEnd); // padding: the consumer skips to offset 0
            tail += toEnd;
            offset = 0;
        }
        return offset + HEADER_LENGTH;
    }

    /**
     * Publishes the record claimed at {@code frameOffset}: {@code bytes} bytes were written
     * there, of which the frame is {@code frameLength} (they differ by a vnet header).
     */
    void commit(final int frameOffset, final int bytes, final int frameLength) {
        final int record = recordLength(bytes);
        final int at = frameOffset - HEADER_LENGTH;
        buffer.putInt(at + 4, frameLength);
        buffer.putInt((at + record) & mask, 0); // the next record's length word: "nothing yet"
        buffer.putIntRelease(at, record);
        tail += record;
    }

    // ---------------------------------------------------------------- consumer

    /** Whether a record waits (the consumer's view). */
    boolean hasPending() {
        final int offset = (int) (head & mask);
        return buffer.getIntVolatile(offset) != 0;
    }

    /**
     * Hands up to {@code limit} frames to {@code handler} in order and releases the space
     * they took to the producer.
     *
     * @return frames handed over
     */
    int read(final Handler handler, final int limit) {
        long position = head;
        int frames = 0;
        try {
            while (frames < limit) {
                final int offset = (int) (position & mask);
                final int length = buffer.getIntVolatile(offset);
                if (length == 0) {
                    break;
                }
                if (length < 0) {
                    position -= length; // padding
                    continue;
                }
                frames++;
                try {
                    handler.onFrame(buffer, offset + HEADER_LENGTH, buffer.getInt(offset + 4));
                } finally {
                    position += length;
                }
            }
        } finally {
            if (position != head) {
                head = position;
                buffer.putLongRelease(headIndex, position);
            }
        }
        return frames;
    }
}
