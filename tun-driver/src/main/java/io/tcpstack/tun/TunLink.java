package io.tcpstack.tun;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.tcpstack.link.FrameHandler;
import io.tcpstack.link.PacketLink;
import io.tcpstack.stats.StackCounters;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A {@link PacketLink} over a {@link TunDevice}.
 *
 * <p><b>Receive.</b> A daemon thread, {@value #READER_THREAD_NAME}, waits in poll(2) (at
 * most {@value #POLL_TIMEOUT_MS} ms, so it notices {@link #close()}) and then reads frames
 * until EAGAIN, at most {@value #MAX_READS_PER_WAKEUP} per wake-up. Each read(2) goes
 * straight into the free space of a {@link FrameRing}, which checks that the largest frame
 * would fit there, then publishes a record of only the bytes read (an 8-byte header, the
 * frame; see {@link FrameRing} for why not Agrona's ring). The reader publishes after a
 * read, or gives the space back on EAGAIN or an error.
 * When the ring is full the reader still reads the frame, into a private scratch buffer,
 * and drops it, counting {@code tun.rx.ring_full}: like a NIC, it never waits for the
 * stack. {@link #poll} hands frames to the stack from the ring's own memory: no copy
 * between read(2) and {@link FrameHandler#onFrame}.
 *
 * <p><b>Send.</b> {@link #send} is one write(2) from the caller's buffer, which must be
 * backed by native memory (a direct {@code ByteBuffer} or an address), since the fd is
 * given a raw address.
 *
 * <p><b>Offloads.</b> With {@link TunConfig#offload()} the TUN is opened with
 * {@code IFF_VNET_HDR} and checksum + TSO4 offloads: every frame read starts with a
 * {@link VirtioNetHeader}, kept in the slot between the length prefix and the packet, and
 * the slot has room for 65535-byte packets whatever the MTU (the kernel then sends GSO
 * packets of up to 64 KiB). {@link #poll} hands the packet over with
 * {@link FrameHandler#CHECKSUM_TRUSTED} when the header says the checksum is partial
 * (NEEDS_CSUM: from the local kernel) or validated (DATA_VALID). The reader counts
 * {@code tun.rx.gso_packets} and {@code tun.rx.csum_partial}. {@link #send} is then one
 * writev(2) of an all-zero header (no checksum to finish, not GSO) and the packet.
 *
 * <p><b>Threads.</b> {@link #poll} and {@link #send} are called by one thread, the stack
 * thread; {@link #close()} by that thread too, once it stops polling. Counters
 * {@code tun.rx.*} are written only by the reader, {@code tun.tx.*} only by the caller of
 * send; give each TunLink its own {@link StackCounters}, or two links would share them.
 *
 * <p><b>Memory.</b> {@link #ringCapacityFor(int)} bytes (plus 384 for the head and
 * padding): 1 MiB at MTU 1500, 8 MiB at MTU 65535, 32 MiB with offloads. Frames take their
 * own size plus 8 bytes, padded to 8: 1 MiB holds 693 frames of 1500 bytes or 14,543 of 60
 * (a SYN); 32 MiB holds 511 of 64 KiB or 418,611 SYNs (each after its 10-byte vnet
 * header). {@link #ringFrameCapacity()} is the worst case, largest frames only.
 *
 * <p>Nothing on the read or write path allocates.
 */
public final class TunLink implements PacketLink {
    /** The reader thread's name. */
    public static final String READER_THREAD_NAME = "tcpstack-tun-reader";
    /** How long the reader waits in poll(2) before checking whether to stop, in ms. */
    public static final int POLL_TIMEOUT_MS = 50;
    /** Most frames the reader reads per poll(2) wake-up, so one wake-up is bounded. */
    public static final int MAX_READS_PER_WAKEUP = 64;
    /** Maximum-size frames the default ring holds at least. */
    static final int MIN_RING_FRAMES = 64;
    /**
     * Maximum-size frames the ring holds at least with offloads. Every slot has room for a
     * 64 KiB packet, but most frames are small (the kernel's ACKs while the stack sends): with
     * 127 slots the reader dropped ACKs (tun.rx.ring_full) in a bulk send, with 511 (32 MiB)
     * it did not.
     */
    static final int MIN_OFFLOAD_RING_FRAMES = 256;
    /** Smallest default ring data capacity. */
    static final int MIN_RING_CAPACITY = 1024 * 1024;
    private static final long CLOSE_JOIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    private final TunDevice device;
    private final int fd;
    private final int mtu;
    /** {@link VirtioNetHeader#LENGTH} with offloads, else 0: bytes before each packet, both ways. */
    private final int vnetLength;
    private final FrameRing ring;
    /** With offloads: iov[0] the vnet header for {@link #send}, iov[1] the packet. */
    private final UnsafeBuffer iov;
    private final UnsafeBuffer sendVnet;
    /** With offloads: the header of a {@link #sendSegmented} packet, rewritten each time. */
    private final UnsafeBuffer gsoVnet;
    private final AtomicCounter txGsoPackets;
    private final AtomicCounter txCsumPartial;
    private final VirtioNetHeader inVnet = new VirtioNetHeader();
    private final FrameRing.Handler onRecord = this::onRecord;
    private final Reader reader;
    private final Thread readerThread;
    private final AtomicCounter txPackets;
    private final AtomicCounter txBytes;
    private final AtomicCounter txDropped;
    private final AtomicCounter txErrors;
    private FrameHandler frameHandler;
    private boolean closed;

    /**
     * Creates the TUN interface as {@code config} says and starts reading it.
     *
     * @param counters where the {@code tun.*} counters are allocated (at start-up, before
     *                 other threads use it)
     * @throws TunException with a one-line message if the interface cannot be set up
     */
    public static TunLink open(final TunConfig config, final StackCounters counters) {
        final TunDevice device = TunDevice.open(config);
        try {
            return new TunLink(device, counters, ringCapacityFor(maxFrameFor(config), config.offload()));
        } catch (final RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    /**
     * Takes over {@code device} (closing this closes it) with a ring of the given data capacity.
     *
     * @param ringCapacity a power of two, room for at least two largest frames
     */
    TunLink(final TunDevice device, final StackCounters counters, final int ringCapacity) {
        this.device = device;
        this.fd = device.fd();
        this.mtu = device.mtu();
        final boolean offload = device.config().offload();
        this.vnetLength = offload ? VirtioNetHeader.LENGTH : 0;
        this.ring = new FrameRing(ringCapacity, vnetLength + maxFrameFor(device.config()));
        this.txPackets = counters.newCounter("tun.tx.packets");
        this.txBytes = counters.newCounter("tun.tx.bytes");
        this.txDropped = counters.newCounter("tun.tx.dropped");
        this.txErrors = counters.newCounter("tun.tx.errors");
        if (offload) {
            this.sendVnet = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 16), 0, VirtioNetHeader.LENGTH);
            VirtioNetHeader.putPlain(sendVnet, 0);
            this.iov = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2 * LibC.IOVEC_LENGTH, 16));
            iov.putLong(0, sendVnet.addressOffset(), ByteOrder.nativeOrder());
            iov.putLong(8, VirtioNetHeader.LENGTH, ByteOrder.nativeOrder());
            this.gsoVnet = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 16), 0, VirtioNetHeader.LENGTH);
            this.txGsoPackets = counters.newCounter("tun.tx.gso_packets");
            this.txCsumPartial = counters.newCounter("tun.tx.csum_partial");
        } else {
            this.sendVnet = null;
            this.iov = null;
            this.gsoVnet = null;
            this.txGsoPackets = null;
            this.txCsumPartial = null;
        }
        this.reader = new Reader(fd, maxFrameFor(device.config()), vnetLength, ring, counters);
        this.readerThread = new Thread(reader, READER_THREAD_NAME);
        readerThread.setDaemon(true);
        readerThread.start();
    }

    /**
     * The ring data capacity {@link #open} uses for an MTU: room for at least
     * {@value #MIN_RING_FRAMES} maximum-size frames and at least 1 MiB, rounded up to a
     * power of two. Agrona's largest message is a eighth of the capacity, which 64 slots
     * always satisfy.
     *
     * @return bytes, not counting the ring's trailer
     */
    public static int ringCapacityFor(final int mtu) {
        return ringCapacityFor(mtu, false);
    }

    /**
     * As {@link #ringCapacityFor(int)}, for frames of up to {@code maxFrame} bytes, each
     * after a {@link VirtioNetHeader} if {@code offload}.
     */
    public static int ringCapacityFor(final int maxFrame, final boolean offload) {
        final int frames = offload ? MIN_OFFLOAD_RING_FRAMES : MIN_RING_FRAMES;
        return BitUtil.findNextPositivePowerOfTwo(
            Math.max(frames * recordLengthFor(maxFrame, offload), MIN_RING_CAPACITY));
    }

    /** Bytes one frame takes in the ring for an MTU: header, length prefix, MTU, aligned. */
    static int recordLengthFor(final int mtu) {
        return recordLengthFor(mtu, false);
    }

    static int recordLengthFor(final int maxFrame, final boolean offload) {
        return FrameRing.recordLength((offload ? VirtioNetHeader.LENGTH : 0) + maxFrame);
    }

    /**
     * The largest packet read: the MTU, or with offloads 65535 whatever the MTU, since the
     * kernel then hands over GSO/GRO packets of up to 64 KiB (an IPv4 datagram's limit).
     */
    static int maxFrameFor(final TunConfig config) {
        return config.offload() ? TunConfig.MAX_MTU : config.mtu();
    }

    /** Frames wait in the ring. */
    @Override
    public boolean hasPending() {
        return ring.hasPending();
    }

    /** The reader thread runs {@code waker} after committing each frame. */
    @Override
    public void onArrival(final Runnable waker) {
        reader.waker = java.util.Objects.requireNonNull(waker, "waker");
    }

    /**
     * Hands up to {@code limit} frames to {@code handler}, each from the ring's memory: the
     * buffer is valid only during the call. Never blocks.
     *
     * @return frames handed over
     */
    @Override
    public int poll(final FrameHandler handler, final int limit) {
        frameHandler = handler;
        try {
            return ring.read(onRecord, limit);
        } finally {
            frameHandler = null;
        }
    }

    private void onRecord(final UnsafeBuffer buffer, final int offset, final int frameLength) {
        if (vnetLength == 0) {
            frameHandler.onFrame(buffer, offset, frameLength);
        } else {
            final boolean trusted = inVnet.wrap(buffer, offset).checksumTrusted();
            frameHandler.onFrame(buffer, offset + vnetLength, frameLength,
                trusted ? FrameHandler.CHECKSUM_TRUSTED : 0);
        }
    }

    /**
     * Writes one packet to the TUN: the kernel receives it as if it arrived on the interface.
     *
     * @param buffer backed by native memory (direct or address-wrapping), never a {@code byte[]}
     * @return {@code false} if the kernel had no room (EAGAIN/ENOBUFS, counted as
     *         {@code tun.tx.dropped}) or refused it (e.g. EINVAL for a first nibble that is not
     *         IP version 4 or 6, counted as {@code tun.tx.errors})
     * @throws IllegalArgumentException if the buffer is on the heap or the range is outside it
     */
    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        checkNative(buffer, offset, length);
        final long written;
        if (vnetLength == 0) {
            written = LibC.INSTANCE.write(fd, buffer.addressOffset() + offset, length);
        } else {
            written = writeWithHeader(sendVnet, buffer, offset, length);
        }
        return sent(written, length);
    }

    /**
     * With offloads, at most 65535 bytes: the kernel segments the packet (TSO4) at
     * {@code segmentPayload} data bytes and finishes each checksum.
     */
    @Override
    public int segmentationMax() {
        return vnetLength == 0 ? 0 : TunConfig.MAX_MTU;
    }

    /**
     * One writev(2) of a vnet header with NEEDS_CSUM (csum_start at the TCP header, offset
     * 16) and GSO_TCPV4 at {@code segmentPayload}, then the packet. Counted as
     * {@code tun.tx.gso_packets} besides the usual {@code tun.tx.*}. A packet with no more
     * data than one segment goes with GSO_NONE: the kernel only finishes its checksum
     * ({@code tun.tx.csum_partial}).
     */
    @Override
    public boolean sendSegmented(final DirectBuffer buffer, final int offset, final int length,
        final int headerLength, final int segmentPayload) {
        if (vnetLength == 0) {
            throw new UnsupportedOperationException("the TUN was opened without offloads");
        }
        checkNative(buffer, offset, length);
        final int ipHeaderLength = (buffer.getByte(offset) & 0x0F) * 4;
        final int gsoSize = segmentPayload > 0 && length - headerLength > segmentPayload ? segmentPayload : 0;
        VirtioNetHeader.putTcpV4(gsoVnet, 0, gsoSize, headerLength, ipHeaderLength, TCP_CHECKSUM_OFFSET);
        final boolean ok = sent(writeWithHeader(gsoVnet, buffer, offset, length), length);
        if (ok) {
            (gsoSize > 0 ? txGsoPackets : txCsumPartial).incrementRelease();
        }
        return ok;
    }

    /** Where the checksum field is in a TCP header (RFC 9293 §3.1). */
    private static final int TCP_CHECKSUM_OFFSET = 16;

    /** @return packet bytes written (the header not counted), or -1 with errno set */
    private long writeWithHeader(final UnsafeBuffer vnet, final DirectBuffer buffer, final int offset,
        final int length) {
        iov.putLong(0, vnet.addressOffset(), ByteOrder.nativeOrder());
        iov.putLong(LibC.IOVEC_LENGTH, buffer.addressOffset() + offset, ByteOrder.nativeOrder());
        iov.putLong(LibC.IOVEC_LENGTH + 8, length, ByteOrder.nativeOrder());
        final long all = LibC.INSTANCE.writev(fd, iov.addressOffset(), 2);
        return all < 0 ? all : all - vnetLength;
    }

    private boolean sent(final long written, final int length) {
        if (written == length) {
            txPackets.incrementRelease();
            txBytes.getAndAddRelease(length);
            return true;
        }
        if (written < 0) {
            final int errno = LibC.errno();
            if (errno == LibC.EAGAIN || errno == LibC.ENOBUFS) {
                txDropped.incrementRelease();
                return false;
            }
        }
        txErrors.incrementRelease(); // an error, or a short write (which a TUN does not do)
        return false;
    }

    static void checkNative(final DirectBuffer buffer, final int offset, final int length) {
        if (buffer.byteArray() != null) {
            throw new IllegalArgumentException("buffer must be backed by native memory, not a byte[]");
        }
        if (offset < 0 || length < 0 || (long) offset + length > buffer.capacity()) {
            throw new IllegalArgumentException("range outside the buffer");
        }
    }

    /** The largest frame in bytes: the interface MTU. */
    @Override
    public int mtu() {
        return mtu;
    }

    /** The interface name as the kernel reports it. */
    public String interfaceName() {
        return device.interfaceName();
    }

    /** The ring's data capacity in bytes (its native memory is this plus a trailer). */
    public int ringCapacity() {
        return ring.capacity();
    }

    /** How many frames the ring holds when the stack does not poll (maximum-size slots). */
    public int ringFrameCapacity() {
        return ring.capacity() / recordLengthFor(maxFrameFor(device.config()), vnetLength != 0);
    }

    /** Whether the TUN was opened with the vnet header and checksum + TSO4 offloads. */
    public boolean offload() {
        return vnetLength != 0;
    }

    /** The reader thread, for tests. */
    Thread readerThread() {
        return readerThread;
    }

    /**
     * Stops the reader (it notices within {@value #POLL_TIMEOUT_MS} ms), waits for it to
     * end, then closes the fd, which deletes the interface. Idempotent. Frames still in the
     * ring are dropped; do not call {@link #poll} or {@link #send} afterwards.
     *
     * @throws IllegalStateException if the reader has not ended within 5 s (the fd is then
     *                               left open rather than closed under a running read)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        reader.stop();
        final long deadlineNs = System.nanoTime() + CLOSE_JOIN_TIMEOUT_NS;
        boolean interrupted = false;
        while (readerThread.isAlive() && deadlineNs - System.nanoTime() > 0) {
            try {
                readerThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime())));
            } catch (final InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (readerThread.isAlive()) {
            throw new IllegalStateException(READER_THREAD_NAME + " did not stop within 5 s");
        }
        closed = true;
        device.close();
    }

    /** The reader thread's loop and its state; all of it is touched by that thread only. */
    private static final class Reader implements Runnable {
        private final int fd;
        /** Largest packet read, without the vnet header. */
        private final int maxFrame;
        private final int vnetLength;
        private final FrameRing ring;
        private final long ringAddress;
        private final UnsafeBuffer pollFd = new UnsafeBuffer(BufferUtil.allocateDirectAligned(LibC.POLLFD_LENGTH, 8));
        private final UnsafeBuffer scratch;
        private final AtomicCounter rxPackets;
        private final AtomicCounter rxBytes;
        private final AtomicCounter rxRingFull;
        private final AtomicCounter rxErrors;
        private final AtomicCounter rxGsoPackets;
        private final AtomicCounter rxChecksumPartial;
        private volatile boolean running = true;
        /** Run after each committed frame (wakes a parked stack thread); set once before use. */
        private volatile Runnable waker = () -> { };

        Reader(final int fd, final int maxFrame, final int vnetLength, final FrameRing ring,
               final StackCounters counters) {
            this.fd = fd;
            this.maxFrame = maxFrame;
            this.vnetLength = vnetLength;
            this.ring = ring;
            this.ringAddress = ring.buffer().addressOffset();
            this.scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitUtil.align(vnetLength + maxFrame, 64), 64));
            this.rxPackets = counters.newCounter("tun.rx.packets");
            this.rxBytes = counters.newCounter("tun.rx.bytes");
            this.rxRingFull = counters.newCounter("tun.rx.ring_full");
            this.rxErrors = counters.newCounter("tun.rx.errors");
            this.rxGsoPackets = vnetLength == 0 ? null : counters.newCounter("tun.rx.gso_packets");
            this.rxChecksumPartial = vnetLength == 0 ? null : counters.newCounter("tun.rx.csum_partial");
            pollFd.putInt(0, fd, ByteOrder.nativeOrder());
            pollFd.putShort(4, LibC.POLLIN, ByteOrder.nativeOrder());
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            final LibC libc = LibC.INSTANCE;
            while (running) {
                pollFd.putShort(6, (short) 0, ByteOrder.nativeOrder());
                final int ready = libc.poll(pollFd.addressOffset(), 1, POLL_TIMEOUT_MS);
                if (ready > 0) {
                    if (!drain(libc)) {
                        backOff();
                    }
                } else if (ready < 0 && LibC.errno() != LibC.EINTR) {
                    rxErrors.incrementRelease();
                    backOff();
                }
            }
        }

        /**
         * Reads until EAGAIN, at most {@link #MAX_READS_PER_WAKEUP} frames.
         *
         * @return {@code false} after an error other than EAGAIN
         */
        private boolean drain(final LibC libc) {
            for (int i = 0; i < MAX_READS_PER_WAKEUP; i++) {
                final int room = vnetLength + maxFrame;
                final int offset = ring.claim();
                if (offset > 0) {
                    final long read = libc.read(fd, ringAddress + offset, room);
                    if (read < 0) {
                        return LibC.errno() == LibC.EAGAIN || countError(); // nothing written
                    }
                    // The kernel reports the whole packet even when it truncated it; a vnet
                    // header comes with every packet.
                    if (read > room || read < vnetLength) {
                        rxErrors.incrementRelease(); // not committed: the bytes are simply overwritten
                        continue;
                    }
                    final long length = read - vnetLength;
                    if (vnetLength != 0) {
                        countOffloads(offset);
                    }
                    ring.commit(offset, (int) read, (int) length);
                    rxPackets.incrementRelease();
                    rxBytes.getAndAddRelease(length);
                    waker.run();
                } else {
                    final long length = libc.read(fd, scratch.addressOffset(), scratch.capacity());
                    if (length < 0) {
                        return LibC.errno() == LibC.EAGAIN || countError();
                    }
                    rxRingFull.incrementRelease();
                }
            }
            return true;
        }

        /** tun.rx.gso_packets: GSO/GRO packets (gso_type not NONE); tun.rx.csum_partial: NEEDS_CSUM. */
        private void countOffloads(final int vnetAt) {
            final MutableDirectBuffer buffer = ring.buffer();
            if (buffer.getByte(vnetAt + VirtioNetHeader.GSO_TYPE) != VirtioNetHeader.GSO_NONE) {
                rxGsoPackets.incrementRelease();
            }
            if ((buffer.getByte(vnetAt + VirtioNetHeader.FLAGS) & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
                rxChecksumPartial.incrementRelease();
            }
        }

        private boolean countError() {
            rxErrors.incrementRelease();
            return false;
        }

        /** After an error that may repeat (e.g. the interface was deleted), do not spin. */
        private static void backOff() {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_TIMEOUT_MS));
        }
    }
}
