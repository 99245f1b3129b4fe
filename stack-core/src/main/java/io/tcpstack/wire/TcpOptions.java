package io.tcpstack.wire;

import org.agrona.DirectBuffer;

/**
 * Parses the options of one TCP segment (RFC 9293 §3.1, §3.2): kind 0 ends the list,
 * kind 1 is a one-byte NOP, every other kind has a length byte counting kind and length.
 * The MSS option (kind 2, length 4), window scale (kind 3, length 3, RFC 7323 §2.2),
 * SACK-permitted (kind 4) and SACK (kind 5, RFC 2018 §2-3) are read; every other known or
 * unknown kind is skipped
 * by its length (RFC 9293 §3.1: a TCP MUST ignore options it does not implement). A
 * length below 2 or running past the header makes the segment malformed. Reusable.
 */
public final class TcpOptions {
    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;
    /** Length of the timestamps option (RFC 7323 §3.2). */
    public static final int TIMESTAMPS_LENGTH = 10;
    /** Most SACK blocks an option can carry (RFC 2018 §3: 40 bytes of options). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** Length of the MSS option as we send it. */
    public static final int MSS_LENGTH = 4;
    /** Length of the window scale option (RFC 7323 §2.2). */
    public static final int WINDOW_SCALE_LENGTH = 3;

    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestamps;
    private int tsVal;
    private int tsEcr;
    private int sackBlocks;
    private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[MAX_SACK_BLOCKS];

    /**
     * Parses {@code length} option bytes at {@code at}.
     *
     * @return false if the options are malformed (bad length), in which case the segment is dropped
     */
    public boolean parse(final DirectBuffer buffer, final int at, final int length) {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        sackBlocks = 0;
        timestamps = false;
        final int end = at + length;
        int i = at;
        while (i < end) {
            final int kind = buffer.getByte(i) & 0xFF;
            if (kind == KIND_END) {
                return true;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return false;
            }
            final int optionLength = buffer.getByte(i + 1) & 0xFF;
            if (optionLength < 2 || i + optionLength > end) {
                return false;
            }
            if (kind == KIND_MSS) {
                if (optionLength != MSS_LENGTH) {
                    return false;
                }
                mss = buffer.getShort(i + 2, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
            } else if (kind == KIND_WINDOW_SCALE) {
                if (optionLength != WINDOW_SCALE_LENGTH) {
                    return false;
                }
                windowScale = buffer.getByte(i + 2) & 0xFF;
            } else if (kind == KIND_TIMESTAMPS) {
                if (optionLength != TIMESTAMPS_LENGTH) {
                    return false;
                }
                timestamps = true;
                tsVal = buffer.getInt(i + 2, java.nio.ByteOrder.BIG_ENDIAN);
                tsEcr = buffer.getInt(i + 6, java.nio.ByteOrder.BIG_ENDIAN);
            } else if (kind == KIND_SACK_PERMITTED) {
                if (optionLength != 2) {
                    return false;
                }
                sackPermitted = true;
            } else if (kind == KIND_SACK) {
                // RFC 2018 §3: 8 bytes per block, at least one, at most four.
                final int n = (optionLength - 2) / 8;
                if ((optionLength - 2) % 8 != 0 || n < 1 || n > MAX_SACK_BLOCKS) {
                    return false;
                }
                for (int b = 0; b < n; b++) {
                    sackLeft[b] = buffer.getInt(i + 2 + 8 * b, java.nio.ByteOrder.BIG_ENDIAN);
                    sackRight[b] = buffer.getInt(i + 6 + 8 * b, java.nio.ByteOrder.BIG_ENDIAN);
                }
                sackBlocks = n;
            }
            i += optionLength;
        }
        return true;
    }

    /** The shift count of a window scale option (RFC 7323 §2), or -1 if there was none. */
    public int windowScale() {
        return windowScale;
    }

    /** The segment carried the timestamps option (RFC 7323 §3). */
    public boolean hasTimestamps() {
        return timestamps;
    }

    /** TSval: the sender's timestamp clock. */
    public int tsVal() {
        return tsVal;
    }

    /** TSecr: the timestamp echoed back. */
    public int tsEcr() {
        return tsEcr;
    }

    /** The SYN carried SACK-permitted (RFC 2018 §2). */
    public boolean sackPermitted() {
        return sackPermitted;
    }

    /** SACK blocks in the segment (RFC 2018 §3), 0..4. */
    public int sackBlocks() {
        return sackBlocks;
    }

    /** Left edge (first sequence number) of block {@code i}. */
    public int sackLeft(final int i) {
        return sackLeft[i];
    }

    /** Right edge (sequence number after the last byte) of block {@code i}. */
    public int sackRight(final int i) {
        return sackRight[i];
    }

    /** The peer's maximum segment size, or -1 if the segment carried no MSS option. */
    public int mss() {
        return mss;
    }
}
