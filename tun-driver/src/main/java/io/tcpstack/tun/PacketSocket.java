package io.tcpstack.tun;

import java.nio.ByteOrder;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends raw IPv4 packets out of one interface, exactly as given, through an
 * {@code AF_PACKET}/{@code SOCK_DGRAM} socket (packet(7)) opened in a chosen network
 * namespace.
 *
 * <p>Unlike a raw IP socket, a packet socket bypasses the IP layer: the kernel neither
 * fills in nor checks lengths, checksums or addresses. Out of a TUN interface the bytes
 * arrive verbatim at the TUN fd's reader, so tests can inject malformed packets from the
 * kernel side, and a flood generator can send many packets cheaply.
 *
 * <p>Send-only: the socket is opened with protocol 0, which per packet(7) receives
 * nothing (a socket opened with {@code htons(ETH_P_IP)} would queue a copy of every IPv4
 * packet in the namespace until its receive buffer filled). Each packet goes to the
 * interface's index with {@code sll_protocol = htons(ETH_P_IP)} in a
 * {@code struct sockaddr_ll}:
 * <pre>
 *   0  unsigned short sll_family;    AF_PACKET, host order
 *   2  unsigned short sll_protocol;  ETH_P_IP, network order
 *   4  int            sll_ifindex;   host order
 *   8  unsigned short sll_hatype;    0
 *  10  unsigned char  sll_pkttype;   0
 *  11  unsigned char  sll_halen;     0: a TUN has no link-layer address
 *  12  unsigned char  sll_addr[8];
 *  20  (size)
 * </pre>
 *
 * <p>Packets go out with sendmsg(2) (see {@link LibC#sendmsg} for why not sendto(2)) from a
 * {@code struct msghdr} built once: it names the {@code sockaddr_ll} above and one
 * {@code struct iovec} whose base and length {@link #send} sets per packet.
 * <pre>
 *  struct msghdr (LP64, 56 bytes)         struct iovec (16 bytes)
 *   0  void   *msg_name;                   0  void  *iov_base;
 *   8  socklen_t msg_namelen;              8  size_t iov_len;
 *  16  struct iovec *msg_iov;
 *  24  size_t msg_iovlen;                  1
 *  32  void   *msg_control;                NULL
 *  40  size_t msg_controllen;              0
 *  48  int     msg_flags;
 * </pre>
 *
 * <p>{@link #send} allocates nothing and may be called by one thread at a time.
 * The socket is blocking: when its send buffer is full, send waits for the kernel.
 */
public final class PacketSocket implements AutoCloseable {
    /** sizeof(struct sockaddr_ll). */
    static final int SOCKADDR_LL_LENGTH = 20;
    static final int MSGHDR_LENGTH = 56;
    static final int IOVEC_LENGTH = 16;
    private static final int MSGHDR_OFFSET = 0;
    private static final int IOVEC_OFFSET = 64;
    private static final int SOCKADDR_OFFSET = 128;

    private final int fd;
    private final int interfaceIndex;
    private final String interfaceName;
    /** The msghdr, its iovec and the sockaddr_ll, each at its own offset. */
    private final UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(192, 64));
    private boolean closed;

    private PacketSocket(final int fd, final int interfaceIndex, final String interfaceName) {
        this.fd = fd;
        this.interfaceIndex = interfaceIndex;
        this.interfaceName = interfaceName;
        message.setMemory(0, message.capacity(), (byte) 0);
        message.putShort(SOCKADDR_OFFSET, (short) LibC.AF_PACKET, ByteOrder.nativeOrder());
        message.putShort(SOCKADDR_OFFSET + 2, (short) LibC.ETH_P_IP, ByteOrder.BIG_ENDIAN);
        message.putInt(SOCKADDR_OFFSET + 4, interfaceIndex, ByteOrder.nativeOrder());
        final long base = message.addressOffset();
        message.putLong(MSGHDR_OFFSET, base + SOCKADDR_OFFSET, ByteOrder.nativeOrder());
        message.putInt(MSGHDR_OFFSET + 8, SOCKADDR_LL_LENGTH, ByteOrder.nativeOrder());
        message.putLong(MSGHDR_OFFSET + 16, base + IOVEC_OFFSET, ByteOrder.nativeOrder());
        message.putLong(MSGHDR_OFFSET + 24, 1, ByteOrder.nativeOrder());
    }

    /**
     * Opens a packet socket in {@code namespace} ({@code null}: the current one) that sends
     * out of {@code interfaceName}.
     *
     * @throws TunException if the namespace or interface does not exist or permission is missing
     */
    public static PacketSocket open(final String namespace, final String interfaceName) {
        return NetNamespace.inside(namespace, () -> openHere(interfaceName));
    }

    private static PacketSocket openHere(final String interfaceName) {
        final LibC libc = LibC.INSTANCE;
        final int fd = libc.socket(LibC.AF_PACKET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            final int errno = LibC.errno();
            if (errno == LibC.EPERM || errno == LibC.EACCES) {
                throw new TunException("cannot open a packet socket: permission denied. Run as root or grant CAP_NET_RAW.");
            }
            throw new TunException("cannot open a packet socket: " + TunException.describe(errno) + ".");
        }
        try {
            if (interfaceName == null || interfaceName.isEmpty() || interfaceName.length() > InterfaceRequest.MAX_NAME_LENGTH) {
                throw new TunException("invalid interface name '" + interfaceName + "'.");
            }
            final InterfaceRequest ifr = new InterfaceRequest().clear().name(interfaceName);
            if (libc.ioctl(fd, TunDevice.SIOCGIFINDEX, ifr.address()) != 0) {
                throw new TunException("no interface " + interfaceName + " to send on: "
                    + TunException.describe(LibC.errno()) + ".");
            }
            return new PacketSocket(fd, ifr.intValue(), interfaceName);
        } catch (final RuntimeException | Error e) {
            libc.close(fd);
            throw e;
        }
    }

    /**
     * Sends {@code length} bytes at {@code offset} as one IPv4 packet, unchanged.
     *
     * @param buffer backed by native memory (direct or address-wrapping), never a {@code byte[]}
     * @return {@code false} if the kernel had no buffer space (ENOBUFS/EAGAIN)
     * @throws TunException for any other failure (e.g. larger than the MTU, interface down)
     * @throws IllegalArgumentException if the buffer is on the heap or the range is outside it
     */
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        TunLink.checkNative(buffer, offset, length);
        message.putLong(IOVEC_OFFSET, buffer.addressOffset() + offset, ByteOrder.nativeOrder());
        message.putLong(IOVEC_OFFSET + 8, length, ByteOrder.nativeOrder());
        final long sent = LibC.INSTANCE.sendmsg(fd, message.addressOffset() + MSGHDR_OFFSET, 0);
        if (sent >= 0) {
            return true;
        }
        final int errno = LibC.errno();
        if (errno == LibC.ENOBUFS || errno == LibC.EAGAIN) {
            return false;
        }
        throw new TunException("cannot send " + length + " bytes on " + interfaceName + ": "
            + TunException.describe(errno) + ".");
    }

    /** The index of the interface the packets leave by. */
    public int interfaceIndex() {
        return interfaceIndex;
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
