package io.tcpstack.wire;

/**
 * IPv4 addresses as big-endian {@code int}s (10.7.0.1 = 0x0A070001), with parsing and
 * formatting for configuration and logs (never on the packet path).
 */
public final class IpAddress {
    private IpAddress() {
    }

    /**
     * Parses dotted-quad notation.
     *
     * @throws IllegalArgumentException with a message naming the bad input
     */
    public static int parse(final String text) {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
        }
        int address = 0;
        for (final String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
            }
            final int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (octet " + octet + " > 255)");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    /** Dotted-quad text of a big-endian int address. */
    public static String format(final int address) {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "."
            + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** The netmask of a prefix length 0..32 (24 → 0xFFFFFF00). */
    public static int netmask(final int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range (0..32)");
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** True if {@code a} and {@code b} lie in the same subnet of that prefix length. */
    public static boolean sameSubnet(final int a, final int b, final int prefixLength) {
        final int mask = netmask(prefixLength);
        return (a & mask) == (b & mask);
    }
}
