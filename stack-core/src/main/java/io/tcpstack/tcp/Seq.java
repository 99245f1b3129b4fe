package io.tcpstack.tcp;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): numbers are {@code int}s and are
 * compared by the sign of their difference, never by a bare {@code <}.
 */
public final class Seq {
    private Seq() {
    }

    /** a before b. */
    public static boolean lt(final int a, final int b) {
        return a - b < 0;
    }

    public static boolean le(final int a, final int b) {
        return a - b <= 0;
    }

    public static boolean gt(final int a, final int b) {
        return a - b > 0;
    }

    public static boolean ge(final int a, final int b) {
        return a - b >= 0;
    }

    public static int max(final int a, final int b) {
        return gt(a, b) ? a : b;
    }

    public static int min(final int a, final int b) {
        return lt(a, b) ? a : b;
    }

    /** a - b as a signed distance. */
    public static int diff(final int a, final int b) {
        return a - b;
    }

    /** seq in [start, start + len) modulo 2^32; false for len 0. */
    public static boolean inWindow(final int seq, final int start, final int len) {
        return Integer.compareUnsigned(seq - start, len) < 0;
    }
}
