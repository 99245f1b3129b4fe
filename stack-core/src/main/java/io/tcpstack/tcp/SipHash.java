package io.tcpstack.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of up to 16 bytes given as two little-endian
 * longs, keyed by 128 bits: the keyed hash behind ISNs (RFC 6528) and ephemeral ports
 * (RFC 6056). No allocation.
 */
final class SipHash {
    private SipHash() {
    }

    /**
     * @param m0     message bytes 0..7, little-endian
     * @param m1     message bytes 8..15, little-endian (only the first {@code length - 8} used)
     * @param length message length in bytes, 8..15
     */
    static long hash(final long k0, final long k1, final long m0, final long m1, final int length) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // first block: m0
        v3 ^= m0;
        for (int i = 0; i < 2; i++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m0;
        // last block: the remaining (length - 8) bytes of m1, and the length in the top byte
        final int rest = length - 8;
        final long mask = rest == 0 ? 0 : (rest >= 8 ? -1L : (1L << (8 * rest)) - 1);
        final long b = ((long) length << 56) | (m1 & mask);
        v3 ^= b;
        for (int i = 0; i < 2; i++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= b;
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
