package io.tcpstack.tun;

import jnr.constants.platform.Errno;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int64_t;

/**
 * The few libc calls the TUN driver needs, bound with jnr-ffi.
 *
 * <p>Every memory argument is a raw native address ({@code long}), e.g.
 * {@code buffer.addressOffset() + index} of an Agrona {@code UnsafeBuffer} over direct
 * memory. With only primitive parameters jnr-ffi's generated stubs call straight into
 * jffi without marshalling, so {@link #read} and {@link #write} allocate nothing per call.
 * The caller must keep the memory behind an address alive for the duration of the call.
 *
 * <p>jnr-posix is not used for these: its {@code read}/{@code write} take
 * {@code ByteBuffer}s or arrays, not addresses, and it has no {@code poll}, {@code setns},
 * {@code socket}, {@code sendmsg} or pointer-taking {@code ioctl}. One binding keeps one
 * {@code errno} source: after a call returns -1, read {@link #errno()} on the same thread
 * before making another native call.
 *
 * <p>Constants are the Linux values, identical on x86-64 and aarch64 (asm-generic); the
 * header each comes from is named beside it. Thread-safe: every method is a plain libc call.
 */
public interface LibC {
    /** The bound library, loaded once. */
    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    /** The jnr runtime that holds the per-thread saved {@code errno}. */
    Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

    // <asm-generic/fcntl.h>
    /** open(2): read only. */
    int O_RDONLY = 0;
    /** open(2): read and write. */
    int O_RDWR = 2;
    /** open(2): non-blocking I/O; read(2) returns EAGAIN when no frame is queued. */
    int O_NONBLOCK = 0x800;
    /** open(2): close on exec, so a child process never inherits the TUN fd. */
    int O_CLOEXEC = 0x80000;

    // <sys/socket.h>, <linux/if_packet.h>, <linux/if_ether.h>
    /** socket(2) domain: IPv4. */
    int AF_INET = 2;
    /** socket(2) domain: packet sockets, packet(7). */
    int AF_PACKET = 17;
    /** socket(2) type: datagram (for packet(7): no link-layer header). */
    int SOCK_DGRAM = 2;
    /** socket(2) type flag: close on exec. */
    int SOCK_CLOEXEC = 0x80000;
    /** Ethernet protocol id of IPv4, host order (network order on the wire). */
    int ETH_P_IP = 0x0800;

    // <sched.h>, setns(2)
    /** setns(2): join a network namespace. */
    int CLONE_NEWNET = 0x40000000;

    // <poll.h>, poll(2)
    /** poll(2): data to read. */
    short POLLIN = 0x1;
    /** Size of {@code struct pollfd { int fd; short events; short revents; }}. */
    int POLLFD_LENGTH = 8;

    // errno values, from jnr-constants (comes with jnr-posix) so they match the platform
    /** Try again: nothing to read on a non-blocking fd, or no room to write. */
    int EAGAIN = Errno.EAGAIN.intValue();
    /** Interrupted by a signal before anything happened. */
    int EINTR = Errno.EINTR.intValue();
    /** No buffer space: the kernel dropped the packet. */
    int ENOBUFS = Errno.ENOBUFS.intValue();
    /** Device or resource busy. */
    int EBUSY = Errno.EBUSY.intValue();
    /** Operation not permitted (missing capability). */
    int EPERM = Errno.EPERM.intValue();
    /** Permission denied (file mode). */
    int EACCES = Errno.EACCES.intValue();
    /** No such file or directory. */
    int ENOENT = Errno.ENOENT.intValue();
    /** No such device (driver not loaded, or interface gone). */
    int ENODEV = Errno.ENODEV.intValue();
    /** No such device or address (driver not loaded). */
    int ENXIO = Errno.ENXIO.intValue();
    /** Invalid argument. */
    int EINVAL = Errno.EINVAL.intValue();

    /**
     * open(2).
     *
     * @return a file descriptor, or -1 with {@link #errno()} set
     */
    int open(String path, int flags);

    /** close(2). @return 0, or -1 with {@link #errno()} set */
    int close(int fd);

    /**
     * read(2) into native memory.
     *
     * @param address where the bytes go
     * @param count   room at {@code address}, in bytes
     * @return bytes read, or -1 with {@link #errno()} set (EAGAIN on an empty non-blocking fd)
     */
    @ssize_t long read(int fd, @intptr_t long address, @size_t long count);

    /**
     * write(2) from native memory.
     *
     * @return bytes written, or -1 with {@link #errno()} set
     */
    @ssize_t long write(int fd, @intptr_t long address, @size_t long count);

    /**
     * writev(2): one write of the {@code iovcnt} pieces described by the {@code struct iovec}
     * array at {@code iovAddress} ({@link #IOVEC_LENGTH} bytes each: base address, length).
     *
     * @return bytes written, or -1 with {@link #errno()} set
     */
    @ssize_t long writev(int fd, @intptr_t long iovAddress, int iovcnt);

    /** Size of {@code struct iovec { void *iov_base; size_t iov_len; }} on LP64. */
    int IOVEC_LENGTH = 16;

    /**
     * ioctl(2) whose argument is a pointer (e.g. to a {@code struct ifreq}) or, for the
     * requests that take one (TUNSETOFFLOAD), an integer value.
     *
     * @return usually 0, or -1 with {@link #errno()} set
     */
    int ioctl(int fd, @u_int64_t long request, @intptr_t long argAddress);

    /**
     * poll(2).
     *
     * @param fdsAddress array of {@code struct pollfd} ({@link #POLLFD_LENGTH} bytes each)
     * @param timeoutMs  milliseconds to wait; 0 returns at once, -1 waits forever
     * @return number of ready descriptors, 0 on timeout, or -1 with {@link #errno()} set
     */
    int poll(@intptr_t long fdsAddress, @u_int64_t long nfds, int timeoutMs);

    /**
     * setns(2): moves the calling thread (only) into the namespace {@code fd} refers to.
     *
     * @return 0, or -1 with {@link #errno()} set
     */
    int setns(int fd, int nstype);

    /**
     * signal(2) with a raw handler value; used only to reset a signal to {@code SIG_DFL} (0),
     * see {@code io.tcpstack.cli.Signals}.
     *
     * @return the previous handler, or -1 ({@code SIG_ERR})
     */
    @intptr_t long signal(int signum, @intptr_t long handler);

    /** socket(2). @return a file descriptor, or -1 with {@link #errno()} set */
    int socket(int domain, int type, int protocol);

    /**
     * sendmsg(2) of the message described by the {@code struct msghdr} at {@code msghdrAddress}.
     *
     * <p>Used instead of sendto(2): jnr-ffi corrupts the sixth argument of a call
     * (jnr/jnr-ffi issue #181; seen here with 2.2.17 on x86-64: sendto's address length
     * arrived as garbage and the kernel answered EINVAL). Every binding here has at most
     * five arguments for that reason.
     *
     * @return bytes sent, or -1 with {@link #errno()} set
     */
    @ssize_t long sendmsg(int fd, @intptr_t long msghdrAddress, int flags);

    /** The {@code errno} saved by the last native call on this thread. Allocation-free. */
    static int errno() {
        return LastError.getLastError(RUNTIME);
    }
}
