package io.tcpstack.experiments.synflood;

import java.nio.ByteOrder;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.tun.LibC;
import io.tcpstack.tun.NetNamespace;
import io.tcpstack.tun.TunException;

/**
 * A raw IPv4 socket ({@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)}, raw(7)) opened in a
 * chosen network namespace: it sends complete IPv4 datagrams whose header the caller wrote,
 * spoofed source included ({@code IPPROTO_RAW} implies {@code IP_HDRINCL}; the kernel
 * fills in only the total length and the header checksum). The kernel routes each datagram
 * by its destination as it would its own, so the same sender works out of a TUN (the stack,
 * gVisor) and over a veth pair (the Linux kernel), where a packet socket on the TUN would
 * not (a veth needs a link-layer header). Send-only: an {@code IPPROTO_RAW} socket receives
 * nothing.
 *
 * <p>Packets go out with sendmsg(2) (jnr-ffi mangles a sixth argument; see
 * {@link LibC#sendmsg}) from a {@code struct msghdr} built once, naming a
 * {@code struct sockaddr_in} with the destination and one {@code struct iovec}:
 * <pre>
 *  sockaddr_in (16 bytes): 0 sin_family AF_INET (host order), 2 sin_port 0, 4 sin_addr (network order)
 * </pre>
 *
 * <p>{@link #send} allocates nothing; one thread at a time. Blocking socket.
 */
public final class RawIpSocket implements AutoCloseable {
    private static final int SOCK_RAW = 3;
    private static final int IPPROTO_RAW = 255;
    private static final int MSGHDR_OFFSET = 0;
    private static final int IOVEC_OFFSET = 64;
    private static final int SOCKADDR_OFFSET = 128;
    private static final int SOCKADDR_IN_LENGTH = 16;

    private final int fd;
    private final UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(192, 64));
    private int destination;
    private boolean closed;

    private RawIpSocket(final int fd) {
        this.fd = fd;
        message.setMemory(0, message.capacity(), (byte) 0);
        message.putShort(SOCKADDR_OFFSET, (short) LibC.AF_INET, ByteOrder.nativeOrder());
        final long base = message.addressOffset();
        message.putLong(MSGHDR_OFFSET, base + SOCKADDR_OFFSET, ByteOrder.nativeOrder());
        message.putInt(MSGHDR_OFFSET + 8, SOCKADDR_IN_LENGTH, ByteOrder.nativeOrder());
        message.putLong(MSGHDR_OFFSET + 16, base + IOVEC_OFFSET, ByteOrder.nativeOrder());
        message.putLong(MSGHDR_OFFSET + 24, 1, ByteOrder.nativeOrder());
    }

    /**
     * Opens the socket in {@code namespace} ({@code null}: the current one).
     *
     * @throws TunException if the namespace cannot be entered or the socket not opened
     */
    public static RawIpSocket open(final String namespace) {
        return NetNamespace.inside(namespace, () -> {
            final int fd = LibC.INSTANCE.socket(LibC.AF_INET, SOCK_RAW | LibC.SOCK_CLOEXEC, IPPROTO_RAW);
            if (fd < 0) {
                final int errno = LibC.errno();
                if (errno == LibC.EPERM || errno == LibC.EACCES) {
                    throw new TunException("cannot open a raw IP socket: permission denied. Run as root or grant CAP_NET_RAW.");
                }
                throw new TunException("cannot open a raw IP socket: errno " + errno + ".");
            }
            return new RawIpSocket(fd);
        });
    }

    /**
     * Sends one complete IPv4 datagram to {@code destination} (normally the header's own).
     *
     * @param buffer backed by native memory (direct or address-wrapping)
     * @return {@code false} if the kernel had no room (ENOBUFS, EAGAIN): the packet is lost
     * @throws TunException on any other failure
     */
    public boolean send(final DirectBuffer buffer, final int offset, final int length, final int destinationAddress) {
        if (buffer.byteArray() != null) {
            throw new IllegalArgumentException("the buffer must be native memory");
        }
        if (destinationAddress != destination) {
            message.putInt(SOCKADDR_OFFSET + 4, destinationAddress, ByteOrder.BIG_ENDIAN);
            destination = destinationAddress;
        }
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
        throw new TunException("cannot send a raw IPv4 datagram: errno " + errno + ".");
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
