package io.tcpstack.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link Checksum} against golden values (RFC 1071, RFC 1624, Linux captures) and against a
 * plain byte-by-byte reference written here, never against itself.
 */
class ChecksumTest {
    private static final long SEED = Long.getLong("tcpstack.seed", 0x1071_1624L);

    /** 45 00 00 73 ... the classic IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199), checksum b861. */
    private static final byte[] IPV4_HEADER = hex("45000073000040004011b861c0a80001c0a800c7");

    /**
     * ICMP echo request captured on Linux (AF_PACKET on lo) from {@code ping -c 1 -s 24 127.0.0.1}:
     * IPv4 header (checksum ba5e) then the ICMP message (checksum 5f40).
     */
    private static final byte[] ICMP_ECHO_PACKET = hex(
        "45000034826840004001ba5e7f0000017f000001"
            + "08005f400fdb000112a6066b0000000015820e00000000001011121314151617");

    // ---- the reference: RFC 1071 §1 literally, 16-bit big-endian words, byte by byte ----

    /** One's complement sum of big-endian words, the odd last byte padded with zero, folded. */
    private static int referenceSum(final byte[] data, final int offset, final int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            final int hi = data[offset + i] & 0xFF;
            final int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
            while ((sum >>> 16) != 0) {
                sum = (sum & 0xFFFF) + (sum >>> 16); // end-around carry
            }
        }
        return (int) sum;
    }

    private static int reference(final byte[] data, final int offset, final int length) {
        return ~referenceSum(data, offset, length) & 0xFFFF;
    }

    private static byte[] hex(final String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static UnsafeBuffer heap(final byte[] bytes) {
        return new UnsafeBuffer(bytes);
    }

    /** The bytes copied into a direct buffer at {@code offset}, surrounded by 0xA5. */
    private static UnsafeBuffer direct(final byte[] bytes, final int offset) {
        final ByteBuffer bb = BufferUtil.allocateDirectAligned(Math.max(64, offset + bytes.length + 16), 64);
        final UnsafeBuffer buffer = new UnsafeBuffer(bb);
        buffer.setMemory(0, buffer.capacity(), (byte) 0xA5);
        buffer.putBytes(offset, bytes);
        return buffer;
    }

    // ---- golden values ----

    @Test
    void rfc1071Section3NumericExample() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums (with end-around carry) to dd f2.
        final byte[] data = hex("0001f203f4f5f6f7");
        final long sum = Checksum.sum(heap(data), 0, data.length, 0);

        assertThat(~Checksum.finish(sum) & 0xFFFF).isEqualTo(0xDDF2);
        assertThat(Checksum.compute(heap(data), 0, data.length)).isEqualTo(0x220D);
        assertThat(reference(data, 0, data.length)).isEqualTo(0x220D); // the reference agrees with the RFC
    }

    @Test
    void linuxIpv4HeaderVerifiesToZeroAndRecomputesB861() {
        assertThat(IPV4_HEADER).hasSize(20);
        assertThat(Checksum.compute(heap(IPV4_HEADER), 0, 20)).isZero();

        final byte[] zeroed = IPV4_HEADER.clone();
        zeroed[10] = 0;
        zeroed[11] = 0;
        assertThat(Checksum.compute(heap(zeroed), 0, 20)).isEqualTo(0xB861);
        assertThat(Checksum.compute(direct(zeroed, 3), 3, 20)).isEqualTo(0xB861);
    }

    @Test
    void linuxIcmpEchoRequestVerifiesToZero() {
        final UnsafeBuffer packet = heap(ICMP_ECHO_PACKET);
        assertThat(ICMP_ECHO_PACKET).hasSize(52);
        assertThat(Checksum.compute(packet, 0, 20)).as("IPv4 header").isZero();
        assertThat(Checksum.compute(packet, 20, 32)).as("ICMP message").isZero();

        final byte[] zeroed = ICMP_ECHO_PACKET.clone();
        zeroed[22] = 0;
        zeroed[23] = 0;
        assertThat(Checksum.compute(heap(zeroed), 20, 32)).isEqualTo(0x5F40);
        zeroed[10] = 0;
        zeroed[11] = 0;
        assertThat(Checksum.compute(heap(zeroed), 0, 20)).isEqualTo(0xBA5E);
    }

    @Test
    void corruptedHeaderDoesNotVerify() {
        final byte[] corrupted = IPV4_HEADER.clone();
        corrupted[8] ^= 0x01; // TTL 64 -> 65
        assertThat(Checksum.compute(heap(corrupted), 0, 20)).isNotZero();
    }

    // ---- against the reference ----

    @Test
    void oddLengthsPadTheLastByteWithZero() {
        // [ab] alone is the word ab00: checksum ~ab00 = 54ff.
        assertThat(Checksum.compute(heap(hex("ab")), 0, 1)).isEqualTo(0x54FF);
        // 01 02 03 -> 0102 + 0300 = 0402 -> fbfd
        assertThat(Checksum.compute(heap(hex("010203")), 0, 3)).isEqualTo(0xFBFD);
        final byte[] seven = hex("ffffffffffffff");
        assertThat(Checksum.compute(heap(seven), 0, 7)).isEqualTo(reference(seven, 0, 7)).isEqualTo(0x00FF);
    }

    @Test
    void emptyRegionIsFfff() {
        assertThat(Checksum.compute(heap(new byte[8]), 4, 0)).isEqualTo(0xFFFF);
    }

    @Test
    void everyLengthUpTo100AtEveryOffsetUpTo8() {
        final Random random = new Random(SEED);
        for (int length = 0; length <= 100; length++) {
            final byte[] data = new byte[length];
            random.nextBytes(data);
            final int expected = reference(data, 0, length);
            for (int offset = 0; offset < 8; offset++) {
                assertThat(Checksum.compute(direct(data, offset), offset, length))
                    .as("length %d offset %d seed %d", length, offset, SEED)
                    .isEqualTo(expected);
            }
            assertThat(Checksum.compute(heap(data), 0, length)).isEqualTo(expected);
        }
    }

    @Test
    void randomDataUpTo65535BytesAtUnalignedOffsets() {
        final Random random = new Random(SEED);
        for (int round = 0; round < 200; round++) {
            final int length = round == 0 ? 65535 : random.nextInt(65536);
            final int offset = random.nextInt(16);
            final byte[] data = new byte[offset + length];
            random.nextBytes(data);
            assertThat(Checksum.compute(direct(data, 0), offset, length))
                .as("length %d offset %d seed %d", length, offset, SEED)
                .isEqualTo(reference(data, offset, length));
        }
    }

    @Test
    void heapBufferMatchesReferenceAtEveryOffset() {
        final Random random = new Random(SEED + 1);
        final byte[] data = new byte[1600];
        random.nextBytes(data);
        for (int offset = 0; offset < 16; offset++) {
            assertThat(Checksum.compute(heap(data), offset, 1480)).isEqualTo(reference(data, offset, 1480));
        }
    }

    @Test
    void headerChecksumMatchesReferenceForEveryIhlAndOffset() {
        // computeHeader: the IPv4 header path (RFC 791 §3.1), lengths 20..60 in steps of 4.
        final Random random = new Random(SEED + 2);
        for (int length = 20; length <= 60; length += 4) {
            for (int offset = 0; offset < 8; offset++) {
                final byte[] data = new byte[offset + length];
                random.nextBytes(data);
                assertThat(Checksum.computeHeader(direct(data, 0), offset, length))
                    .as("length %d offset %d", length, offset).isEqualTo(reference(data, offset, length));
                assertThat(Checksum.computeHeader(heap(data), offset, length)).isEqualTo(reference(data, offset, length));
            }
        }
        assertThat(Checksum.computeHeader(heap(IPV4_HEADER), 0, 20)).isZero();
    }

    @Test
    void regionBeyondTheBufferIsRejectedNotRead() {
        // One bounds check covers the whole region before the unchecked loads.
        final UnsafeBuffer buffer = direct(new byte[100], 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Checksum.compute(buffer, 8, buffer.capacity()))
            .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void maximumCarriesAllOnesAndAllZeros() {
        final byte[] ones = new byte[65535];
        Arrays.fill(ones, (byte) 0xFF);
        final byte[] zeros = new byte[65535];
        for (int length : new int[] {65535, 65534, 65533, 4096, 31, 32, 33}) {
            assertThat(Checksum.compute(heap(ones), 0, length)).as("ones %d", length)
                .isEqualTo(reference(ones, 0, length));
            assertThat(Checksum.compute(direct(zeros, 1), 1, length)).as("zeros %d", length)
                .isEqualTo(reference(zeros, 0, length))
                .isEqualTo(0xFFFF);
        }
    }

    /**
     * The rotate-and-add fold against the end-around-carry loop of the reference, over the
     * whole 64-bit range: sums whose halves carry, halves of all ones, multiples of 0xFFFF
     * (one's complement -0, which must stay 0xFFFF and never become 0), and random values.
     */
    @Test
    void foldAgreesWithEndAroundCarryOverTheWhole64BitRange() {
        final long[] corners = {0, 1, 0xFFFF, 0x10000, 0x1FFFE, 0xFFFF_FFFFL, 0x1_0000_0000L,
            0xFFFF_0000_FFFFL, 0xFFFF_FFFF_FFFF_FFFFL, 0x8000_0000_0000_0000L, 0xFFFF_FFFF_0000_0001L,
            0x0001_0000_FFFF_0000L, 0xFFFFL * 0xFFFF, 0xFFFFL * 0x1_0001L * 0x1234};
        for (final long sum : corners) {
            assertThat(Checksum.fold(sum)).as("0x%x", sum).isEqualTo(referenceFold(sum));
        }
        final Random random = new Random(SEED);
        for (int i = 0; i < 1_000_000; i++) {
            final long sum = switch (i % 3) {
                case 0 -> random.nextLong();
                case 1 -> random.nextLong() >>> random.nextInt(64);
                default -> 0xFFFFL * (random.nextLong() >>> 17); // multiples of 0xFFFF
            };
            assertThat(Checksum.fold(sum)).as("0x%x", sum).isEqualTo(referenceFold(sum));
        }
    }

    /** RFC 1071 §2(B)'s fold: add the 16-bit pieces, then the carries, until none is left. */
    private static int referenceFold(final long sum) {
        long s = (sum >>> 48) + ((sum >>> 32) & 0xFFFF) + ((sum >>> 16) & 0xFFFF) + (sum & 0xFFFF);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    @Test
    void sumChainedOverTwoRegionsEqualsOnePass() {
        final Random random = new Random(SEED);
        for (int round = 0; round < 500; round++) {
            final int length = random.nextInt(3000);
            final int split = random.nextInt(length / 2 + 1) * 2; // later regions start even
            final byte[] data = new byte[length];
            random.nextBytes(data);
            final UnsafeBuffer buffer = direct(data, 5);
            final long firstPart = Checksum.sum(buffer, 5, split, 0);
            final long both = Checksum.sum(buffer, 5 + split, length - split, firstPart);
            assertThat(Checksum.finish(both)).as("length %d split %d", length, split)
                .isEqualTo(reference(data, 0, length));
        }
    }

    @Test
    void sumOfSeparateBuffersChainsLikeAPseudoHeader() {
        // TCP-style: a 12-byte pseudo-header in one buffer, the segment (odd length) in another.
        final Random random = new Random(SEED);
        final byte[] pseudo = new byte[12];
        final byte[] segment = new byte[1001];
        random.nextBytes(pseudo);
        random.nextBytes(segment);
        final byte[] joined = new byte[pseudo.length + segment.length];
        System.arraycopy(pseudo, 0, joined, 0, 12);
        System.arraycopy(segment, 0, joined, 12, segment.length);

        final long sum = Checksum.sum(heap(pseudo), 0, 12, 0);
        assertThat(Checksum.finish(Checksum.sum(direct(segment, 7), 7, segment.length, sum)))
            .isEqualTo(reference(joined, 0, joined.length));

        // The same pseudo-header built with addInt/addWord.
        final UnsafeBuffer p = heap(pseudo);
        long words = Checksum.addInt(0, p.getInt(0, ByteOrder.BIG_ENDIAN));
        words = Checksum.addInt(words, p.getInt(4, ByteOrder.BIG_ENDIAN));
        words = Checksum.addWord(words, p.getShort(8, ByteOrder.BIG_ENDIAN));
        words = Checksum.addWord(words, p.getShort(10, ByteOrder.BIG_ENDIAN));
        assertThat(Checksum.finish(Checksum.sum(heap(segment), 0, segment.length, words)))
            .isEqualTo(reference(joined, 0, joined.length));
    }

    // ---- RFC 1624 incremental update ----

    @Test
    void rfc1624Section4ExampleEqn3GivesZeroNotMinusZero() {
        // RFC 1624 §4: the other header words sum to 0xCD7A and a field goes 0x5555 -> 0x3285.
        // HC = ~(0xCD7A + 0x5555) = 0xDD2F. Recomputed from scratch, HC' = ~(0xCD7A + 0x3285)
        // = ~0xFFFF = 0x0000. Eqn 2 (RFC 1141) gives 0xFFFF (-0), eqn 3 gives 0x0000.
        final byte[] before = hex("cd7a5555");
        final byte[] after = hex("cd7a3285");
        assertThat(reference(before, 0, 4)).isEqualTo(0xDD2F);
        assertThat(reference(after, 0, 4)).isEqualTo(0x0000);

        assertThat(Checksum.update16(0xDD2F, 0x5555, 0x3285)).isEqualTo(0x0000);
        assertThat(Checksum.update32(0xDD2F, 0xCD7A5555, 0xCD7A3285)).isEqualTo(0x0000);
    }

    @Test
    void unchangedFieldLeavesAZeroChecksumZero() {
        // RFC 1624 erratum 4782 worries that ~(~0x0000 + ~m + m) is 0xFFFF; with the end-around
        // carry it is ~(0xFFFF + 0xFFFF) = ~0xFFFF = 0x0000, as recomputation gives.
        assertThat(Checksum.update16(0x0000, 0x5555, 0x5555)).isEqualTo(0x0000);
        assertThat(Checksum.update32(0x0000, 0x12345555, 0x12345555)).isEqualTo(0x0000);
        assertThat(Checksum.update16(0x1234, 0xABCD, 0xABCD)).isEqualTo(0x1234);
    }

    @Test
    void update16MatchesRecomputationOverRandomEdits() {
        final Random random = new Random(SEED);
        for (int round = 0; round < 20_000; round++) {
            final byte[] data = new byte[4 + 2 * random.nextInt(40)];
            random.nextBytes(data);
            // Never all zero, as no IPv4 header is: only there does eqn 3 (0x0000) differ from
            // recomputation (0xFFFF), RFC 1624 §3. So the first word is fixed and never edited.
            data[0] |= 0x40;
            final int at = 2 + 2 * random.nextInt(data.length / 2 - 1);
            final int checksum = reference(data, 0, data.length);
            final int oldWord = ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
            final int newWord = pickNewWord(random, data, at, round);
            data[at] = (byte) (newWord >>> 8);
            data[at + 1] = (byte) newWord;

            assertThat(Checksum.update16(checksum, oldWord, newWord))
                .as("round %d seed %d", round, SEED)
                .isEqualTo(reference(data, 0, data.length));
        }
    }

    @Test
    void update32MatchesRecomputationOverRandomEdits() {
        final Random random = new Random(SEED);
        for (int round = 0; round < 20_000; round++) {
            final byte[] data = new byte[8 + 4 * random.nextInt(20)];
            random.nextBytes(data);
            data[0] |= 0x40; // never all zero, as in update16MatchesRecomputationOverRandomEdits
            final int at = 4 + 4 * random.nextInt(data.length / 4 - 1);
            final int checksum = reference(data, 0, data.length);
            final UnsafeBuffer view = heap(data);
            final int oldValue = view.getInt(at, ByteOrder.BIG_ENDIAN);
            final int newValue;
            if (round % 4 == 0) {
                // Force the new sum to 0xFFFF (checksum 0x0000): the -0 corner of RFC 1624 §3.
                view.putInt(at, 0, ByteOrder.BIG_ENDIAN);
                final int rest = referenceSum(data, 0, data.length);
                final int word = ~rest & 0xFFFF;
                newValue = round % 8 == 0 ? word : (word << 16); // either half may carry it
            } else {
                newValue = random.nextInt();
            }
            view.putInt(at, newValue, ByteOrder.BIG_ENDIAN);
            final int expected = reference(data, 0, data.length);
            if (round % 4 == 0) {
                assertThat(expected).isZero();
            }

            assertThat(Checksum.update32(checksum, oldValue, newValue))
                .as("round %d seed %d", round, SEED)
                .isEqualTo(expected);
        }
    }

    @Test
    void update16ForcedMinusZeroCornerNeverYieldsFfff() {
        final Random random = new Random(SEED ^ 0x5A5A);
        int corners = 0;
        for (int round = 0; round < 5_000; round++) {
            final byte[] data = new byte[20];
            random.nextBytes(data);
            data[0] = 0x45; // IPv4-like: never all zero
            final int at = 2 * (1 + random.nextInt(9));
            final int checksum = reference(data, 0, data.length);
            final int oldWord = ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
            data[at] = 0;
            data[at + 1] = 0;
            final int newWord = ~referenceSum(data, 0, data.length) & 0xFFFF; // new sum = 0xFFFF
            data[at] = (byte) (newWord >>> 8);
            data[at + 1] = (byte) newWord;
            assertThat(reference(data, 0, data.length)).isZero();

            final int updated = Checksum.update16(checksum, oldWord, newWord);
            assertThat(updated).as("round %d", round).isZero().isNotEqualTo(0xFFFF);
            corners++;
        }
        assertThat(corners).isEqualTo(5_000);
    }

    /** Mostly random; every fifth round, the word that makes the new checksum 0x0000. */
    private static int pickNewWord(final Random random, final byte[] data, final int at, final int round) {
        if (round % 5 != 0) {
            return random.nextInt(0x10000);
        }
        final byte[] copy = data.clone();
        copy[at] = 0;
        copy[at + 1] = 0;
        return ~referenceSum(copy, 0, copy.length) & 0xFFFF;
    }
}
