package io.tcpstack.tcp;

import java.util.function.Supplier;

import io.tcpstack.api.TcpHandler;

/**
 * A passive open on a local port (RFC 9293 §3.10.1, LISTEN): each SYN that arrives makes a
 * connection in SYN-RECEIVED, with a handler from the factory. At most {@code backlog}
 * connections may be half-open at once; further SYNs are dropped and counted
 * ({@code tcp.listen.backlog_drops}). Stack thread only.
 */
public final class Listener {
    private final int port;
    private final int backlog;
    private final Supplier<TcpHandler> handlers;
    int halfOpen;

    Listener(final int port, final int backlog, final Supplier<TcpHandler> handlers) {
        this.port = port;
        this.backlog = backlog;
        this.handlers = handlers;
    }

    public int port() {
        return port;
    }

    public int backlog() {
        return backlog;
    }

    /** Connections in SYN-RECEIVED now. */
    public int halfOpen() {
        return halfOpen;
    }

    TcpHandler newHandler() {
        return handlers.get();
    }
}
