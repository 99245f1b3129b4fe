package io.tcpstack.tcp;

/**
 * Addresses that completed a handshake with us recently: under a SYN flood without cookies,
 * the last quarter of a listener's SYN backlog is kept for them (as Linux's
 * {@code tcp_peer_is_proven} does from its TCP metrics), so a client the stack has talked to
 * still gets in while spoofed sources fill the rest. A direct-mapped cache: a newer address
 * may overwrite an older one in its slot (forgetting a peer only costs it the reserve).
 * Stack thread only; no allocation after construction.
 */
final class ProvenPeers {
    private final int[] address;
    private final long[] seenNs;
    private final int mask;
    private final long forgetNs;

    /** @param slots a power of two; @param forgetNs how long a handshake proves a peer */
    ProvenPeers(final int slots, final long forgetNs) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two");
        }
        this.address = new int[slots];
        this.seenNs = new long[slots];
        this.mask = slots - 1;
        this.forgetNs = forgetNs;
        java.util.Arrays.fill(seenNs, Long.MIN_VALUE);
    }

    void completedHandshake(final int remoteAddress, final long nowNs) {
        final int slot = slot(remoteAddress);
        address[slot] = remoteAddress;
        seenNs[slot] = nowNs;
    }

    boolean isProven(final int remoteAddress, final long nowNs) {
        final int slot = slot(remoteAddress);
        return address[slot] == remoteAddress && seenNs[slot] != Long.MIN_VALUE && nowNs - seenNs[slot] < forgetNs;
    }

    private int slot(final int remoteAddress) {
        return (remoteAddress * 0x9E3779B9 >>> 16 ^ remoteAddress) & mask;
    }
}
