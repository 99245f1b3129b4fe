package io.tcpstack.tcp;

import java.security.SecureRandom;

/**
 * Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), where M is a timer ticking every 4 µs and F is SipHash-2-4 of
 * the 4-tuple under a key drawn at random once per start. Stack thread only.
 */
public final class IsnGenerator implements IsnSource {
    private static final long TICK_NS = 4_000;
    private final long key0;
    private final long key1;

    public IsnGenerator(final long key0, final long key1) {
        this.key0 = key0;
        this.key1 = key1;
    }

    public static IsnGenerator withRandomKey() {
        final SecureRandom random = new SecureRandom();
        return new IsnGenerator(random.nextLong(), random.nextLong());
    }

    @Override
    public int isn(final int localAddress, final int localPort, final int remoteAddress, final int remotePort,
        final long nowNs) {
        final long m0 = (localAddress & 0xFFFF_FFFFL) | ((long) remoteAddress << 32);
        final long m1 = (localPort & 0xFFFFL) | ((remotePort & 0xFFFFL) << 16);
        final long f = SipHash.hash(key0, key1, m0, m1, 12);
        return (int) (nowNs / TICK_NS) + (int) f;
    }
}
