package io.tcpstack.services;

import java.util.function.Supplier;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;

/**
 * Character generator (RFC 864, TCP port {@value Services#CHARGEN_PORT}): from the moment the
 * connection is established, sends the RFC's "popular pattern" for as long as the send buffer
 * takes it, and keeps going on every {@link #onWritable} until the peer closes or resets.
 * Received data is thrown away. When the peer half-closes we shut our output down too.
 *
 * <p>The pattern: the 95 printable ASCII characters 32 ({@code ' '}) .. 126 ({@code '~'}) form a
 * ring; each line is 72 consecutive characters of the ring followed by CR LF (74 bytes), and
 * each line starts one character later than the one before. The output begins exactly as the
 * RFC's "Example" listing, whose first line is
 * {@code !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefgh}
 * (characters 33..104); so our line {@code k} starts at ring position {@code (k + 1) mod 95}
 * and the line starting with a space comes 95th, just before the pattern repeats. (The RFC's
 * prose calls the space-led line "line 0"; its listing starts one later. We follow the listing:
 * BSD inetd and xinetd instead start with the space-led line.) The output repeats every
 * 95 lines = {@value #CYCLE_BYTES} bytes; that cycle is built once, and each connection only
 * tracks its position in it.
 *
 * <p>Called on the stack thread only; allocates nothing after construction.
 */
public final class ChargenService implements TcpHandler {
    /** Printable ASCII characters, 32..126. */
    static final int RING = 95;
    /** Characters per line, before CR LF. */
    static final int LINE_CHARS = 72;
    /** Bytes per line, CR LF included. */
    static final int LINE_BYTES = LINE_CHARS + 2;
    /** One full period of the output: 95 lines. */
    static final int CYCLE_BYTES = RING * LINE_BYTES;
    /** Ring position of the first line's first character: the RFC listing starts at '!'. */
    static final int FIRST = 1;

    /** The whole period, read-only after class initialisation, shared by every connection. */
    private static final DirectBuffer CYCLE = buildCycle();

    /** Offset in {@link #CYCLE} of the next byte to send, 0..CYCLE_BYTES-1. */
    private int position;
    private boolean outputShut;

    /** A handler per accepted connection, for {@code TcpStack.listen}. */
    public static Supplier<TcpHandler> factory() {
        return ChargenService::new;
    }

    /** The 7030 bytes of one period, a fresh copy (for tests and tools). */
    public static byte[] cycle() {
        final byte[] copy = new byte[CYCLE_BYTES];
        CYCLE.getBytes(0, copy);
        return copy;
    }

    private static DirectBuffer buildCycle() {
        final byte[] bytes = new byte[CYCLE_BYTES];
        for (int line = 0; line < RING; line++) {
            final int at = line * LINE_BYTES;
            for (int i = 0; i < LINE_CHARS; i++) {
                bytes[at + i] = (byte) (' ' + (FIRST + line + i) % RING);
            }
            bytes[at + LINE_CHARS] = '\r';
            bytes[at + LINE_CHARS + 1] = '\n';
        }
        return new UnsafeBuffer(bytes);
    }

    @Override
    public void onConnected(final Connection connection) {
        fill(connection);
    }

    @Override
    public void onWritable(final Connection connection) {
        fill(connection);
    }

    @Override
    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length) {
        return length; // RFC 864: "any data received is thrown away"
    }

    @Override
    public void onPeerClosed(final Connection connection) {
        if (!outputShut) {
            outputShut = true;
            connection.shutdownOutput();
        }
    }

    /** Sends slices of the cycle until a send comes back short, which arms onWritable. */
    private void fill(final Connection connection) {
        while (!outputShut) {
            final int wanted = CYCLE_BYTES - position;
            final int taken = connection.send(CYCLE, position, wanted);
            position += taken;
            if (position == CYCLE_BYTES) {
                position = 0;
            }
            if (taken < wanted) {
                return;
            }
        }
    }
}
