package io.tcpstack.api;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import io.tcpstack.tcp.Listener;

/**
 * A blocking listener for application threads: {@link #accept} returns connections the
 * stack thread completed. The queue between them is the listener's accept queue: its depth
 * is reported to the stack thread, which, when it is full, drops a completing ACK (the
 * client retries) or answers RST, as {@link StackConfig#resetOnAcceptOverflow()} says.
 * Stack side lock-free.
 */
public final class TcpServerSocket implements AutoCloseable {
    private static final long PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private final TcpStack stack;
    private final ManyToOneConcurrentArrayQueue<SocketBridge> accepted;
    private volatile Thread waiter;
    private volatile Listener listener;
    private volatile long acceptQueueDrops;

    private TcpServerSocket(final TcpStack stack, final int acceptBacklog) {
        this.stack = stack;
        this.accepted = new ManyToOneConcurrentArrayQueue<>(acceptBacklog);
    }

    /**
     * Listens on {@code port}. Waits until the stack thread has registered the listener.
     *
     * @param backlog the accept queue's bound (the SYN backlog is the stack's configured one)
     */
    public static TcpServerSocket listen(final TcpStack stack, final int port, final int backlog) throws IOException {
        final TcpServerSocket server = new TcpServerSocket(stack, backlog);
        final TcpSocket.Acceptor acceptor = bridge -> {
            final boolean ok = server.accepted.offer(bridge);
            if (!ok) {
                server.acceptQueueDrops++;
            }
            final Thread t = server.waiter;
            if (t != null) {
                LockSupport.unpark(t);
            }
            return ok;
        };
        final CompletableFuture<Void> registered = new CompletableFuture<>();
        stack.submit(() -> {
            try {
                final Listener l = stack.listen(port, backlog,
                    () -> new SocketBridge(stack, TcpSocket.DEFAULT_RING_BYTES, acceptor));
                l.acceptQueueDepth(server.accepted::size);
                server.listener = l;
                registered.complete(null);
            } catch (final RuntimeException e) {
                registered.completeExceptionally(e);
            }
        });
        try {
            registered.get(10, TimeUnit.SECONDS);
        } catch (final TimeoutException e) {
            throw new IOException("the stack thread did not register the listener (is the stack running?)");
        } catch (final ExecutionException e) {
            throw new IOException("listen on port " + port + ": " + e.getCause().getMessage(), e.getCause());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        return server;
    }

    /**
     * Waits for a connection.
     *
     * @param timeoutMs 0 waits for ever
     * @throws SocketTimeoutException when the time runs out
     */
    public TcpSocket accept(final long timeoutMs) throws IOException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            final SocketBridge bridge = accepted.poll();
            if (bridge != null) {
                return new TcpSocket(bridge);
            }
            if (timeoutMs > 0 && System.nanoTime() > deadline) {
                throw new SocketTimeoutException("accept timed out");
            }
            waiter = Thread.currentThread();
            LockSupport.parkNanos(this, PARK_NS);
            waiter = null;
            if (Thread.interrupted()) {
                throw new InterruptedIOException("interrupted");
            }
        }
    }

    /** The stack-side listener (its queue figures, for tools). */
    public Listener listener() {
        return listener;
    }

    /** Connections aborted because the accept queue was full. */
    public long acceptQueueDrops() {
        return acceptQueueDrops;
    }

    /**
     * Stops listening: new SYNs to the port are refused with RST. Connections already in the
     * accept queue can still be accepted; established ones are not affected.
     */
    @Override
    public void close() {
        final Listener l = listener;
        if (l != null) {
            stack.submit(() -> stack.closeListener(l));
        }
    }
}
