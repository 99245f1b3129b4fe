package io.tcpstack.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.wire.IpAddress;

/**
 * A blocking TCP socket for application threads, over a connection that lives on the
 * stack thread: {@link #getInputStream()} and {@link #getOutputStream()} like
 * {@link java.net.Socket}, with read timeouts and half-close. Bytes cross between the
 * threads through two single-producer rings (see {@code SocketBridge}); the stack side
 * takes no locks and never waits.
 *
 * <p>One thread at a time may read, and one at a time may write. Not for the stack thread:
 * its calls would wait for itself.
 */
public final class TcpSocket implements AutoCloseable {
    /** Default size of each of the two rings between the threads. */
    public static final int DEFAULT_RING_BYTES = 256 * 1024;
    private static final long PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Accepted connections, handed from the stack thread to {@link TcpServerSocket#accept}. */
    interface Acceptor {
        boolean offer(SocketBridge bridge);
    }

    private final SocketBridge bridge;
    private final In in = new In();
    private final Out out = new Out();
    private volatile long readTimeoutMs;

    TcpSocket(final SocketBridge bridge) {
        this.bridge = bridge;
    }

    /**
     * Connects to {@code address:port} through the stack and waits for the handshake.
     *
     * @throws ConnectException       if refused (RST) or the handshake timed out
     * @throws SocketTimeoutException if not connected within {@code timeoutMs}
     */
    public static TcpSocket connect(final TcpStack stack, final int address, final int port, final long timeoutMs)
        throws IOException {
        final SocketBridge bridge = new SocketBridge(stack, DEFAULT_RING_BYTES, null);
        bridge.waiter = Thread.currentThread();
        if (!stack.submit(() -> {
            if (stack.connect(address, port, bridge) == null) {
                bridge.closed = CloseReason.ABORTED;
                LockSupport.unpark(bridge.waiter);
            }
        })) {
            throw new SocketException("the stack's task queue is full");
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (!bridge.connected) {
                final CloseReason reason = bridge.closed;
                if (reason != null) {
                    throw new ConnectException("connect to " + IpAddress.format(address) + ":" + port + ": "
                        + (reason == CloseReason.REFUSED ? "connection refused" : reason.name().toLowerCase()));
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    stack.submit(bridge.abortTask);
                    throw new SocketTimeoutException("connect to " + IpAddress.format(address) + ":" + port
                        + ": no answer within " + timeoutMs + " ms");
                }
                LockSupport.parkNanos(bridge, Math.min(left, PARK_NS));
                if (Thread.interrupted()) {
                    stack.submit(bridge.abortTask);
                    throw new InterruptedIOException("interrupted while connecting");
                }
            }
        } finally {
            bridge.waiter = null;
        }
        return new TcpSocket(bridge);
    }

    public InputStream getInputStream() {
        return in;
    }

    public OutputStream getOutputStream() {
        return out;
    }

    /** Read timeout in milliseconds; 0 waits for ever. */
    public void setSoTimeout(final long ms) {
        this.readTimeoutMs = ms;
    }

    /** Half-close: FIN after the bytes already written. Reading goes on. */
    public void shutdownOutput() throws IOException {
        out.flush();
        out.closed = true;
        bridge.stack.submit(bridge.shutdownTask);
    }

    /** The connection as the stack sees it (read it from the stack thread only). */
    public Connection connection() {
        return bridge.connection;
    }

    /** How the connection ended, or null while it is open. */
    public CloseReason closeReason() {
        return bridge.closed;
    }

    /** Closes normally (FIN after pending bytes); unread received bytes are discarded. */
    @Override
    public void close() throws IOException {
        if (!out.closed) {
            shutdownOutput();
        }
        in.closed = true;
        // Discarded, not left unread: the connection waits for its application to read all
        // that arrived before it ends, and the peer for a window that would never reopen.
        bridge.discardInput = true;
        bridge.stack.submit(bridge.resumeTask);
    }

    private void await(final long deadlineNs) throws IOException {
        bridge.waiter = Thread.currentThread();
        try {
            final long left = deadlineNs == 0 ? PARK_NS : deadlineNs - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("read timed out");
            }
            LockSupport.parkNanos(bridge, Math.min(left, PARK_NS));
            if (Thread.interrupted()) {
                throw new InterruptedIOException("interrupted");
            }
        } finally {
            bridge.waiter = null;
        }
    }

    private final class In extends InputStream {
        private final ControlledMessageHandler copy = this::copy;
        private byte[] target;
        private int targetOffset;
        private int targetLength;
        private int copied;
        private int partial;
        volatile boolean closed;

        @Override
        public int read() throws IOException {
            final byte[] one = new byte[1];
            final int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(final byte[] b, final int off, final int len) throws IOException {
            if (closed) {
                throw new SocketException("socket closed");
            }
            if (len == 0) {
                return 0;
            }
            final long timeout = readTimeoutMs;
            final long deadline = timeout == 0 ? 0 : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            while (true) {
                target = b;
                targetOffset = off;
                targetLength = len;
                copied = 0;
                bridge.rx.controlledRead(copy);
                if (copied > 0) {
                    bridge.stack.submit(bridge.resumeTask); // room in the ring: let the stack deliver more
                    return copied;
                }
                // Read the end-of-stream flags before the ring's size: the stack thread writes
                // the last bytes before it sets them, so seeing a flag makes those bytes visible.
                final boolean eof = bridge.peerClosed;
                final CloseReason reason = bridge.closed;
                if (bridge.rx.size() == 0) {
                    if (eof) {
                        return -1;
                    }
                    if (reason != null) {
                        if (reason == CloseReason.NORMAL) {
                            return -1;
                        }
                        throw new SocketException("connection " + reason.name().toLowerCase().replace('_', ' '));
                    }
                }
                await(deadline);
            }
        }

        private ControlledMessageHandler.Action copy(final int type, final MutableDirectBuffer buffer, final int index,
            final int length) {
            final int n = Math.min(length - partial, targetLength - copied);
            buffer.getBytes(index + partial, target, targetOffset + copied, n);
            copied += n;
            if (partial + n < length) {
                partial += n;
                return ControlledMessageHandler.Action.ABORT; // the caller's array is full
            }
            partial = 0;
            return copied == targetLength ? ControlledMessageHandler.Action.BREAK
                : ControlledMessageHandler.Action.CONTINUE;
        }

        @Override
        public int available() {
            return Math.max(0, bridge.rx.size() - 8);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final class Out extends OutputStream {
        private final UnsafeBuffer wrapper = new UnsafeBuffer(new byte[0]);
        volatile boolean closed;

        @Override
        public void write(final int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException {
            if (closed) {
                throw new SocketException("output is shut down");
            }
            wrapper.wrap(b);
            int done = 0;
            final int chunk = Math.min(bridge.tx.maxMsgLength(), 64 * 1024);
            while (done < len) {
                final CloseReason reason = bridge.closed;
                if (reason != null) {
                    throw new SocketException("connection " + reason.name().toLowerCase().replace('_', ' '));
                }
                final int n = Math.min(chunk, len - done);
                if (bridge.tx.write(1, wrapper, off + done, n)) {
                    done += n;
                    bridge.stack.submit(bridge.flushTask);
                } else {
                    bridge.stack.submit(bridge.flushTask);
                    await(0);
                }
            }
        }

        @Override
        public void flush() throws IOException {
            // Bytes are handed to the stack as they are written; wait until it took them all.
            while (bridge.tx.size() > 0 && bridge.closed == null) {
                bridge.stack.submit(bridge.flushTask);
                await(0);
            }
        }

        @Override
        public void close() throws IOException {
            shutdownOutput();
        }
    }
}
