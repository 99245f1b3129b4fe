package io.tcpstack.experiments.synflood;

import java.util.Arrays;
import java.util.SplittableRandom;

import io.tcpstack.wire.IpAddress;

/**
 * Random spoofed sources for the flood, only ever inside one subnet (the namespace's own):
 * every address of the subnet except its network and broadcast addresses and the given
 * real ones (the kernel's, the target's, the legitimate client's), so a spoofed SYN-ACK
 * never reaches a host that would answer it with RST, and nothing leaves the namespace.
 * Ports are 1024..65535, sequence numbers uniform. Seeded: the same seed gives the same
 * flood.
 */
public final class SpoofedSources {
    private final int[] addresses;
    private final SplittableRandom random;

    /**
     * @param subnet       any address in the subnet
     * @param prefixLength 8..30
     * @param excluded     addresses never used as a source
     */
    public SpoofedSources(final int subnet, final int prefixLength, final int[] excluded, final long seed) {
        if (prefixLength < 8 || prefixLength > 30) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range (8..30)");
        }
        final int mask = IpAddress.netmask(prefixLength);
        final int network = subnet & mask;
        final int size = 1 << (32 - prefixLength);
        final int[] sortedExcluded = excluded.clone();
        Arrays.sort(sortedExcluded);
        final int[] all = new int[size - 2];
        int n = 0;
        for (int i = 1; i < size - 1; i++) {
            final int a = network + i;
            if (Arrays.binarySearch(sortedExcluded, a) < 0) {
                all[n++] = a;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no spoofable address left in " + IpAddress.format(network) + "/"
                + prefixLength);
        }
        this.addresses = Arrays.copyOf(all, n);
        this.random = new SplittableRandom(seed);
    }

    /** How many distinct source addresses are drawn from. */
    public int addressCount() {
        return addresses.length;
    }

    /** True if {@code address} may be drawn. */
    public boolean contains(final int address) {
        for (final int a : addresses) {
            if (a == address) {
                return true;
            }
        }
        return false;
    }

    public int nextAddress() {
        return addresses[random.nextInt(addresses.length)];
    }

    public int nextPort() {
        return 1024 + random.nextInt(65536 - 1024);
    }

    public int nextSeq() {
        return random.nextInt();
    }

    public int nextId() {
        return random.nextInt(1 << 16);
    }
}
