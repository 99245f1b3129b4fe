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
 * and the frame length, then the record length with a release store; the consumer reads
 * the record length with an acquire load, 0 meaning "nothing yet". After handling a record
 * the consumer zeroes it, so the ring reads 0 wherever nothing was published, and after a
 * batch it releases the space by storing its head position (release); the producer reads
 * the head (acquire) only when its cached copy says there is no room. The producer owns
 * the tail alone. In steady state only the records and, once per batch, the head move
 * between the two cores.
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
     * @param capacity a power of two, at least twice the largest record
     * @param maxBytes the most bytes one read(2) writes (the largest frame, with its vnet header)
     */
    FrameRing(final int capacity, final int maxBytes) {
        this.maxRecord = recordLength(maxBytes);
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < 2 * maxRecord) {
            throw new IllegalArgumentException("ring capacity " + capacity
                + " must be a power of two of at least 2 * " + maxRecord);
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
        final long needed = toEnd < maxRecord ? toEnd + (long) maxRecord : maxRecord;
        if (tail + needed - headCache > capacity) {
            headCache = buffer.getLongVolatile(headIndex);
            if (tail + needed - headCache > capacity) {
                return -1;
            }
        }
        if (toEnd < maxRecord) {
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
        buffer.putIntRelease(at, record);
        tail += record;
    }

    /**
     * Gives up a claim after read(2) wrote {@code written} bytes that will not be published
     * (a truncated frame): they are zeroed, since the ring must read 0 where nothing was
     * published. Nothing to do when nothing was written.
     */
    void abort(final int frameOffset, final int written) {
        if (written > 0) {
            buffer.setMemory(frameOffset, Math.min(written, maxRecord - HEADER_LENGTH), (byte) 0);
        }
    }

    // ---------------------------------------------------------------- consumer

    /** Whether a record waits (the consumer's view). */
    boolean hasPending() {
        final int offset = (int) (head & mask);
        return buffer.getIntVolatile(offset) != 0;
    }

    /**
     * Hands up to {@code limit} frames to {@code handler} in order, zeroes what they took and
     * releases it to the producer.
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
                    buffer.putInt(offset, 0);
                    position -= length;
                    continue;
                }
                frames++;
                try {
                    handler.onFrame(buffer, offset + HEADER_LENGTH, buffer.getInt(offset + 4));
                } finally {
                    buffer.setMemory(offset, length, (byte) 0);
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
