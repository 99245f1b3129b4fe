package io.tcpstack.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 * sum of the data taken as big-endian 16-bit words.
 *
 * <p>The sum is accumulated as 32-bit words zero-extended into {@code long}s, so no carry is
 * lost (RFC 1071 §2(B): the sum is independent of byte order and can be computed over wider
 * words, then folded). Incremental update follows RFC 1624 eqn. 3.
 */
public final class Checksum {
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Checksum() {
    }

    /**
     * The checksum to store in a header field: computed over a region whose checksum field
     * is zero, or, when verifying, over a region that includes the field (a valid one then
     * yields 0).
     */
    public static int compute(final DirectBuffer buffer, final int offset, final int length) {
        return finish(sum(buffer, offset, length, 0));
    }

    /**
     * Adds {@code length} bytes at {@code offset} to a running sum (for pseudo-headers).
     * Regions after the first must start on an even offset of the logical data.
     *
     * @return the running sum, not yet folded or complemented; feed it to {@link #finish}
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length, final long initial) {
        // One bounds check for the region, then raw loads: a per-load check (what
        // DirectBuffer.getInt does) made this loop about three times slower.
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset();
        int i = offset;
        final int end = offset + length;
        // 32-bit words in native order, zero-extended: RFC 1071 §2(B), the sum does not depend
        // on byte order, so a little-endian machine swaps the folded result once at the end.
        // A 32-bit load zero-extends for free (one load and one add per word), where splitting
        // a 64-bit load into halves costs a shift and a mask as well: 1500 B took 49-68 ns this
        // way against ~85 ns with 8-byte loads (ChecksumBenchmark). Sixteen words per
        // iteration, added in pairs into four independent accumulators so the additions run in
        // parallel; none can overflow (each takes at most 2^13 words of 2^32 for a 64 KiB region).
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        while (end - i >= 64) {
            final long p = address + i;
            s0 += u32(array, p) + u32(array, p + 4);
            s1 += u32(array, p + 8) + u32(array, p + 12);
            s2 += u32(array, p + 16) + u32(array, p + 20);
            s3 += u32(array, p + 24) + u32(array, p + 28);
            s0 += u32(array, p + 32) + u32(array, p + 36);
            s1 += u32(array, p + 40) + u32(array, p + 44);
            s2 += u32(array, p + 48) + u32(array, p + 52);
            s3 += u32(array, p + 56) + u32(array, p + 60);
            i += 64;
        }
        long native64 = s0 + s1 + s2 + s3;
        while (end - i >= 4) {
            native64 += u32(array, address + i);
            i += 4;
        }
        if (end - i >= 2) {
            native64 += UnsafeApi.getShortUnaligned(array, address + i) & 0xFFFFL;
            i += 2;
        }
        if (end - i == 1) {
            // The first byte of a 16-bit word: its low byte in little-endian order.
            native64 += (UnsafeApi.getByte(array, address + i) & 0xFFL) << (NATIVE_LITTLE_ENDIAN ? 0 : 8);
        }
        // Fold the native-order sum to 16 bits, then swap to network order.
        final int folded = fold(native64);
        final int swapped = NATIVE_LITTLE_ENDIAN ? ((folded & 0xFF) << 8) | (folded >>> 8) : folded;
        return initial + swapped;
    }

    /**
     * The checksum of a header of {@code length} bytes, a multiple of 4 (an IPv4 header: RFC 791
     * §3.1), as {@link #compute} but with 4-byte loads and one fold: this runs twice per packet.
     */
    public static int computeHeader(final DirectBuffer buffer, final int offset, final int length) {
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        long sum = 0;
        for (int i = 0; i < length; i += 4) {
            sum += u32(array, address + i);
        }
        final int folded = fold(sum);
        final int swapped = NATIVE_LITTLE_ENDIAN ? ((folded & 0xFF) << 8) | (folded >>> 8) : folded;
        return ~swapped & 0xFFFF;
    }

    /** Adds a big-endian 16-bit word to a running sum. */
    public static long addWord(final long sum, final int word) {
        return sum + (word & 0xFFFF);
    }

    /** Adds a 32-bit value (two big-endian words, e.g. an IPv4 address) to a running sum. */
    public static long addInt(final long sum, final int value) {
        return sum + (value >>> 16) + (value & 0xFFFF);
    }

    /** Folds a running sum to 16 bits and complements it: the value for the header field. */
    public static int finish(final long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes
     * from {@code oldWord} to {@code newWord}: HC' = ~(~HC + ~m + m').
     */
    public static int update16(final int checksum, final int oldWord, final int newWord) {
        final long sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** As {@link #update16}, for a 32-bit field (an address): two words at once. */
    public static int update32(final int checksum, final int oldValue, final int newValue) {
        final long sum = (~checksum & 0xFFFF)
            + (~(oldValue >>> 16) & 0xFFFF) + (~oldValue & 0xFFFF)
            + (newValue >>> 16) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** The 32-bit word at {@code address}, native order, zero-extended. */
    private static long u32(final byte[] array, final long address) {
        return UnsafeApi.getIntUnaligned(array, address) & 0xFFFF_FFFFL;
    }

    /**
     * The one's complement sum of a 64-bit running sum in 16 bits: 0 only for a sum of 0.
     *
     * <p>Adding a word to itself rotated by half its width puts the end-around-carry sum of
     * its two halves in the upper half: the carry out of the lower halves' sum is exactly the
     * end-around carry (RFC 1071 §2(B), deferred carries), and the upper sum cannot carry
     * again once it has taken one. Linux's csum_fold does this for 32 to 16 bits; done twice,
     * 64 to 32 to 16, it is a chain of six operations where masking and adding took twelve.
     */
    static int fold(final long sum) {
        final int s32 = (int) ((sum + Long.rotateRight(sum, 32)) >>> 32);
        return (s32 + Integer.rotateRight(s32, 16)) >>> 16;
    }
}
