package io.tcpstack.services;

import java.util.function.Supplier;

import org.agrona.DirectBuffer;

import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;

/**
 * Discard (RFC 863, TCP port {@value Services#DISCARD_PORT}): every byte received is consumed and
 * dropped; nothing is ever sent. When the peer closes, we close too. Stateless: one instance
 * could serve every connection, but {@link #factory()} follows the per-connection pattern.
 * Called on the stack thread only; allocates nothing after construction.
 */
public final class DiscardService implements TcpHandler {
    /** A handler per accepted connection, for {@code TcpStack.listen}. */
    public static Supplier<TcpHandler> factory() {
        return DiscardService::new;
    }

    @Override
    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length) {
        return length; // RFC 863: "simply throws away any data it receives"
    }

    @Override
    public void onPeerClosed(final Connection connection) {
        connection.close();
    }
}
