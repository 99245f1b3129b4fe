package io.tcpstack.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 * sum of the data taken as big-endian 16-bit words.
 *
 * <p>The sum is accumulated 8 bytes at a time into a {@code long}, two 32-bit halves at a
 * time so no carry is lost (RFC 1071 §2(B): the sum is independent of byte order and can
 * be computed over wider words, then folded). Incremental update follows RFC 1624 eqn. 3.
 */
public final class Checksum {
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
        long acc = initial;
        int i = offset;
        final int end = offset + length;
        // Eight bytes at a time; native (little-endian) loads. RFC 1071 §2(B): byte order
        // independence lets us sum in native order and swap the folded result once.
        long native64 = 0;
        while (end - i >= 32) {
            final long a = buffer.getLong(i, ByteOrder.LITTLE_ENDIAN);
            final long b = buffer.getLong(i + 8, ByteOrder.LITTLE_ENDIAN);
            final long c = buffer.getLong(i + 16, ByteOrder.LITTLE_ENDIAN);
            final long d = buffer.getLong(i + 24, ByteOrder.LITTLE_ENDIAN);
            native64 += (a >>> 32) + (a & 0xFFFF_FFFFL)
                + (b >>> 32) + (b & 0xFFFF_FFFFL)
                + (c >>> 32) + (c & 0xFFFF_FFFFL)
                + (d >>> 32) + (d & 0xFFFF_FFFFL);
            i += 32;
        }
        while (end - i >= 8) {
            final long a = buffer.getLong(i, ByteOrder.LITTLE_ENDIAN);
            native64 += (a >>> 32) + (a & 0xFFFF_FFFFL);
            i += 8;
        }
        if (end - i >= 4) {
            native64 += buffer.getInt(i, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (end - i >= 2) {
            native64 += buffer.getShort(i, ByteOrder.LITTLE_ENDIAN) & 0xFFFFL;
            i += 2;
        }
        if (end - i == 1) {
            native64 += buffer.getByte(i) & 0xFFL; // low byte in little-endian = first byte of the word
        }
        // Fold the native-order sum to 16 bits, then swap to network order.
        final int folded = fold(native64);
        acc += ((folded & 0xFF) << 8) | (folded >>> 8);
        return acc;
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
