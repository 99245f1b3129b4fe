package io.tcpstack.tun;

import java.nio.ByteOrder;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@code struct ifreq} in native memory, for the interface ioctls (netdevice(7)) and
 * TUNSETIFF (Documentation/networking/tuntap.rst). Reused: {@link #clear()} then set the
 * fields one call needs.
 *
 * <pre>
 *  struct ifreq {                       (include/uapi/linux/if.h; 40 bytes on LP64)
 *    0  char ifr_name[IFNAMSIZ];        IFNAMSIZ = 16, NUL-terminated, so 15 usable
 *   16  union {                         24 bytes: the largest member is struct ifmap
 *         struct sockaddr ifr_addr;     SIOCSIFADDR / SIOCSIFNETMASK (struct sockaddr_in)
 *         short           ifr_flags;    SIOCGIFFLAGS / SIOCSIFFLAGS / TUNSETIFF
 *         int             ifr_mtu;      SIOCSIFMTU
 *         int             ifr_ifindex;  SIOCGIFINDEX
 *         struct ifmap    ifr_map; ...
 *       };
 *  };
 *  struct sockaddr_in {                 (ip(7))
 *   16  sa_family_t sin_family;         AF_INET, host byte order
 *   18  in_port_t   sin_port;           0
 *   20  struct in_addr sin_addr;        network byte order
 *   24  unsigned char sin_zero[8];
 *  };
 * </pre>
 *
 * Not thread-safe: one instance per configuring thread.
 */
final class InterfaceRequest {
    /** sizeof(struct ifreq) on LP64 Linux. */
    static final int LENGTH = 40;
    /** IFNAMSIZ: the name field, including its terminating NUL. */
    static final int NAME_LENGTH = 16;
    /** Longest interface name, in bytes. */
    static final int MAX_NAME_LENGTH = NAME_LENGTH - 1;
    /** Start of the union. */
    static final int UNION_OFFSET = 16;
    static final int SIN_FAMILY_OFFSET = UNION_OFFSET;
    static final int SIN_PORT_OFFSET = UNION_OFFSET + 2;
    static final int SIN_ADDR_OFFSET = UNION_OFFSET + 4;

    private final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8), 0, LENGTH);

    /** Zeroes all 40 bytes. */
    InterfaceRequest clear() {
        buffer.setMemory(0, LENGTH, (byte) 0);
        return this;
    }

    /** Sets {@code ifr_name}; the name must already be valid (ASCII, at most 15 bytes). */
    InterfaceRequest name(final String name) {
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("interface name longer than " + MAX_NAME_LENGTH + ": " + name);
        }
        buffer.setMemory(0, NAME_LENGTH, (byte) 0);
        for (int i = 0; i < name.length(); i++) {
            buffer.putByte(i, (byte) name.charAt(i));
        }
        return this;
    }

    /** {@code ifr_name}, up to its NUL (the kernel writes the real name back after TUNSETIFF). */
    String name() {
        final StringBuilder name = new StringBuilder(MAX_NAME_LENGTH);
        for (int i = 0; i < NAME_LENGTH; i++) {
            final byte b = buffer.getByte(i);
            if (b == 0) {
                break;
            }
            name.append((char) (b & 0xFF));
        }
        return name.toString();
    }

    /** Sets {@code ifr_flags} (a C short, native order). */
    InterfaceRequest flags(final int flags) {
        buffer.putShort(UNION_OFFSET, (short) flags, ByteOrder.nativeOrder());
        return this;
    }

    /** {@code ifr_flags}, widened unsigned. */
    int flags() {
        return buffer.getShort(UNION_OFFSET, ByteOrder.nativeOrder()) & 0xFFFF;
    }

    /** Sets the int member ({@code ifr_mtu}, {@code ifr_ifindex}), native order. */
    InterfaceRequest intValue(final int value) {
        buffer.putInt(UNION_OFFSET, value, ByteOrder.nativeOrder());
        return this;
    }

    /** The int member ({@code ifr_mtu}, {@code ifr_ifindex}). */
    int intValue() {
        return buffer.getInt(UNION_OFFSET, ByteOrder.nativeOrder());
    }

    /**
     * Sets {@code ifr_addr} to an IPv4 {@code sockaddr_in} with port 0.
     *
     * @param address the IPv4 address as an int, most significant byte first (10.0.0.1 = 0x0A000001)
     */
    InterfaceRequest ipv4Address(final int address) {
        buffer.setMemory(UNION_OFFSET, LENGTH - UNION_OFFSET, (byte) 0);
        buffer.putShort(SIN_FAMILY_OFFSET, (short) LibC.AF_INET, ByteOrder.nativeOrder());
        buffer.putShort(SIN_PORT_OFFSET, (short) 0, ByteOrder.BIG_ENDIAN);
        buffer.putInt(SIN_ADDR_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /** The IPv4 address in {@code ifr_addr}, most significant byte first. */
    int ipv4Address() {
        return buffer.getInt(SIN_ADDR_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** The native address to pass to ioctl(2). */
    long address() {
        return buffer.addressOffset();
    }

    /** The bytes, for tests. */
    UnsafeBuffer buffer() {
        return buffer;
    }
}
