package io.tcpstack.tcp;

/**
 * Ephemeral port selection per RFC 6056 §3.3.4, "Algorithm 4: Double-Hash Port Selection":
 * the search for a free port starts at offset F(local, remote, remote port, key1) +
 * table[G(...)] (a per-bucket counter that moves on after each use), so each destination
 * sees its own unpredictable, non-repeating sequence. Stack thread only.
 */
public final class EphemeralPorts {
    /** Says whether the 4-tuple with this local port is taken. */
    @FunctionalInterface
    public interface PortInUse {
        boolean test(int port);
    }

    private static final int TABLE_SIZE = 1 << 10;

    private final int low;
    private final int count;
    private final long key0;
    private final long key1;
    private final int[] table = new int[TABLE_SIZE];

    /** Ports in [low, high]; Linux's default range is 32768..60999. */
    public EphemeralPorts(final int low, final int high, final long key0, final long key1) {
        if (low < 1 || high > 65535 || low > high) {
            throw new IllegalArgumentException("port range " + low + ".." + high + " is invalid");
        }
        this.low = low;
        this.count = high - low + 1;
        this.key0 = key0;
        this.key1 = key1;
    }

    /** A free port for this destination, or -1 if every port in the range is in use. */
    public int next(final int localAddress, final int remoteAddress, final int remotePort, final PortInUse inUse) {
        final long m0 = (localAddress & 0xFFFF_FFFFL) | ((long) remoteAddress << 32);
        final long m1 = remotePort & 0xFFFFL;
        final long f = SipHash.hash(key0, key1, m0, m1, 10);
        final int index = (int) (SipHash.hash(key1, key0, m0, m1, 10) & (TABLE_SIZE - 1));
        final int offset = (int) Long.remainderUnsigned(f, count);
        for (int tries = 0; tries < count; tries++) {
            final int port = low + (int) ((offset + Integer.toUnsignedLong(table[index])) % count);
            table[index]++;
            if (!inUse.test(port)) {
                return port;
            }
        }
        return -1;
    }
}
