package io.tcpstack.tcp;

import org.agrona.collections.Long2LongHashMap;

/**
 * A listener's SYN backlog: the half-open connections (RFC 9293 SYN-RECEIVED, passive
 * side) as small records in parallel primitive arrays, not as full connections, so that a
 * SYN flood costs a bounded, small amount of memory (RFC 4987 §3.2, §3.4): about 92
 * bytes per entry with its index entry (measured in {@code SynDefencesTest}). Buffers and
 * handlers are only taken when the handshake completes.
 *
 * <p>SYN-ACK retransmission timers need no wheel: an entry with {@code r} retransmissions
 * behind it waits {@code rto << r}, the same for every entry with the same {@code r}, so
 * one FIFO list per retransmission count is already sorted by deadline; expiry looks at the
 * list heads only. Insert, find, remove and expiry are O(1) and allocation-free.
 *
 * <p>Stack thread only.
 */
final class HalfOpenTable {
    static final int NONE = -1;

    private final int capacity;
    private final Long2LongHashMap index;
    // one entry per slot
    private final long[] key;
    private final int[] irs;
    private final int[] iss;
    private final short[] peerMss;
    private final byte[] peerWindowScale;
    private final boolean[] peerSack;
    private final boolean[] peerTimestamps;
    private final int[] tsRecent;
    private final byte[] retries;
    private final long[] deadlineNs;
    private final long[] firstSentNs;
    private final int[] prev;
    private final int[] next;   // also the free list's link
    // one FIFO list per retransmission count
    private final int[] head;
    private final int[] tail;
    private int free;
    private int size;

    /**
     * @param capacity   entries held at most (the SYN backlog)
     * @param maxRetries SYN-ACK retransmissions before an entry expires
     */
    HalfOpenTable(final int capacity, final int maxRetries) {
        this.capacity = capacity;
        this.index = new Long2LongHashMap(Math.max(8, (int) (capacity / 0.65f) + 1), 0.65f, NONE);
        key = new long[capacity];
        irs = new int[capacity];
        iss = new int[capacity];
        peerMss = new short[capacity];
        peerWindowScale = new byte[capacity];
        peerSack = new boolean[capacity];
        peerTimestamps = new boolean[capacity];
        tsRecent = new int[capacity];
        retries = new byte[capacity];
        deadlineNs = new long[capacity];
        firstSentNs = new long[capacity];
        prev = new int[capacity];
        next = new int[capacity];
        head = new int[maxRetries + 1];
        tail = new int[maxRetries + 1];
        java.util.Arrays.fill(head, NONE);
        java.util.Arrays.fill(tail, NONE);
        for (int i = 0; i < capacity; i++) {
            next[i] = i + 1 < capacity ? i + 1 : NONE;
        }
        free = capacity > 0 ? 0 : NONE;
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return size;
    }

    boolean isFull() {
        return size == capacity;
    }

    /** The slot holding {@code tupleKey}, or {@link #NONE}. */
    int find(final long tupleKey) {
        return (int) index.get(tupleKey);
    }

    /**
     * Adds an entry whose first SYN-ACK was just sent.
     *
     * @return its slot, or {@link #NONE} if the table is full
     */
    int add(final long tupleKey, final int peerIsn, final int ourIsn, final int mss, final int windowScale, final boolean sackPermitted,
        final int peerTsVal, final boolean timestamps,
        final long nowNs, final long deadline) {
        if (free == NONE) {
            return NONE;
        }
        final int slot = free;
        free = next[slot];
        key[slot] = tupleKey;
        irs[slot] = peerIsn;
        iss[slot] = ourIsn;
        peerMss[slot] = (short) mss;
        peerWindowScale[slot] = (byte) windowScale;
        peerSack[slot] = sackPermitted;
        peerTimestamps[slot] = timestamps;
        tsRecent[slot] = peerTsVal;
        retries[slot] = 0;
        firstSentNs[slot] = nowNs;
        deadlineNs[slot] = deadline;
        append(0, slot);
        index.put(tupleKey, slot);
        size++;
        return slot;
    }

    /** Removes the entry in {@code slot}. */
    void remove(final int slot) {
        unlink(retries[slot], slot);
        index.remove(key[slot]);
        next[slot] = free;
        free = slot;
        size--;
    }

    /** Moves the entry to the next retransmission count's list with a new deadline. */
    void retransmitted(final int slot, final long deadline) {
        unlink(retries[slot], slot);
        retries[slot]++;
        deadlineNs[slot] = deadline;
        append(retries[slot], slot);
    }

    /** The entry due first among those with {@code r} retransmissions, or {@link #NONE}. */
    int head(final int r) {
        return head[r];
    }

    int lists() {
        return head.length;
    }

    /**
     * The entry to give up first when the table is full: the oldest of those whose SYN-ACK
     * went unanswered most often, if it went unanswered at least once; else {@link #NONE}.
     */
    int mostRetransmitted() {
        for (int r = head.length - 1; r >= 1; r--) {
            if (head[r] != NONE) {
                return head[r];
            }
        }
        return NONE;
    }

    /** Earliest deadline of all entries, or {@link Long#MAX_VALUE}. */
    long nextDeadlineNs() {
        long earliest = Long.MAX_VALUE;
        for (final int h : head) {
            if (h != NONE && deadlineNs[h] < earliest) {
                earliest = deadlineNs[h];
            }
        }
        return earliest;
    }

    long key(final int slot) {
        return key[slot];
    }

    int irs(final int slot) {
        return irs[slot];
    }

    int iss(final int slot) {
        return iss[slot];
    }

    int peerMss(final int slot) {
        return peerMss[slot] & 0xFFFF;
    }

    /** The SYN's window scale shift, or -1 if it had none. */
    int peerWindowScale(final int slot) {
        return peerWindowScale[slot];
    }

    /** The SYN carried SACK-permitted. */
    boolean peerSack(final int slot) {
        return peerSack[slot];
    }

    /** The SYN carried timestamps (RFC 7323 §3.2). */
    boolean peerTimestamps(final int slot) {
        return peerTimestamps[slot];
    }

    /** The SYN's TSval: TS.Recent for the connection. */
    int tsRecent(final int slot) {
        return tsRecent[slot];
    }

    int retries(final int slot) {
        return retries[slot];
    }

    long deadlineNs(final int slot) {
        return deadlineNs[slot];
    }

    long firstSentNs(final int slot) {
        return firstSentNs[slot];
    }

    /** Drops every entry. */
    void clear() {
        for (int r = 0; r < head.length; r++) {
            while (head[r] != NONE) {
                remove(head[r]);
            }
        }
    }

    private void append(final int list, final int slot) {
        prev[slot] = tail[list];
        next[slot] = NONE;
        if (tail[list] != NONE) {
            next[tail[list]] = slot;
        } else {
            head[list] = slot;
        }
        tail[list] = slot;
    }

    private void unlink(final int list, final int slot) {
        final int p = prev[slot];
        final int n = next[slot];
        if (p != NONE) {
            next[p] = n;
        } else {
            head[list] = n;
        }
        if (n != NONE) {
            prev[n] = p;
        } else {
            tail[list] = p;
        }
    }
}
