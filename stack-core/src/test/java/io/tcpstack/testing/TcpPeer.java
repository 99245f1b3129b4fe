package io.tcpstack.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The far end of a TCP conversation with the stack in simulated time: sends hand-built
 * segments and returns the stack's answers, parsed (gVisor's packetimpact style).
 */
public final class TcpPeer {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    /** One segment the stack sent. */
    public record Seg(int srcPort, int dstPort, int seq, int ack, int flags, int window, int mss, byte[] data,
        int windowScale, boolean sackPermitted, int[] sack, boolean hasTimestamps, int tsVal, int tsEcr) {
        public boolean has(final int flag) {
            return (flags & flag) != 0;
        }

        public int len() {
            return data.length + (has(SYN) ? 1 : 0) + (has(FIN) ? 1 : 0);
        }

        @Override
        public String toString() {
            final StringBuilder f = new StringBuilder();
            if (has(SYN)) {
                f.append('S');
            }
            if (has(FIN)) {
                f.append('F');
            }
            if (has(RST)) {
                f.append('R');
            }
            if (has(PSH)) {
                f.append('P');
            }
            if (has(ACK)) {
                f.append('.');
            }
            return "Seg[" + f + " seq=" + Integer.toUnsignedString(seq) + " ack=" + Integer.toUnsignedString(ack)
                + " win=" + window + " len=" + data.length + (mss >= 0 ? " mss=" + mss : "") + "]";
        }
    }

    public final StackHarness stack;
    public final int port;
    public final int stackPort;
    public int window = 64240;

    public TcpPeer(final StackHarness stack, final int port, final int stackPort) {
        this.stack = stack;
        this.port = port;
        this.stackPort = stackPort;
    }

    /** Sends one segment and returns everything the stack sent in answer. */
    public List<Seg> send(final int flags, final int seq, final int ack, final byte[] data) {
        return send(flags, seq, ack, new byte[0], data);
    }

    public List<Seg> send(final int flags, final int seq, final int ack, final byte[] options, final byte[] data) {
        stack.inject(TestPackets.tcp(TestPackets.HOST, TestPackets.STACK, port, stackPort, seq, ack, flags, window,
            options, data));
        stack.run();
        return collect();
    }

    /** A SYN with an MSS option. */
    public List<Seg> syn(final int seq, final int mss) {
        final byte[] option = {2, 4, (byte) (mss >>> 8), (byte) mss};
        return send(SYN, seq, 0, option, new byte[0]);
    }

    /** A SYN with MSS and window scale options (RFC 7323 §2.2: NOP, kind 3, length 3, shift). */
    public List<Seg> synWithWindowScale(final int seq, final int mss, final int shift) {
        final byte[] options = {2, 4, (byte) (mss >>> 8), (byte) mss, 1, 3, 3, (byte) shift};
        return send(SYN, seq, 0, options, new byte[0]);
    }

    /** A SYN with MSS and SACK-permitted (RFC 2018 §2). */
    public List<Seg> synWithSack(final int seq, final int mss) {
        final byte[] options = {2, 4, (byte) (mss >>> 8), (byte) mss, 1, 1, 4, 2};
        return send(SYN, seq, 0, options, new byte[0]);
    }

    /** NOP, NOP, timestamps (RFC 7323 §3.2). */
    public static byte[] timestampsOption(final int tsVal, final int tsEcr) {
        return ByteBuffer.allocate(12).put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10).putInt(tsVal)
            .putInt(tsEcr).array();
    }

    /** A SACK option (RFC 2018 §3) with the given [left, right) blocks, NOP-padded. */
    public static byte[] sackOption(final int... edges) {
        final ByteBuffer b = ByteBuffer.allocate(4 + 4 * edges.length);
        b.put((byte) 1).put((byte) 1).put((byte) 5).put((byte) (2 + 4 * edges.length));
        for (final int e : edges) {
            b.putInt(e);
        }
        return b.array();
    }

    /** Everything the stack sent since the last call (TCP only). */
    public List<Seg> collect() {
        final List<Seg> segs = new ArrayList<>();
        for (final byte[] p : stack.collect()) {
            if (p[9] != 6) {
                continue;
            }
            segs.add(parse(p));
        }
        return segs;
    }

    /** Advances simulated time in steps of at most 1 ms, running the stack each step. */
    public List<Seg> advanceMs(final long ms) {
        final List<Seg> segs = new ArrayList<>();
        for (long i = 0; i < ms; i++) {
            stack.advanceNs(1_000_000);
            stack.run();
            segs.addAll(collect());
        }
        return segs;
    }

    public static Seg parse(final byte[] p) {
        final ByteBuffer b = ByteBuffer.wrap(p);
        final int ihl = (p[0] & 0xF) * 4;
        final int total = b.getShort(2) & 0xFFFF;
        final int hl = ((p[ihl + 12] >>> 4) & 0xF) * 4;
        int mss = -1;
        int windowScale = -1;
        boolean sackPermitted = false;
        int[] sack = new int[0];
        boolean hasTs = false;
        int tsVal = 0;
        int tsEcr = 0;
        for (int i = ihl + 20; i < ihl + hl; ) {
            final int kind = p[i] & 0xFF;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            final int len = p[i + 1] & 0xFF;
            if (kind == 2) {
                mss = b.getShort(i + 2) & 0xFFFF;
            } else if (kind == 3) {
                windowScale = p[i + 2] & 0xFF;
            } else if (kind == 8) {
                hasTs = true;
                tsVal = b.getInt(i + 2);
                tsEcr = b.getInt(i + 6);
            } else if (kind == 4) {
                sackPermitted = true;
            } else if (kind == 5) {
                sack = new int[(len - 2) / 4];
                for (int k = 0; k < sack.length; k++) {
                    sack[k] = b.getInt(i + 2 + 4 * k);
                }
            }
            i += len;
        }
        return new Seg(b.getShort(ihl) & 0xFFFF, b.getShort(ihl + 2) & 0xFFFF, b.getInt(ihl + 4), b.getInt(ihl + 8),
            p[ihl + 13] & 0xFF, b.getShort(ihl + 14) & 0xFFFF, mss, Arrays.copyOfRange(p, ihl + hl, total), windowScale,
            sackPermitted, sack, hasTs, tsVal, tsEcr);
    }
}
