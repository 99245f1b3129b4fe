package io.tcpstack.tcp;

import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.tcpstack.api.TcpHandler;

/**
 * A passive open on a local port (RFC 9293 §3.10.1, LISTEN), with the two queues of
 * RFC 4987 §2 kept apart and each bounded:
 * <ul>
 *   <li>the SYN backlog: half-open connections (SYN-RECEIVED) as small records; when it is
 *       full, new SYNs get a SYN cookie (if enabled) or are dropped and counted;</li>
 *   <li>the accept queue: connections established but not yet taken by the application.
 *       An event-style listener takes each connection as it completes ({@code onConnected}),
 *       so its queue is always empty; an adapter that queues connections (the blocking
 *       {@code TcpServerSocket}) reports its depth with {@link #acceptQueueDepth}. When the
 *       queue is full, a completing ACK is dropped (the client retries) or answered with
 *       RST, as configured.</li>
 * </ul>
 * Stack thread only, except {@link #acceptQueueDepth}'s supplier, which must be safe to
 * call from the stack thread.
 */
public final class Listener {
    private final int port;
    private final int acceptBacklog;
    private final Supplier<TcpHandler> handlers;
    final HalfOpenTable halfOpen;
    private volatile IntSupplier acceptQueue = () -> 0;
    /** Until when a returning ACK is checked for a cookie (two cookie periods after the last one sent). */
    long cookiesValidUntilNs;
    boolean cookiesSent;
    boolean open = true;

    Listener(final int port, final int synBacklog, final int acceptBacklog, final int synAckRetries,
        final Supplier<TcpHandler> handlers) {
        this.port = port;
        this.acceptBacklog = acceptBacklog;
        this.handlers = handlers;
        this.halfOpen = new HalfOpenTable(synBacklog, synAckRetries);
    }

    public int port() {
        return port;
    }

    /** Half-open connections held at most. */
    public int synBacklog() {
        return halfOpen.capacity();
    }

    /** Connections in SYN-RECEIVED now. */
    public int halfOpen() {
        return halfOpen.size();
    }

    /** Established connections the application may leave unaccepted at most. */
    public int acceptBacklog() {
        return acceptBacklog;
    }

    /** Established connections waiting for the application now. */
    public int acceptQueued() {
        return acceptQueue.getAsInt();
    }

    /** False once the listener is closed. */
    public boolean isOpen() {
        return open;
    }

    /**
     * For adapters that queue completed connections before the application takes them:
     * {@code depth} tells the stack thread how many are waiting.
     */
    public void acceptQueueDepth(final IntSupplier depth) {
        this.acceptQueue = java.util.Objects.requireNonNull(depth, "depth");
    }

    /** True while ACKs may carry cookies this listener sent (no cookie check otherwise, as Linux). */
    boolean cookiesRecentlySent(final long nowNs) {
        return cookiesSent && nowNs - cookiesValidUntilNs < 0;
    }

    boolean acceptQueueFull() {
        return acceptQueue.getAsInt() >= acceptBacklog;
    }

    TcpHandler newHandler() {
        return handlers.get();
    }

    @Override
    public String toString() {
        return "Listener[:" + port + " syn " + halfOpen() + "/" + synBacklog() + " accept " + acceptQueued() + "/"
            + acceptBacklog + "]";
    }
}
