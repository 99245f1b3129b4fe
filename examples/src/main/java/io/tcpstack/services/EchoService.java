package io.tcpstack.services;

import java.util.function.Supplier;

import org.agrona.DirectBuffer;

import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;

/**
 * Echo (RFC 862, TCP port {@value Services#ECHO_PORT}): every byte received is sent back, in order.
 *
 * <p>Back-pressure without a copy: {@link #onData} consumes only the bytes {@code send} accepted,
 * so the rest waits in the stack's receive buffer (closing the advertised window towards the
 * sender). A short {@code send} makes the stack call {@link #onWritable} once space frees up,
 * and that calls {@link Connection#resumeReading()} to be offered the waiting bytes again.
 *
 * <p>Half-close: when the peer sends FIN we shut our output down after the last byte has been
 * echoed, at once if nothing is waiting, else as soon as the waiting bytes have been sent.
 *
 * <p>Called on the stack thread only; allocates nothing after construction.
 */
public final class EchoService implements TcpHandler {
    /** The last {@code onData} left bytes unconsumed: they wait in the stack for send space. */
    private boolean blocked;
    private boolean peerClosed;
    private boolean outputShut;

    /** A handler per accepted connection, for {@code TcpStack.listen}. */
    public static Supplier<TcpHandler> factory() {
        return EchoService::new;
    }

    /** Nagle off: interactive: each echo should leave at once. */
    @Override
    public void onConnected(final Connection connection) {
        connection.noDelay(true);
    }

    @Override
    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length) {
        if (outputShut) {
            return length; // cannot happen after the peer's FIN; drop rather than throw on send
        }
        // Always call send, even with no space: a short send is what arms onWritable.
        final int accepted = connection.send(buffer, offset, length);
        blocked = accepted < length;
        return accepted;
    }

    @Override
    public void onWritable(final Connection connection) {
        if (!blocked || outputShut) {
            return;
        }
        blocked = false;
        // Re-offers the waiting bytes; onData sets blocked again if they still do not all fit.
        connection.resumeReading();
        shutdownIfDone(connection);
    }

    @Override
    public void onPeerClosed(final Connection connection) {
        peerClosed = true;
        shutdownIfDone(connection);
    }

    private void shutdownIfDone(final Connection connection) {
        // Checked after resumeReading returns, never inside onData: the stack may offer the
        // waiting bytes in two calls (its buffer is a ring), so one full onData is not "all".
        if (peerClosed && !blocked && !outputShut) {
            outputShut = true;
            connection.shutdownOutput();
        }
    }
}
