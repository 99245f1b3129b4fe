package io.tcpstack.ip;

import java.nio.ByteOrder;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.Checksum;

/**
 * IPv4 fragment reassembly (RFC 791 §3.2, "Reassembly"), tracking the missing ranges with the
 * hole-descriptor algorithm of RFC 815. Bounded and allocation-free after construction.
 *
 * <p><b>Slots.</b> At most {@code maxDatagrams} datagrams are reassembled at once, each in a
 * preallocated slot: a direct buffer and a bounded hole list. A datagram is keyed by
 * (source, destination, protocol, identification), RFC 791 §3.2. Slot lookup is a linear scan,
 * so keep {@code maxDatagrams} modest (tens, not thousands).
 *
 * <p><b>Slot buffer layout.</b> Fragment data lands at a fixed offset, 60 (the largest IPv4
 * header), so data that arrives before fragment zero needs no moving;
 * fragment zero's header is copied in just before it. The reassembled datagram is then a
 * contiguous view {@code [60 - ihl, 60 + dataLength)}. A slot therefore
 * holds {@code 60 + 65515} bytes, 40 more than the 65535-byte maximum datagram.
 *
 * <p><b>Limits and their counters</b> (all under {@code ip.reasm.*}):
 * <ul>
 *   <li>{@code fragments}: fragments accepted into reassembly (new data);</li>
 *   <li>{@code datagrams}: datagrams completed;</li>
 *   <li>{@code bad_fragment}: fragment dropped, datagram kept: a non-last fragment whose data
 *       length is not a multiple of 8 (RFC 791 §3.1, offsets count 8-octet units), or a
 *       fragment with no data;</li>
 *   <li>{@code oversize}: datagram dropped, its data would end beyond 65535 bytes with its
 *       header (RFC 791 §3.1, total length is 16 bits);</li>
 *   <li>{@code duplicates}: fragment ignored, every byte of it was already received (as Linux:
 *       the fragment lies inside received data);</li>
 *   <li>{@code overlaps}: datagram dropped, the fragment overlaps received data only in part
 *       (as Linux since the FragmentSmack fix, CVE-2018-5391; RFC 5722 does the same for
 *       IPv6);</li>
 *   <li>{@code inconsistent_end}: datagram dropped, the fragments disagree on where it ends (a
 *       second last fragment with another end, data past the last fragment's end, or a last
 *       fragment ending before data already received);</li>
 *   <li>{@code too_many_holes}: datagram dropped, it would need more than {@code maxHoles}
 *       hole descriptors;</li>
 *   <li>{@code table_full}: fragment of a new datagram dropped, all slots are busy. Nothing is
 *       evicted (Linux, since its 2018 rework, likewise creates no new queue above
 *       {@code ipfrag_high_thresh} rather than evicting): eviction
 *       would let a flood of one-fragment datagrams with fresh keys flush every legitimate
 *       reassembly in progress, whereas without it a flood only delays new datagrams until the
 *       slots time out;</li>
 *   <li>{@code timeouts}: datagram dropped, not complete {@code timeoutNs} after its first
 *       fragment arrived: RFC 1122 §3.3.2 asks for a fixed timeout rather than RFC 791 §3.2's
 *       timer raised by each fragment's TTL, so later fragments do not extend it;</li>
 *   <li>{@code timeouts_with_first}: those timeouts where fragment zero had arrived, for which
 *       RFC 1122 §3.3.2 calls for an ICMP Time Exceeded (code 1, "fragment reassembly time
 *       exceeded") to the source. This class sends nothing; it reports them to the optional
 *       {@link TimeoutHandler}.</li>
 * </ul>
 *
 * <p><b>Threading.</b> One thread, the stack thread, calls every method.
 */
public final class Reassembler {
    /**
     * Hole descriptors per datagram when not given. A datagram in n fragments needs at most about
     * n / 2 + 1 holes, in any order: 128 covers 65535 bytes over any MTU of 576 or more (at most 119
     * fragments); tiny fragments beyond that are the overlapping-fragment attack pattern.
     */
    public static final int DEFAULT_MAX_HOLES = 128;
    /** Where fragment data starts in a slot buffer: room for the largest header (IHL 15) before it. */
    static final int DATA_OFFSET = 60;
    /** The largest IPv4 datagram, header included (RFC 791 §3.1: 16-bit total length). */
    static final int MAX_DATAGRAM = 65535;
    private static final int MIN_HEADER = 20;
    /** Slot buffer capacity: the most data a 20-byte header allows, after {@link #DATA_OFFSET}. */
    static final int SLOT_CAPACITY = DATA_OFFSET + MAX_DATAGRAM - MIN_HEADER;
    /** RFC 815: the first hole runs to "infinity" until the last fragment arrives. */
    private static final int INFINITY = Integer.MAX_VALUE;
    /** Bytes of original data an ICMP error quotes after the header (RFC 792: 64 bits). */
    private static final int ICMP_QUOTED_DATA = 8;

    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT_OFFSET = 6;
    private static final int PROTOCOL = 9;
    private static final int HEADER_CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;
    private static final int MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    /**
     * Told when a datagram times out after fragment zero arrived, so the caller may send ICMP
     * Time Exceeded, code 1 (RFC 1122 §3.3.2; RFC 792 for the quoted bytes).
     */
    @FunctionalInterface
    public interface TimeoutHandler {
        /**
         * @param firstFragment holds fragment zero's IP header as received (options, MF and
         *                      its own total length kept) followed by its first 8 data bytes
         * @param offset        where that header starts in {@code firstFragment}
         * @param length        header length plus 8
         */
        void onTimeout(DirectBuffer firstFragment, int offset, int length);
    }

    private final Slot[] slots;
    private final int maxHoles;
    private final long timeoutNs;
    private final TimeoutHandler timeoutHandler;
    private final UnsafeBuffer datagram = new UnsafeBuffer(new byte[0]);
    private int datagramLength;
    private int inProgress;

    private final AtomicCounter fragments;
    private final AtomicCounter datagrams;
    private final AtomicCounter badFragment;
    private final AtomicCounter oversize;
    private final AtomicCounter duplicates;
    private final AtomicCounter overlaps;
    private final AtomicCounter inconsistentEnd;
    private final AtomicCounter tooManyHoles;
    private final AtomicCounter tableFull;
    private final AtomicCounter timeouts;
    private final AtomicCounter timeoutsWithFirst;

    /**
     * A reassembler with {@link #DEFAULT_MAX_HOLES} holes per datagram and no timeout handler.
     *
     * @param maxDatagrams datagrams reassembled at once; each preallocates about 64 KiB
     * @param timeoutNs    how long after its first fragment a datagram may take to complete
     * @param counters     where the {@code ip.reasm.*} counters are allocated
     */
    public Reassembler(final int maxDatagrams, final long timeoutNs, final StackCounters counters) {
        this(maxDatagrams, DEFAULT_MAX_HOLES, timeoutNs, counters, null);
    }

    /**
     * @param maxDatagrams   datagrams reassembled at once; each preallocates about 64 KiB
     * @param maxHoles       hole descriptors per datagram (at least 1); a datagram needing more is dropped
     * @param timeoutNs      how long after its first fragment a datagram may take to complete
     * @param counters       where the {@code ip.reasm.*} counters are allocated
     * @param timeoutHandler told of timeouts after fragment zero arrived; may be {@code null}
     */
    public Reassembler(
        final int maxDatagrams,
        final int maxHoles,
        final long timeoutNs,
        final StackCounters counters,
        final TimeoutHandler timeoutHandler) {
        if (maxDatagrams < 1) {
            throw new IllegalArgumentException("maxDatagrams must be at least 1: " + maxDatagrams);
        }
        if (maxHoles < 1) {
            throw new IllegalArgumentException("maxHoles must be at least 1: " + maxHoles);
        }
        if (timeoutNs <= 0) {
            throw new IllegalArgumentException("timeoutNs must be positive: " + timeoutNs);
        }
        this.maxHoles = maxHoles;
        this.timeoutNs = timeoutNs;
        this.timeoutHandler = timeoutHandler;
        this.slots = new Slot[maxDatagrams];
        for (int i = 0; i < maxDatagrams; i++) {
            slots[i] = new Slot(maxHoles);
        }
        this.fragments = counters.newCounter("ip.reasm.fragments");
        this.datagrams = counters.newCounter("ip.reasm.datagrams");
        this.badFragment = counters.newCounter("ip.reasm.bad_fragment");
        this.oversize = counters.newCounter("ip.reasm.oversize");
        this.duplicates = counters.newCounter("ip.reasm.duplicates");
        this.overlaps = counters.newCounter("ip.reasm.overlaps");
        this.inconsistentEnd = counters.newCounter("ip.reasm.inconsistent_end");
        this.tooManyHoles = counters.newCounter("ip.reasm.too_many_holes");
        this.tableFull = counters.newCounter("ip.reasm.table_full");
        this.timeouts = counters.newCounter("ip.reasm.timeouts");
        this.timeoutsWithFirst = counters.newCounter("ip.reasm.timeouts_with_first");
    }

    /**
     * Takes one fragment. First expires datagrams whose deadline has passed (see
     * {@link #expire}), so a late fragment starts a new reassembly rather than completing a
     * timed-out one.
     *
     * @param buf            holds the fragment
     * @param ipOffset       where its IPv4 header starts
     * @param ipHeaderLength its header length in bytes (IHL * 4); the caller has validated the
     *                       header (version, IHL, total length within {@code buf}, checksum,
     *                       destination) and passes only fragments (MF set or offset non-zero)
     * @param nowNs          the stack's clock
     * @return true when this fragment completed a datagram: read it from {@link #datagram()},
     *     {@link #datagramLength()} bytes from index 0, until the next {@code offer} or
     *     {@code expire}. False when it was kept, ignored or dropped (see the counters).
     */
    public boolean offer(final DirectBuffer buf, final int ipOffset, final int ipHeaderLength, final long nowNs) {
        expire(nowNs);
        datagramLength = 0;

        final int totalLength = buf.getShort(ipOffset + TOTAL_LENGTH, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int identification = buf.getShort(ipOffset + IDENTIFICATION, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int flagsOffset = buf.getShort(ipOffset + FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int protocol = buf.getByte(ipOffset + PROTOCOL) & 0xFF;
        final int source = buf.getInt(ipOffset + SOURCE, ByteOrder.BIG_ENDIAN);
        final int destination = buf.getInt(ipOffset + DESTINATION, ByteOrder.BIG_ENDIAN);
        final boolean moreFragments = (flagsOffset & MORE_FRAGMENTS) != 0;
        final int first = (flagsOffset & FRAGMENT_OFFSET_MASK) << 3; // RFC 791 §3.1: 8-octet units
        final int dataLength = totalLength - ipHeaderLength;
        final int end = first + dataLength;

        // RFC 791 §3.2: every fragment but the last carries a multiple of 8 octets (offsets
        // count 8-octet blocks). A fragment without data fills no hole: dropped alone.
        if (dataLength <= 0 || (moreFragments && (dataLength & 7) != 0)) {
            badFragment.incrementRelease();
            return false;
        }

        Slot slot = find(source, destination, protocol, identification);

        // RFC 791 §3.1: total length is 16 bits, header included. Checked before the slot is
        // written, which also keeps every copy inside SLOT_CAPACITY.
        if (end > MAX_DATAGRAM - ipHeaderLength
            || (slot != null && slot.hasFirst && end > MAX_DATAGRAM - slot.firstHeaderLength)
            || (slot != null && first == 0 && slot.maxEnd > MAX_DATAGRAM - ipHeaderLength)) {
            oversize.incrementRelease();
            if (slot != null) {
                release(slot);
            }
            return false;
        }

        if (slot == null) {
            slot = allocate(source, destination, protocol, identification, nowNs);
            if (slot == null) {
                tableFull.incrementRelease(); // no eviction: see the class Javadoc
                return false;
            }
        }

        // The fragments must agree on the end (Linux ip_frag_queue); RFC 791 leaves it open.
        if (moreFragments ? slot.lastKnown && end > slot.dataLength
            : slot.lastKnown ? end != slot.dataLength : end < slot.maxEnd) {
            inconsistentEnd.incrementRelease();
            release(slot);
            return false;
        }

        // RFC 815 steps 1-3: find the holes this fragment touches. Unlike RFC 815, which lets
        // later data overwrite earlier, accept a fragment only if it lies inside one hole.
        final int last = end - 1;
        int touched = -1;
        int touchedCount = 0;
        final int[] holeFirst = slot.holeFirst;
        final int[] holeLast = slot.holeLast;
        for (int h = 0; h < slot.holeCount; h++) {
            if (first <= holeLast[h] && last >= holeFirst[h]) {
                touched = h;
                touchedCount++;
            }
        }
        if (touchedCount == 0) {
            duplicates.incrementRelease(); // all of it already received
            return false;
        }
        final int hf = holeFirst[touched];
        final int hl = holeLast[touched];
        if (touchedCount > 1 || first < hf || last > hl) {
            overlaps.incrementRelease();
            release(slot);
            return false;
        }

        // RFC 815 steps 4-6: the hole is replaced by what is left of it on either side. No hole
        // after a last fragment: the end checks above guarantee it fills its hole to the end
        // (or the hole was the one running to infinity).
        final boolean holeBefore = first > hf;
        final boolean holeAfter = moreFragments && last < hl;
        final int holesAfter = slot.holeCount - 1 + (holeBefore ? 1 : 0) + (holeAfter ? 1 : 0);
        if (holesAfter > maxHoles) {
            tooManyHoles.incrementRelease();
            release(slot);
            return false;
        }
        slot.removeHole(touched);
        if (holeBefore) {
            slot.addHole(hf, first - 1);
        }
        if (holeAfter) {
            slot.addHole(last + 1, hl);
        }

        slot.buffer.putBytes(DATA_OFFSET + first, buf, ipOffset + ipHeaderLength, dataLength);
        if (first == 0) {
            // RFC 791 §3.2: the reassembled header is fragment zero's (with its options).
            slot.buffer.putBytes(DATA_OFFSET - ipHeaderLength, buf, ipOffset, ipHeaderLength);
            slot.hasFirst = true;
            slot.firstHeaderLength = ipHeaderLength;
        }
        if (!moreFragments) {
            slot.lastKnown = true;
            slot.dataLength = end; // RFC 791 §3.2: the last fragment fixes the data length
        }
        if (end > slot.maxEnd) {
            slot.maxEnd = end;
        }
        fragments.incrementRelease();

        if (slot.holeCount != 0) {
            return false;
        }
        // RFC 815 step 8: no holes left, so fragment zero and the last fragment are both in.
        complete(slot);
        return true;
    }

    /**
     * Drops every datagram whose deadline ({@code timeoutNs} after its first fragment arrived)
     * is at or before {@code nowNs}, RFC 1122 §3.3.2. For each that had fragment zero, counts
     * {@code ip.reasm.timeouts_with_first} and tells the {@link TimeoutHandler}, if any, so the
     * caller can send ICMP Time Exceeded (code 1); nothing is sent from here.
     *
     * @return how many datagrams expired
     */
    public int expire(final long nowNs) {
        int expired = 0;
        for (int i = 0; i < slots.length; i++) {
            final Slot slot = slots[i];
            if (slot.inUse && nowNs - slot.deadlineNs >= 0) {
                expired++;
                timeouts.incrementRelease();
                if (slot.hasFirst) {
                    timeoutsWithFirst.incrementRelease();
                    if (timeoutHandler != null) {
                        timeoutHandler.onTimeout(
                            slot.buffer, DATA_OFFSET - slot.firstHeaderLength, slot.firstHeaderLength + ICMP_QUOTED_DATA);
                    }
                }
                release(slot);
            }
        }
        if (expired != 0) {
            datagramLength = 0;
        }
        return expired;
    }

    /** The earliest deadline of a datagram in progress, or {@link Long#MAX_VALUE} if none. */
    public long nextDeadlineNs() {
        if (inProgress == 0) {
            return Long.MAX_VALUE; // the common case, asked every duty cycle: no scan
        }
        long next = Long.MAX_VALUE;
        boolean any = false;
        for (int i = 0; i < slots.length; i++) {
            final Slot slot = slots[i];
            if (slot.inUse && (!any || slot.deadlineNs - next < 0)) {
                next = slot.deadlineNs;
                any = true;
            }
        }
        return next;
    }

    /** Datagrams being reassembled. */
    public int inProgress() {
        return inProgress;
    }

    /**
     * The datagram the last {@link #offer} completed, header first at index 0: fragment zero's
     * header with total length set, MF and fragment offset cleared (DF and the reserved bit
     * kept) and the header checksum recomputed. Valid until the next {@code offer} or
     * {@code expire}; the same view object every time.
     */
    public MutableDirectBuffer datagram() {
        return datagram;
    }

    /** Bytes in {@link #datagram()}; 0 unless the last {@code offer} returned true. */
    public int datagramLength() {
        return datagramLength;
    }

    private void complete(final Slot slot) {
        final int headerLength = slot.firstHeaderLength;
        final int start = DATA_OFFSET - headerLength;
        final int length = headerLength + slot.dataLength;
        final UnsafeBuffer b = slot.buffer;
        b.putShort(start + TOTAL_LENGTH, (short) length, ByteOrder.BIG_ENDIAN);
        final int flags = b.getShort(start + FLAGS_FRAGMENT_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        b.putShort(start + FLAGS_FRAGMENT_OFFSET, (short) (flags & ~(MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)),
            ByteOrder.BIG_ENDIAN);
        b.putShort(start + HEADER_CHECKSUM, (short) 0, ByteOrder.BIG_ENDIAN);
        b.putShort(start + HEADER_CHECKSUM, (short) Checksum.compute(b, start, headerLength), ByteOrder.BIG_ENDIAN);
        datagram.wrap(b, start, length);
        datagramLength = length;
        datagrams.incrementRelease();
        release(slot);
    }

    private Slot find(final int source, final int destination, final int protocol, final int identification) {
        for (int i = 0; i < slots.length; i++) {
            final Slot slot = slots[i];
            if (slot.inUse
                && slot.identification == identification
                && slot.source == source
                && slot.destination == destination
                && slot.protocol == protocol) {
                return slot;
            }
        }
        return null;
    }

    private Slot allocate(
        final int source, final int destination, final int protocol, final int identification, final long nowNs) {
        for (int i = 0; i < slots.length; i++) {
            final Slot slot = slots[i];
            if (!slot.inUse) {
                slot.inUse = true;
                slot.source = source;
                slot.destination = destination;
                slot.protocol = protocol;
                slot.identification = identification;
                slot.deadlineNs = nowNs + timeoutNs; // RFC 1122 §3.3.2: fixed, from the first fragment
                slot.hasFirst = false;
                slot.firstHeaderLength = 0;
                slot.lastKnown = false;
                slot.dataLength = 0;
                slot.maxEnd = 0;
                slot.holeCount = 0;
                slot.addHole(0, INFINITY); // RFC 815 §3: one hole, 0 to infinity
                inProgress++;
                return slot;
            }
        }
        return null;
    }

    private void release(final Slot slot) {
        slot.inUse = false;
        inProgress--;
    }

    /** One datagram's reassembly state. Holes are kept unordered: there are few. */
    private static final class Slot {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SLOT_CAPACITY, 64));
        final int[] holeFirst;
        final int[] holeLast;
        int holeCount;
        boolean inUse;
        int source;
        int destination;
        int protocol;
        int identification;
        long deadlineNs;
        boolean hasFirst;
        int firstHeaderLength;
        /** Whether the last fragment (MF clear) has arrived, fixing {@link #dataLength}. */
        boolean lastKnown;
        int dataLength;
        /** The highest data end received so far. */
        int maxEnd;

        Slot(final int maxHoles) {
            holeFirst = new int[maxHoles];
            holeLast = new int[maxHoles];
        }

        void addHole(final int first, final int last) {
            holeFirst[holeCount] = first;
            holeLast[holeCount] = last;
            holeCount++;
        }

        void removeHole(final int index) {
            holeCount--;
            holeFirst[index] = holeFirst[holeCount];
            holeLast[index] = holeLast[holeCount];
        }
    }
}
