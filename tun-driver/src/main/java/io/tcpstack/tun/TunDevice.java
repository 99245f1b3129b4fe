package io.tcpstack.tun;

import io.tcpstack.wire.IpAddress;
/**
 * An open, configured TUN interface: the file descriptor of {@code /dev/net/tun} attached
 * to a named interface, in {@link TunConfig#namespace()} or the current namespace.
 *
 * <p>{@link #open} follows Documentation/networking/tuntap.rst: open {@code /dev/net/tun},
 * then TUNSETIFF with {@code IFF_TUN | IFF_NO_PI}, so each read(2) or write(2) is exactly
 * one raw IPv4 (or IPv6) packet with no packet-information prefix. It then configures the
 * interface from Java with the netdevice(7) ioctls on an {@code AF_INET} datagram socket
 * (no {@code ip} command): MTU, address, netmask, and up. In a namespace it also brings
 * {@code lo} up. The fd is non-blocking: read(2) returns EAGAIN when nothing is queued.
 *
 * <p>The interface is not persistent: {@link #close()} closing the fd deletes it.
 * Opening and closing may happen on any thread; {@link TunLink} does the reading and writing.
 */
public final class TunDevice implements AutoCloseable {
    /** The TUN clone device (Documentation/networking/tuntap.rst, "How to use"). */
    public static final String CLONE_DEVICE = "/dev/net/tun";

    // include/uapi/linux/if_tun.h
    /** TUNSETIFF = _IOW('T', 202, int). */
    static final long TUNSETIFF = 0x400454caL;
    /** Layer-3 tunnel: frames are IP packets. */
    static final int IFF_TUN = 0x0001;
    /** No 4-byte struct tun_pi before each packet. */
    static final int IFF_NO_PI = 0x1000;
    /** A struct virtio_net_hdr before each packet, both ways. */
    static final int IFF_VNET_HDR = 0x4000;
    /** TUNSETOFFLOAD = _IOW('T', 208, unsigned int); the argument is the value, not a pointer. */
    static final long TUNSETOFFLOAD = 0x400454d0L;
    /** TUNSETVNETHDRSZ = _IOW('T', 216, int); the argument points to the size. */
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** Offload flag: we accept packets with partial checksums. */
    static final int TUN_F_CSUM = 0x01;
    /** Offload flag: we accept TCP/IPv4 GSO packets (TSO4). */
    static final int TUN_F_TSO4 = 0x02;

    // include/uapi/linux/sockios.h (netdevice(7))
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final long SIOCSIFADDR = 0x8916;
    static final long SIOCSIFNETMASK = 0x891c;
    static final long SIOCSIFMTU = 0x8922;
    static final long SIOCGIFINDEX = 0x8933;

    // include/uapi/linux/if.h, net_device_flags
    static final int IFF_UP = 0x1;
    /** Maintained by the kernel (netdevice(7) lists it as read-only); asking for it is harmless. */
    static final int IFF_RUNNING = 0x40;

    private final int fd;
    private final String interfaceName;
    private final TunConfig config;
    private boolean closed;

    private TunDevice(final int fd, final String interfaceName, final TunConfig config) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.config = config;
    }

    /**
     * Creates the interface and configures it as {@code config} says.
     *
     * @throws TunException with a one-line message if the device cannot be opened (no
     *                      permission, no TUN driver), the name is busy or invalid, the
     *                      namespace does not exist, or configuration fails; nothing is
     *                      left open then
     */
    public static TunDevice open(final TunConfig config) {
        return NetNamespace.inside(config.namespace(), () -> openHere(config));
    }

    /** The file descriptor (non-blocking). Valid until {@link #close()}. */
    public int fd() {
        return fd;
    }

    /** The interface's name as the kernel reports it (a {@code %d} in the request resolved). */
    public String interfaceName() {
        return interfaceName;
    }

    /** The MTU configured, in bytes. */
    public int mtu() {
        return config.mtu();
    }

    /** What was asked for. */
    public TunConfig config() {
        return config;
    }

    /**
     * Closes the fd, which deletes the interface (and its address and routes). Idempotent.
     * Call only once nothing reads or writes the fd any more.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }

    /** Runs on a thread already in the target namespace. */
    private static TunDevice openHere(final TunConfig config) {
        final LibC libc = LibC.INSTANCE;
        final int fd = libc.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw openFailure(LibC.errno());
        }
        final String requested = config.interfaceName();
        try {
            final int flags = IFF_TUN | IFF_NO_PI | (config.offload() ? IFF_VNET_HDR : 0);
            final InterfaceRequest ifr = new InterfaceRequest().clear().name(requested).flags(flags);
            if (libc.ioctl(fd, TUNSETIFF, ifr.address()) != 0) {
                throw attachFailure(requested, LibC.errno());
            }
            final String name = ifr.name();
            if (config.offload()) {
                enableOffloads(libc, fd, name);
            }
            configure(libc, ifr, name, config);
            return new TunDevice(fd, name, config);
        } catch (final RuntimeException | Error e) {
            libc.close(fd);
            throw e;
        }
    }

    /**
     * Sets the vnet header to {@value VirtioNetHeader#LENGTH} bytes (10 is the default, but set
     * explicitly so the reader never depends on it) and asks for checksum offload and TSO4:
     * the kernel then sends partial checksums and TCP packets of up to 64 KiB, and accepts them.
     */
    private static void enableOffloads(final LibC libc, final int fd, final String name) {
        final org.agrona.concurrent.UnsafeBuffer size =
            new org.agrona.concurrent.UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(8, 8));
        size.putInt(0, VirtioNetHeader.LENGTH, java.nio.ByteOrder.nativeOrder());
        if (libc.ioctl(fd, TUNSETVNETHDRSZ, size.addressOffset()) != 0) {
            throw new TunException("cannot enable offloads on " + name + ": TUNSETVNETHDRSZ failed: "
                + TunException.describe(LibC.errno()) + ". Run with --offload off.");
        }
        if (libc.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) != 0) {
            throw new TunException("cannot enable offloads on " + name + ": TUNSETOFFLOAD failed: "
                + TunException.describe(LibC.errno()) + ". Run with --offload off.");
        }
    }

    private static void configure(final LibC libc, final InterfaceRequest ifr, final String name, final TunConfig config) {
        final int socket = libc.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            throw new TunException("cannot configure " + name + ": socket(AF_INET) failed: "
                + TunException.describe(LibC.errno()) + ".");
        }
        try {
            // MTU before up; SIOCSIFADDR sets a classful mask, so the netmask comes after it.
            ioctl(libc, socket, SIOCSIFMTU, ifr.clear().name(name).intValue(config.mtu()), name, "set MTU " + config.mtu());
            ioctl(libc, socket, SIOCSIFADDR, ifr.clear().name(name).ipv4Address(config.hostAddress()), name,
                "set address " + IpAddress.format(config.hostAddress()));
            ioctl(libc, socket, SIOCSIFNETMASK, ifr.clear().name(name).ipv4Address(config.netmask()), name,
                "set prefix length /" + config.prefixLength());
            bringUp(libc, socket, ifr, name);
            if (config.namespace() != null) {
                bringUp(libc, socket, ifr, "lo");
            }
        } finally {
            libc.close(socket);
        }
    }

    private static void bringUp(final LibC libc, final int socket, final InterfaceRequest ifr, final String name) {
        ioctl(libc, socket, SIOCGIFFLAGS, ifr.clear().name(name), name, "read flags");
        ioctl(libc, socket, SIOCSIFFLAGS, ifr.flags(ifr.flags() | IFF_UP | IFF_RUNNING), name, "bring up");
    }

    private static void ioctl(final LibC libc, final int socket, final long request, final InterfaceRequest ifr,
                              final String name, final String what) {
        if (libc.ioctl(socket, request, ifr.address()) != 0) {
            final int errno = LibC.errno();
            final String hint = errno == LibC.EPERM || errno == LibC.EACCES
                ? ". Run as root or grant CAP_NET_ADMIN."
                : request == SIOCSIFMTU && errno == LibC.EINVAL
                ? " (the MTU range is " + TunConfig.MIN_MTU + ".." + TunConfig.MAX_MTU + ")."
                : ".";
            throw new TunException("cannot configure " + name + ": " + what + " failed: "
                + TunException.describe(errno) + hint);
        }
    }

    static TunException openFailure(final int errno) {
        if (errno == LibC.EACCES || errno == LibC.EPERM) {
            return new TunException("cannot open the TUN device: permission denied. Run as root or grant CAP_NET_ADMIN.");
        }
        if (errno == LibC.ENOENT) {
            return new TunException(CLONE_DEVICE + " does not exist: load the tun module (modprobe tun) "
                + "or run where TUN devices are available.");
        }
        if (errno == LibC.ENODEV || errno == LibC.ENXIO) {
            return new TunException("the TUN driver is not available: load the tun module (modprobe tun) "
                + "or run where TUN devices are available.");
        }
        return new TunException("cannot open the TUN device " + CLONE_DEVICE + ": " + TunException.describe(errno) + ".");
    }

    static TunException attachFailure(final String name, final int errno) {
        if (errno == LibC.EBUSY) {
            return new TunException("TUN device name " + name
                + " is busy: another process holds it; choose another with --tun.");
        }
        if (errno == LibC.EPERM || errno == LibC.EACCES) {
            return new TunException("cannot create TUN device " + name
                + ": permission denied. Run as root or grant CAP_NET_ADMIN.");
        }
        if (errno == LibC.EINVAL) {
            return new TunException("cannot create TUN device " + name
                + ": an interface of that name exists and is not a TUN device; choose another with --tun.");
        }
        return new TunException("cannot create TUN device " + name + ": " + TunException.describe(errno) + ".");
    }
}
