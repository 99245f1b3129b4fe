package io.tcpstack.link;

import java.util.SplittableRandom;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A point-to-point link like {@link MemoryLink}, but an imperfect one: each direction loses,
 * duplicates, delays, reorders and corrupts packets, and may be a bandwidth bottleneck, as
 * its {@link LinkFaults} say (smoltcp's {@code FaultInjector} is the model). Every decision
 * comes from one seed, and time from the injected clock, so a run is repeated exactly by
 * running it again with the same seed.
 *
 * <p>A packet sent at time t is due at t plus its delay; the receiving end's {@link #poll}
 * hands over the packets whose due time has come, earliest first (packets due at the same
 * time in the order they were sent). With {@link LinkFaults#NONE} a packet is due at once,
 * as on a {@link MemoryLink}. In simulated time the test advances the clock to
 * {@link #nextDueNs()} to have the next packet arrive.
 *
 * <p>Packets in flight are copied into a slab of fixed-size slots, allocated once: nothing is
 * allocated per packet. When every slot is taken, {@link #send} drops the packet, counts it
 * ({@link Direction#overflowDrops()}) and returns false, as a full NIC ring would. Packets
 * the faults drop "on the wire" (loss, a full bottleneck queue) are counted too, but
 * {@link #send} returns true for them: the sender cannot know.
 *
 * <p>Both ends are used by one thread (the simulated-time test's).
 */
public final class FaultyLink implements PacketLink {
    private final int mtu;
    private final Direction outbound;
    private final Direction inbound;

    private FaultyLink(final int mtu, final Direction outbound, final Direction inbound) {
        this.mtu = mtu;
        this.outbound = outbound;
        this.inbound = inbound;
    }

    /**
     * Two connected ends.
     *
     * @param mtu            largest packet carried, bytes
     * @param maxInFlight    packets held in each direction at once (the slab's slots)
     * @param clock          the time that decides when a packet is due; read on each send and poll
     * @param seed           the one seed every fault decision of both directions derives from
     * @param aToB           faults of packets sent by end 0
     * @param bToA           faults of packets sent by end 1
     */
    public static FaultyLink[] pair(final int mtu, final int maxInFlight, final NanoClock clock, final long seed,
        final LinkFaults aToB, final LinkFaults bToA) {
        if (mtu < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("mtu and maxInFlight must be positive");
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final Direction ab = new Direction(mtu, maxInFlight, clock, random.split(), aToB);
        final Direction ba = new Direction(mtu, maxInFlight, clock, random.split(), bToA);
        return new FaultyLink[] {new FaultyLink(mtu, ab, ba), new FaultyLink(mtu, ba, ab)};
    }

    @Override
    public int poll(final FrameHandler handler, final int limit) {
        return inbound.release(handler, limit);
    }

    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        return outbound.offer(buffer, offset, length);
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** When the next packet for this end is due, or {@link Long#MAX_VALUE} if none is on its way. */
    @Override
    public long nextDueNs() {
        return inbound.nextDueNs();
    }

    /** The direction this end sends on. */
    public Direction outbound() {
        return outbound;
    }

    /** The direction this end receives from. */
    public Direction inbound() {
        return inbound;
    }

    @Override
    public void close() {
    }

    /**
     * One direction of the link: its faults, the packets in flight, and what happened to
     * the packets sent on it.
     */
    public static final class Direction {
        private final int mtu;
        private final NanoClock clock;
        private final SplittableRandom random;
        private final LinkFaults faults;
        private final int slotBytes;
        private final UnsafeBuffer slab;
        private final int[] lengths;
        private final long[] dueNs;
        private final long[] order;
        private final boolean[] corruptedSlot;
        private final int[] free;
        private int freeTop;
        // binary min-heap of slots by (dueNs, order)
        private final int[] heap;
        private int heapSize;
        private long nextOrder;
        private final long maxBacklogNs;
        private long bottleneckFreeAtNs = Long.MIN_VALUE;

        private long offered;
        private long tooBig;
        private long overflowDrops;
        private long queueDrops;
        private long lost;
        private long duplicated;
        private long reordered;
        private long corrupted;
        private long delivered;
        private long corruptedDelivered;

        Direction(final int mtu, final int slots, final NanoClock clock, final SplittableRandom random,
            final LinkFaults faults) {
            this.mtu = mtu;
            this.clock = clock;
            this.random = random;
            this.faults = faults;
            this.slotBytes = (mtu + 63) & ~63;
            this.slab = new UnsafeBuffer(new byte[slotBytes * slots]);
            this.lengths = new int[slots];
            this.dueNs = new long[slots];
            this.order = new long[slots];
            this.corruptedSlot = new boolean[slots];
            this.free = new int[slots];
            for (int i = 0; i < slots; i++) {
                free[i] = slots - 1 - i;
            }
            this.freeTop = slots;
            this.heap = new int[slots];
            this.maxBacklogNs = faults.bitsPerSecond() == 0 ? Long.MAX_VALUE
                : serialisationNs(faults.queueBytes(), faults.bitsPerSecond());
        }

        private static long serialisationNs(final long bytes, final long bitsPerSecond) {
            return bytes * 8_000_000_000L / bitsPerSecond;
        }

        /** The faults of this direction. */
        public LinkFaults faults() {
            return faults;
        }

        boolean offer(final DirectBuffer buffer, final int offset, final int length) {
            if (length > mtu) {
                tooBig++;
                return false;
            }
            offered++;
            final long nowNs = clock.nanoTime();
            long departNs = nowNs;
            if (faults.bitsPerSecond() > 0) {
                final long startNs = Math.max(nowNs, bottleneckFreeAtNs);
                final long serialiseNs = serialisationNs(length, faults.bitsPerSecond());
                if (startNs + serialiseNs - nowNs > maxBacklogNs) {
                    queueDrops++;
                    return true;
                }
                bottleneckFreeAtNs = startNs + serialiseNs;
                departNs = bottleneckFreeAtNs;
            }
            if (chance(faults.lossRate())) {
                lost++;
                return true;
            }
            final boolean twice = chance(faults.duplicateRate());
            if (!enqueue(buffer, offset, length, departNs)) {
                return false;
            }
            if (twice && enqueue(buffer, offset, length, departNs)) {
                duplicated++;
            }
            return true;
        }

        private boolean enqueue(final DirectBuffer buffer, final int offset, final int length, final long departNs) {
            if (freeTop == 0) {
                overflowDrops++;
                return false;
            }
            long due = departNs + faults.delayNs();
            if (faults.jitterNs() > 0) {
                due += random.nextLong(faults.jitterNs() + 1);
            }
            if (chance(faults.reorderRate())) {
                reordered++;
                due += faults.reorderDelayNs();
            }
            final int slot = free[--freeTop];
            final int at = slot * slotBytes;
            slab.putBytes(at, buffer, offset, length);
            lengths[slot] = length;
            dueNs[slot] = due;
            order[slot] = nextOrder++;
            corruptedSlot[slot] = false;
            if (chance(faults.corruptRate())) {
                final int bit = random.nextInt(length * 8);
                final int i = at + (bit >>> 3);
                slab.putByte(i, (byte) (slab.getByte(i) ^ (1 << (bit & 7))));
                corruptedSlot[slot] = true;
                corrupted++;
            }
            push(slot);
            return true;
        }

        /** A draw is made only for a fault that is on, so turning one off keeps the others' decisions apart. */
        private boolean chance(final double rate) {
            return rate > 0.0 && random.nextDouble() < rate;
        }

        int release(final FrameHandler handler, final int limit) {
            final long nowNs = clock.nanoTime();
            int frames = 0;
            while (frames < limit && heapSize > 0 && nowNs - dueNs[heap[0]] >= 0) {
                final int slot = pop();
                delivered++;
                if (corruptedSlot[slot]) {
                    corruptedDelivered++;
                }
                frames++;
                try {
                    handler.onFrame(slab, slot * slotBytes, lengths[slot]);
                } finally {
                    free[freeTop++] = slot;
                }
            }
            return frames;
        }

        /** When the earliest packet in flight is due, or {@link Long#MAX_VALUE}. */
        public long nextDueNs() {
            return heapSize == 0 ? Long.MAX_VALUE : dueNs[heap[0]];
        }

        /** Packets in flight (copies, counting both of a duplicate). */
        public int inFlight() {
            return heapSize;
        }

        /** Packets handed to {@code send}, not counting those larger than the MTU. */
        public long offered() {
            return offered;
        }

        /** Packets refused because they were larger than the MTU. */
        public long tooBig() {
            return tooBig;
        }

        /** Packets (or second copies) dropped because every slot was in use. */
        public long overflowDrops() {
            return overflowDrops;
        }

        /** Packets dropped by the bottleneck's full queue. */
        public long queueDrops() {
            return queueDrops;
        }

        /** Packets lost. */
        public long lost() {
            return lost;
        }

        /** Packets sent twice. */
        public long duplicated() {
            return duplicated;
        }

        /** Copies held back by the reorder delay. */
        public long reordered() {
            return reordered;
        }

        /** Copies with a flipped bit. */
        public long corrupted() {
            return corrupted;
        }

        /** Copies handed to the receiving end. */
        public long delivered() {
            return delivered;
        }

        /** Copies with a flipped bit handed to the receiving end: each must be dropped there, and counted. */
        public long corruptedDelivered() {
            return corruptedDelivered;
        }

        @Override
        public String toString() {
            return "offered=" + offered + " delivered=" + delivered + " lost=" + lost + " queueDrops=" + queueDrops
                + " duplicated=" + duplicated + " reordered=" + reordered + " corrupted=" + corrupted
                + " (delivered " + corruptedDelivered + ") overflow=" + overflowDrops + " inFlight=" + heapSize;
        }

        private boolean before(final int a, final int b) {
            final long d = dueNs[a] - dueNs[b];
            return d < 0 || (d == 0 && order[a] < order[b]);
        }

        private void push(final int slot) {
            int i = heapSize++;
            while (i > 0) {
                final int parent = (i - 1) >>> 1;
                if (!before(slot, heap[parent])) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = slot;
        }

        private int pop() {
            final int top = heap[0];
            final int last = heap[--heapSize];
            int i = 0;
            while (true) {
                final int left = 2 * i + 1;
                if (left >= heapSize) {
                    break;
                }
                final int right = left + 1;
                final int child = right < heapSize && before(heap[right], heap[left]) ? right : left;
                if (!before(heap[child], last)) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            if (heapSize > 0) {
                heap[i] = last;
            }
            return top;
        }
    }
}
