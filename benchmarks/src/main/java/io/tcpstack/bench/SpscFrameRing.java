package io.tcpstack.bench;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.link.FrameHandler;

/**
 * A minimal single-producer single-consumer ring of fixed-size frame slots, the candidate
 * to compare against Agrona's {@code OneToOneRingBuffer} for the TUN reader → stack thread
 * hand-off (see {@link RingBenchmark}).
 *
 * <p>Layout of the one {@link UnsafeBuffer}: {@code slots} slots of {@code slotSize} bytes
 * (a 4-byte frame length, native order, then the frame), then the head counter alone in
 * its own 128-byte block. A slot's offset is {@code (position & mask) * slotSize}, where
 * positions are ever-increasing {@code long}s each side keeps in a plain field.
 *
 * <p>Publication is per slot, as in Agrona's ring: the producer writes the frame, then the
 * length with {@code putIntRelease}; the consumer reads the length with
 * {@code getIntVolatile}, and 0 means "not yet". After handling a frame the consumer
 * zeroes its length, and after a batch it gives the slots back with
 * {@code putLongRelease(head)}. The producer reads the head ({@code getLongVolatile}) only
 * when its cached copy says the ring is full. So in steady state the only cache lines that
 * move between the two cores are the slots themselves: there is no shared tail counter
 * read on every poll (a first version published a tail counter and ran at about half
 * Agrona's two-thread throughput, see {@code benchmarks/results}).
 *
 * <p>The Java-side state of each side sits in its own object between 128-byte pads, so the
 * producer's and the consumer's plain fields never share a cache line.
 */
final class SpscFrameRing {
    /** The frame length stored in front of each frame. */
    static final int LENGTH_PREFIX = 4;
    private static final int PAD = 128;

    private final UnsafeBuffer buffer;
    private final int slotSize;
    private final Producer producer;
    private final Consumer consumer;

    /**
     * @param slots          a power of two
     * @param maxFrameLength the largest frame (the MTU); a slot is this plus the length prefix
     */
    SpscFrameRing(final int slots, final int maxFrameLength) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots " + slots + ": not a power of two");
        }
        this.slotSize = (LENGTH_PREFIX + maxFrameLength + 7) & ~7;
        final int data = slots * slotSize;
        final int headIndex = data + PAD;
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(data + 2 * PAD, 64));
        this.producer = new Producer(buffer, slots, slotSize, headIndex);
        this.consumer = new Consumer(buffer, slots, slotSize, headIndex);
    }

    UnsafeBuffer buffer() {
        return buffer;
    }

    int slotSize() {
        return slotSize;
    }

    /** The producer side; one thread only (the TUN reader). */
    Producer producer() {
        return producer;
    }

    /** The consumer side; one thread only (the stack). */
    Consumer consumer() {
        return consumer;
    }

    /** Read-only after construction: may share lines with anything read-only. */
    abstract static class Side {
        final UnsafeBuffer buffer;
        final int slots;
        final int mask;
        final int slotSize;
        final int headIndex;

        Side(final UnsafeBuffer buffer, final int slots, final int slotSize, final int headIndex) {
            this.buffer = buffer;
            this.slots = slots;
            this.mask = slots - 1;
            this.slotSize = slotSize;
            this.headIndex = headIndex;
        }
    }

    /** 128 bytes between the read-only fields (and whatever precedes the object) and the hot ones. */
    abstract static class PadBefore extends Side {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

        PadBefore(final UnsafeBuffer buffer, final int slots, final int slotSize, final int headIndex) {
            super(buffer, slots, slotSize, headIndex);
        }
    }

    abstract static class ProducerFields extends PadBefore {
        long tail;
        long headCache;

        ProducerFields(final UnsafeBuffer buffer, final int slots, final int slotSize, final int headIndex) {
            super(buffer, slots, slotSize, headIndex);
        }
    }

    static final class Producer extends ProducerFields {
        long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

        Producer(final UnsafeBuffer buffer, final int slots, final int slotSize, final int headIndex) {
            super(buffer, slots, slotSize, headIndex);
        }

        /**
         * @return the offset of a free slot (write the frame at {@code offset + LENGTH_PREFIX},
         *         then {@link #commit}), or -1 if the ring is full
         */
        int tryClaim() {
            if (tail - headCache >= slots) {
                headCache = buffer.getLongVolatile(headIndex);
                if (tail - headCache >= slots) {
                    return -1;
                }
            }
            return (int) (tail & mask) * slotSize;
        }

        /** Publishes the slot returned by the last {@link #tryClaim}; {@code frameLength} &gt; 0. */
        void commit(final int slotOffset, final int frameLength) {
            buffer.putIntRelease(slotOffset, frameLength);
            tail++;
        }
    }

    abstract static class ConsumerFields extends PadBefore {
        long head;

        ConsumerFields(final UnsafeBuffer buffer, final int slots, final int slotSize, final int headIndex) {
            super(buffer, slots, slotSize, headIndex);
        }
    }

    static final class Consumer extends ConsumerFields {
        long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

        Consumer(final UnsafeBuffer buffer, final int slots, final int slotSize, final int headIndex) {
            super(buffer, slots, slotSize, headIndex);
        }

        /** Hands at most {@code limit} frames to {@code handler}; returns how many. */
        int poll(final FrameHandler handler, final int limit) {
            long position = head;
            int count = 0;
            while (count < limit) {
                final int offset = (int) (position & mask) * slotSize;
                final int length = buffer.getIntVolatile(offset);
                if (length == 0) {
                    break;
                }
                handler.onFrame(buffer, offset + LENGTH_PREFIX, length);
                buffer.putInt(offset, 0);
                position++;
                count++;
            }
            if (count > 0) {
                head = position;
                buffer.putLongRelease(headIndex, position);
            }
            return count;
        }
    }
}
