package io.tcpstack.tun;

import io.tcpstack.wire.IpAddress;

/**
 * How to create and configure a TUN interface. Checked when built, so a bad value is
 * reported at start-up as one line.
 *
 * @param namespace     the network namespace (a name under {@code /var/run/netns}) to
 *                      create the interface in, or {@code null} for the current one
 * @param interfaceName the interface name, 1..15 bytes of ASCII without '/', ':' or
 *                      whitespace (IFNAMSIZ - 1, see netdevice(7)); a {@code %d} in it
 *                      lets the kernel pick a free number, e.g. {@code tun%d}
 * @param hostAddress   the kernel side's IPv4 address on the interface, as an int, most
 *                      significant byte first (10.0.0.1 = 0x0A000001)
 * @param prefixLength  the subnet prefix length, 1..32; the kernel routes the subnet into
 *                      the TUN
 * @param mtu           the interface MTU in bytes, 68..65535 (RFC 791 minimum to the TUN
 *                      driver's maximum); also the largest frame the link writes, and the
 *                      largest it reads unless {@code offload}
 * @param offload       open the TUN with {@code IFF_VNET_HDR} and ask for checksum and TSO4
 *                      offloads ({@code TUNSETOFFLOAD}): each frame then carries a
 *                      {@link VirtioNetHeader}, and the kernel may hand over (and accept)
 *                      TCP packets of up to 65535 bytes whatever the MTU
 */
public record TunConfig(String namespace, String interfaceName, int hostAddress, int prefixLength, int mtu,
                        boolean offload) {
    /** Smallest MTU IPv4 allows (RFC 791: every host handles 68-byte datagrams unfragmented). */
    public static final int MIN_MTU = 68;
    /** Largest MTU the TUN driver accepts (drivers/net/tun.c: MAX_MTU). */
    public static final int MAX_MTU = 65535;
    /** The MTU when none is asked for. */
    public static final int DEFAULT_MTU = 1500;

    /** @throws TunException if a value is out of range, naming it and the range */
    public TunConfig {
        checkInterfaceName(interfaceName);
        if (namespace != null && (namespace.isEmpty() || namespace.indexOf('/') >= 0
            || namespace.equals(".") || namespace.equals(".."))) {
            throw new TunException("invalid network namespace name '" + namespace + "'.");
        }
        if (prefixLength < 1 || prefixLength > 32) {
            throw new TunException("prefix length " + prefixLength + ": out of range (1..32).");
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw new TunException("--mtu " + mtu + ": out of range (" + MIN_MTU + ".." + MAX_MTU + ").");
        }
    }

    /** Without offloads: one plain IPv4 packet per read(2) and write(2). */
    public TunConfig(final String namespace, final String interfaceName, final int hostAddress,
                     final int prefixLength, final int mtu) {
        this(namespace, interfaceName, hostAddress, prefixLength, mtu, false);
    }

    /** The netmask for {@link #prefixLength}, most significant byte first (/24 = 0xFFFFFF00). */
    public int netmask() {
        return IpAddress.netmask(prefixLength);
    }

    /** e.g. {@code tun0 10.0.0.1/24 mtu 1500 in netns demo}. */
    @Override
    public String toString() {
        return interfaceName + " " + IpAddress.format(hostAddress) + "/" + prefixLength + " mtu " + mtu
            + (offload ? " offload" : "") + (namespace == null ? "" : " in netns " + namespace);
    }

    /** The kernel's rules (net/core/dev.c, dev_valid_name), reported as one line. */
    private static void checkInterfaceName(final String name) {
        if (name == null || name.isEmpty()) {
            throw new TunException("the TUN device name is empty: give one with --tun, e.g. --tun tun0.");
        }
        if (name.length() > InterfaceRequest.MAX_NAME_LENGTH) {
            throw new TunException("TUN device name " + name + " is too long: at most "
                + InterfaceRequest.MAX_NAME_LENGTH + " characters.");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new TunException("TUN device name " + name + " is not allowed: choose another with --tun.");
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == '/' || c == ':') {
                throw new TunException("TUN device name '" + name
                    + "' has an invalid character: use letters, digits, '-', '_' or '.'.");
            }
        }
    }
}
