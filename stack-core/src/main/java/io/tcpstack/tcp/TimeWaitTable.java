package io.tcpstack.tcp;

import org.agrona.collections.Long2LongHashMap;

/**
 * TIME-WAIT as small records, not connections (RFC 9293 §3.6, §3.10.7.4 TIME-WAIT): for
 * each 4-tuple only what is needed to re-acknowledge a retransmitted FIN (SND.NXT,
 * RCV.NXT; with timestamps, TS.Recent and the ISS the connection's TS clock is offset by,
 * RFC 7323 §3.2: every segment but a RST carries them once agreed) and when the 2×MSL wait
 * ends. Records live in parallel primitive arrays (41 bytes per record, plus the index: 73
 * bytes per record in all at the default 16,384 records, measured in {@code
 * TimeWaitTableTest}), in a bounded table; when it is full, the oldest record is recycled
 * and counted, like Linux's {@code tcp_max_tw_buckets}. Expiry is a FIFO scan: every
 * record waits the same 2×MSL, so insertion order is expiry order, except that a re-ACKed
 * FIN restarts its record's wait (RFC 9293 §3.10.7.4), which moves it to the tail. Stack
 * thread only; no allocation after construction.
 */
final class TimeWaitTable {
    private static final long MISSING = -1;

    private final int capacity;
    private final long[] keys;
    private final int[] sndNxt;
    private final int[] rcvNxt;
    private final boolean[] timestamps;
    private final int[] tsRecent;
    private final int[] tsIss;
    private final long[] expiresNs;
    // doubly linked FIFO over slot indexes, oldest at head; next[] also chains the free
    // slots (a free slot is in no FIFO), so they cost no array of their own
    private final int[] next;
    private final int[] prev;
    private final Long2LongHashMap index;
    private int head = -1;
    private int tail = -1;
    private int freeHead;
    private int size;
    private long recycled;

    TimeWaitTable(final int capacity) {
        this.capacity = capacity;
        keys = new long[capacity];
        sndNxt = new int[capacity];
        rcvNxt = new int[capacity];
        timestamps = new boolean[capacity];
        tsRecent = new int[capacity];
        tsIss = new int[capacity];
        expiresNs = new long[capacity];
        next = new int[capacity];
        prev = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            next[i] = i + 1 < capacity ? i + 1 : -1;
        }
        freeHead = 0;
        index = new Long2LongHashMap(capacity * 2, 0.65f, MISSING);
    }

    /** Adds a record without timestamps (replacing one for the same tuple); recycles the oldest when full. */
    void add(final long key, final int snd, final int rcv, final long expires) {
        add(key, snd, rcv, expires, false, 0, 0);
    }

    /**
     * Adds a record (replacing one for the same tuple); recycles the oldest when full.
     *
     * @param withTimestamps the connection had agreed timestamps: {@code recent} is its
     *                       TS.Recent and {@code iss} offsets its TS clock
     */
    void add(final long key, final int snd, final int rcv, final long expires, final boolean withTimestamps,
        final int recent, final int iss) {
        final long existing = index.get(key);
        if (existing != MISSING) {
            remove((int) existing);
        }
        if (freeHead == -1) {
            remove(head);
            recycled++;
        }
        final int slot = freeHead;
        freeHead = next[slot];
        keys[slot] = key;
        sndNxt[slot] = snd;
        rcvNxt[slot] = rcv;
        timestamps[slot] = withTimestamps;
        tsRecent[slot] = recent;
        tsIss[slot] = iss;
        expiresNs[slot] = expires;
        linkTail(slot);
        index.put(key, slot);
        size++;
    }

    /** The slot of the tuple's record, or -1. */
    int find(final long key) {
        return (int) index.get(key);
    }

    int sndNxt(final int slot) {
        return sndNxt[slot];
    }

    int rcvNxt(final int slot) {
        return rcvNxt[slot];
    }

    boolean timestamps(final int slot) {
        return timestamps[slot];
    }

    int tsRecent(final int slot) {
        return tsRecent[slot];
    }

    void tsRecent(final int slot, final int value) {
        tsRecent[slot] = value;
    }

    int tsIss(final int slot) {
        return tsIss[slot];
    }

    /** Restarts the 2×MSL wait of a record (moves it to the tail). */
    void restart(final int slot, final long expires) {
        expiresNs[slot] = expires;
        unlink(slot);
        linkTail(slot);
    }

    void remove(final int slot) {
        index.remove(keys[slot]);
        unlink(slot);
        next[slot] = freeHead;
        freeHead = slot;
        size--;
    }

    /** Removes the records whose wait has ended; returns how many. */
    int expire(final long nowNs, final int limit) {
        int removed = 0;
        while (head != -1 && removed < limit && nowNs - expiresNs[head] >= 0) {
            remove(head);
            removed++;
        }
        return removed;
    }

    /** When the oldest record expires, or Long.MAX_VALUE. */
    long nextDeadlineNs() {
        return head == -1 ? Long.MAX_VALUE : expiresNs[head];
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    long recycled() {
        return recycled;
    }

    /** Visits every record, oldest first: its tuple key and when its wait ends. No allocation. */
    void forEach(final TcpLayer.TimeWaitVisitor visitor) {
        for (int slot = head, n = 0; slot != -1 && n < size; slot = next[slot], n++) {
            visitor.onTimeWait(keys[slot], expiresNs[slot]);
        }
    }

    private void linkTail(final int slot) {
        next[slot] = -1;
        prev[slot] = tail;
        if (tail != -1) {
            next[tail] = slot;
        } else {
            head = slot;
        }
        tail = slot;
    }

    private void unlink(final int slot) {
        final int p = prev[slot];
        final int n = next[slot];
        if (p != -1) {
            next[p] = n;
        } else {
            head = n;
        }
        if (n != -1) {
            prev[n] = p;
        } else {
            tail = p;
        }
    }
}
