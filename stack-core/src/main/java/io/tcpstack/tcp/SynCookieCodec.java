package io.tcpstack.tcp;

import java.util.function.LongSupplier;

/**
 * SYN cookies (RFC 4987 §3.6): the initial sequence number of a SYN-ACK that carries, in
 * 32 bits, what the listener would otherwise keep in a half-open entry, so that the
 * returning ACK (whose acknowledgment number is the cookie + 1) can create the connection
 * with no state kept before.
 *
 * <pre>
 *   bits 31..29  t    a coarse time counter: now / {@link #PERIOD_NS} (64 s), modulo 8
 *   bits 28..27  m    the peer's MSS, as an index into {@link #MSS_CLASSES}
 *   bits 26..0   h    SipHash-2-4(key[t mod 2]; 4-tuple, the peer's ISN, t), low 27 bits
 * </pre>
 *
 * A cookie is valid for the period it was made in and the next (64 to 128 s, as Linux's
 * two minutes). The two keys are random and rotate: the key for parity {@code t mod 2} is
 * drawn afresh when period {@code t} begins, so a cookie older than two periods fails its
 * hash as well as its age. A forged ACK passes with probability 2^-27 per try.
 *
 * <p>What the cookie cannot carry, and is lost for connections it creates: the peer's exact
 * MSS (rounded down to one of four classes), data or FIN on the SYN, and any option the
 * stack does not encode (window scale, SACK-permitted and timestamps, once issue 5 adds
 * them, are to go into the timestamp value as Linux does). No SYN-ACK is retransmitted
 * for a cookie: when it is lost, the client's SYN retransmission gets a new one.
 *
 * <p>Stack thread only; no allocation after construction.
 */
final class SynCookieCodec {
    /** Length of one time step. */
    static final long PERIOD_NS = 64_000_000_000L;
    /** The peer MSS classes (Linux's msstab): a cookie keeps the largest one ≤ the peer's MSS. */
    static final int[] MSS_CLASSES = {536, 1300, 1440, 1460};

    private static final int HASH_BITS = 27;
    private static final int HASH_MASK = (1 << HASH_BITS) - 1;

    /** Outcome of {@link #check}: the decoded MSS (positive), or one of these. */
    static final int INVALID = -1;
    static final int STALE = -2;

    private final LongSupplier random;
    private final long[] k0 = new long[2];
    private final long[] k1 = new long[2];
    /** The period the keys were last rotated for; Long.MIN_VALUE before the first use. */
    private long keyedPeriod = Long.MIN_VALUE;

    /** @param random source of key material (a SecureRandom's nextLong in the stack; fixed in tests) */
    SynCookieCodec(final LongSupplier random) {
        this.random = random;
    }

    /** The cookie for a SYN from the tuple with initial sequence number {@code peerIsn}. */
    int make(final long tupleKey, final int peerIsn, final int peerMss, final long nowNs) {
        final long period = period(nowNs);
        final int t = (int) (period & 7);
        final int m = mssClass(peerMss);
        return (t << 29) | (m << HASH_BITS) | hash(tupleKey, peerIsn, t);
    }

    /**
     * Checks the cookie in an ACK: {@code ack - 1} against the tuple and {@code seq - 1}.
     *
     * @return the MSS the cookie carries, or {@link #STALE} (too old) or {@link #INVALID}
     */
    int check(final long tupleKey, final int cookie, final int peerIsn, final long nowNs) {
        final long period = period(nowNs);
        final int t = cookie >>> 29;
        final int age = (int) ((period - t) & 7);
        if (age > 1) {
            return STALE;
        }
        if ((cookie & HASH_MASK) != hash(tupleKey, peerIsn, t)) {
            return INVALID;
        }
        return MSS_CLASSES[(cookie >>> HASH_BITS) & 3];
    }

    static int mssClass(final int peerMss) {
        int m = 0;
        for (int i = MSS_CLASSES.length - 1; i > 0; i--) {
            if (peerMss >= MSS_CLASSES[i]) {
                m = i;
                break;
            }
        }
        return m;
    }

    /** The period number; rotates the keys when a new period begins. */
    private long period(final long nowNs) {
        final long period = Math.floorDiv(nowNs, PERIOD_NS);
        if (period != keyedPeriod) {
            if (keyedPeriod == Long.MIN_VALUE || period - keyedPeriod >= 2 || period < keyedPeriod) {
                rekey(0);
                rekey(1);
            } else {
                for (long p = keyedPeriod + 1; p <= period; p++) {
                    rekey((int) (p & 1));
                }
            }
            keyedPeriod = period;
        }
        return period;
    }

    private void rekey(final int parity) {
        k0[parity] = random.getAsLong();
        k1[parity] = random.getAsLong();
    }

    private int hash(final long tupleKey, final int peerIsn, final int t) {
        final int parity = t & 1;
        final long m1 = (peerIsn & 0xFFFFFFFFL) | ((long) t << 32);
        return (int) SipHash.hash(k0[parity], k1[parity], tupleKey, m1, 13) & HASH_MASK;
    }
}
