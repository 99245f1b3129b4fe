package io.tcpstack.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 * sum of the data taken as big-endian 16-bit words.
 *
 * <p>The sum is accumulated 8 bytes at a time into a {@code long}, two 32-bit halves at a
 * time so no carry is lost (RFC 1071 §2(B): the sum is independent of byte order and can
 * be computed over wider words, then folded). Incremental update follows RFC 1624 eqn. 3.
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
        // DirectBuffer.getLong does) made this loop about three times slower.
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset();
        int i = offset;
        final int end = offset + length;
        // Eight bytes at a time in native order, each load split into its two
        // 32-bit halves so no carry is lost; RFC 1071 §2(B): the sum does not depend on byte
        // order, so a little-endian machine swaps the folded result once at the end. Four independent
        // accumulators let the CPU run the additions in parallel; none can overflow (each
        // takes at most 2^14 words of 2^33 for a 64 KiB region).
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        while (end - i >= 32) {
            final long a = UnsafeApi.getLongUnaligned(array, address + i);
            final long b = UnsafeApi.getLongUnaligned(array, address + i + 8);
            final long c = UnsafeApi.getLongUnaligned(array, address + i + 16);
            final long d = UnsafeApi.getLongUnaligned(array, address + i + 24);
            s0 += (a >>> 32) + (a & 0xFFFF_FFFFL);
            s1 += (b >>> 32) + (b & 0xFFFF_FFFFL);
            s2 += (c >>> 32) + (c & 0xFFFF_FFFFL);
            s3 += (d >>> 32) + (d & 0xFFFF_FFFFL);
            i += 32;
        }
        long native64 = s0 + s1 + s2 + s3;
        while (end - i >= 8) {
            final long a = UnsafeApi.getLongUnaligned(array, address + i);
            native64 += (a >>> 32) + (a & 0xFFFF_FFFFL);
            i += 8;
        }
        if (end - i >= 4) {
            native64 += buffer.getInt(i, ByteOrder.nativeOrder()) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (end - i >= 2) {
            native64 += buffer.getShort(i, ByteOrder.nativeOrder()) & 0xFFFFL;
            i += 2;
        }
        if (end - i == 1) {
            // The first byte of a 16-bit word: its low byte in little-endian order.
            native64 += (buffer.getByte(i) & 0xFFL) << (NATIVE_LITTLE_ENDIAN ? 0 : 8);
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
            sum += UnsafeApi.getIntUnaligned(array, address + i) & 0xFFFF_FFFFL;
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

    private static int fold(final long sum) {
        long s = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int) s;
    }
}
