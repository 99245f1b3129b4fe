package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey). */
class IsnGeneratorTest {
    /** Key 00 01 .. 0f, as the two little-endian words SipHash reads. */
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    /**
     * SipHash-2-4 reference outputs (the paper's Appendix A / the reference implementation's
     * vectors.h): key 00..0f, message 00 01 .. (n-1), output bytes as printed (little-endian).
     */
    private static final int[][] VECTORS = {
        {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72},
        {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74},
        {0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d},
        {0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85},
        {0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf},
        {0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18},
        {0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb},
        {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab},
        {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93},
        {0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e},
        {0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a},
        {0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4},
        {0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75},
        {0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14},
        {0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7},
        {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1},
    };

    private static long littleEndian(final int[] bytes) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | bytes[i];
        }
        return v;
    }

    @Test
    void sipHash24_paperVectors_8to15Bytes() {
        // Message 00 01 .. 0e 0f as two little-endian words; hash() uses only the first n bytes.
        final long m0 = 0x0706050403020100L;
        final long m1 = 0x0f0e0d0c0b0a0908L;
        for (int n = 8; n <= 15; n++) {
            assertThat(SipHash.hash(K0, K1, m0, m1, n)).as("n = %d", n).isEqualTo(littleEndian(VECTORS[n]));
        }
        // The two most quoted: 8 bytes and the paper's 15-byte example.
        assertThat(SipHash.hash(K0, K1, m0, m1, 8)).isEqualTo(0x93f5f5799a932462L);
        assertThat(SipHash.hash(K0, K1, m0, m1, 15)).isEqualTo(0xa129ca6149be45e5L);
    }

    @Test
    void referenceSipHash_inThisTest_matchesThePaper_0to15Bytes() {
        final byte[] msg = new byte[16];
        for (int i = 0; i < msg.length; i++) {
            msg[i] = (byte) i;
        }
        for (int n = 0; n <= 15; n++) {
            assertThat(referenceSipHash24(K0, K1, msg, n)).as("n = %d", n).isEqualTo(littleEndian(VECTORS[n]));
        }
    }

    @Test
    void sipHash24_matchesTheByteWiseReference_forRandomKeysAndMessages() {
        final Random random = new Random(6528);
        final byte[] msg = new byte[16];
        for (int i = 0; i < 2000; i++) {
            random.nextBytes(msg);
            final long k0 = random.nextLong();
            final long k1 = random.nextLong();
            final int n = 8 + random.nextInt(8);
            final long m0 = wordAt(msg, 0);
            final long m1 = wordAt(msg, 8);
            assertThat(SipHash.hash(k0, k1, m0, m1, n)).isEqualTo(referenceSipHash24(k0, k1, msg, n));
        }
    }

    @Test
    void sameTupleSameTime_sameIsn() {
        final IsnGenerator g = new IsnGenerator(1, 2);
        final int a = g.isn(0x0A000001, 40000, 0x0A000002, 80, 1_000_000);
        assertThat(g.isn(0x0A000001, 40000, 0x0A000002, 80, 1_000_000)).isEqualTo(a);
        assertThat(new IsnGenerator(1, 2).isn(0x0A000001, 40000, 0x0A000002, 80, 1_000_000))
            .as("same key, another instance").isEqualTo(a);
    }

    @Test
    void clockTicksEvery4Microseconds() {
        final IsnGenerator g = new IsnGenerator(1, 2);
        final int a = g.isn(1, 2, 3, 4, 4_000_000);
        assertThat(g.isn(1, 2, 3, 4, 4_000_000 + 3_999)).as("same tick").isEqualTo(a);
        assertThat(g.isn(1, 2, 3, 4, 4_000_000 + 4_000)).isEqualTo(a + 1);
        assertThat(g.isn(1, 2, 3, 4, 4_000_000 + 40_000)).isEqualTo(a + 10);
        assertThat(g.isn(1, 2, 3, 4, 4_000_000 - 1)).isEqualTo(a - 1);
    }

    @Test
    void clockWrapsModulo2pow32() {
        final IsnGenerator g = new IsnGenerator(1, 2);
        final long wrapNs = 4_000L << 32;   // M wraps every 2^32 ticks (about 4.77 hours)
        assertThat(g.isn(1, 2, 3, 4, 123_456_789L + wrapNs)).isEqualTo(g.isn(1, 2, 3, 4, 123_456_789L));
    }

    @Test
    void isn_isTheTickPlusSipHashOfThePacked4Tuple() {
        final long k0 = 0x0123456789abcdefL;
        final long k1 = 0x7edcba9876543210L;
        final IsnGenerator g = new IsnGenerator(k0, k1);
        final int local = 0xC0A80001;
        final int remote = 0x08080808;
        // 12 bytes: local address, remote address (each as a little-endian int), local port,
        // remote port (little-endian 16 bits): any fixed packing will do for F.
        final byte[] msg = {
            0x01, 0x00, (byte) 0xA8, (byte) 0xC0,
            0x08, 0x08, 0x08, 0x08,
            (byte) 0x98, 0x3A,          // 15000
            (byte) 0xBB, 0x01,          // 443
        };
        final long nowNs = 987_654_321_000L;
        final int expected = (int) (nowNs / 4_000) + (int) referenceSipHash24(k0, k1, msg, 12);
        assertThat(g.isn(local, 15000, remote, 443, nowNs)).isEqualTo(expected);
    }

    @Test
    void eachTupleFieldAndTheKey_changeTheIsn() {
        final IsnGenerator g = new IsnGenerator(1, 2);
        final long now = 1_000_000;
        final int a = g.isn(1, 2, 3, 4, now);
        assertThat(g.isn(9, 2, 3, 4, now)).isNotEqualTo(a);
        assertThat(g.isn(1, 9, 3, 4, now)).isNotEqualTo(a);
        assertThat(g.isn(1, 2, 9, 4, now)).isNotEqualTo(a);
        assertThat(g.isn(1, 2, 3, 9, now)).isNotEqualTo(a);
        assertThat(g.isn(3, 4, 1, 2, now)).as("swapped ends").isNotEqualTo(a);
        assertThat(new IsnGenerator(9, 2).isn(1, 2, 3, 4, now)).isNotEqualTo(a);
        assertThat(new IsnGenerator(1, 9).isn(1, 2, 3, 4, now)).isNotEqualTo(a);
    }

    @Test
    void randomKeys_differ() {
        final int a = IsnGenerator.withRandomKey().isn(1, 2, 3, 4, 0);
        final int b = IsnGenerator.withRandomKey().isn(1, 2, 3, 4, 0);
        final int c = IsnGenerator.withRandomKey().isn(1, 2, 3, 4, 0);
        assertThat(a == b && b == c).as("three random keys, one ISN: 2^-64").isFalse();
    }

    @Test
    void isn_allocatesNothing() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "thread allocation counting unsupported");
        final IsnGenerator g = new IsnGenerator(1, 2);
        int sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += g.isn(i, i, i, i, i);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            sink += g.isn(i, 80, ~i, 443, i * 1000L);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes for 100k ISNs (sink %d)", sink).isLessThan(1024);
    }

    private static long wordAt(final byte[] b, final int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    /** SipHash-2-4 over bytes, written straight from the paper (§2), as an independent oracle. */
    static long referenceSipHash24(final long k0, final long k1, final byte[] msg, final int length) {
        final long[] v = {
            k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L,
        };
        final int blocks = length / 8;
        for (int b = 0; b < blocks; b++) {
            final long m = wordAt(msg, 8 * b);
            v[3] ^= m;
            sipRound(v);
            sipRound(v);
            v[0] ^= m;
        }
        long last = (long) (length & 0xFF) << 56;
        for (int i = 0; i < length % 8; i++) {
            last |= (msg[8 * blocks + i] & 0xFFL) << (8 * i);
        }
        v[3] ^= last;
        sipRound(v);
        sipRound(v);
        v[0] ^= last;
        v[2] ^= 0xFF;
        for (int i = 0; i < 4; i++) {
            sipRound(v);
        }
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void sipRound(final long[] v) {
        v[0] += v[1];
        v[1] = Long.rotateLeft(v[1], 13);
        v[1] ^= v[0];
        v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3];
        v[3] = Long.rotateLeft(v[3], 16);
        v[3] ^= v[2];
        v[0] += v[3];
        v[3] = Long.rotateLeft(v[3], 21);
        v[3] ^= v[0];
        v[2] += v[1];
        v[1] = Long.rotateLeft(v[1], 17);
        v[1] ^= v[2];
        v[2] = Long.rotateLeft(v[2], 32);
    }
}
