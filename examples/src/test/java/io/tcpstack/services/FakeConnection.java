package io.tcpstack.services;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.tcp.TcpState;

/**
 * A {@link Connection} with no stack behind it, driving one {@link TcpHandler} the way
 * {@code TcpConnection} does: unconsumed bytes stay buffered and are offered again, at the
 * front, on the next arrival or on {@link #resumeReading()}; a short {@link #send} arms one
 * {@code onWritable}, fired when {@link #ack} frees space. Records everything sent.
 */
final class FakeConnection implements Connection {
    private final TcpHandler handler;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private int capacity;
    private int queued;
    private byte[] pending = new byte[0];
    private boolean wantWritable;
    private boolean delivering;
    private boolean outputShut;
    /** Offers at most this many bytes per onData, like the stack's ring buffer at its wrap. */
    int maxOffer = Integer.MAX_VALUE;

    int shutdownCalls;
    int closeCalls;
    int abortCalls;
    int resumeCalls;
    int writableCalls;
    int dataCalls;
    /** Bytes sent when shutdownOutput was first called, -1 before. */
    int sentAtShutdown = -1;

    FakeConnection(final TcpHandler handler, final int sendCapacity) {
        this.handler = handler;
        this.capacity = sendCapacity;
    }

    FakeConnection connect() {
        handler.onConnected(this);
        return this;
    }

    /** Bytes arriving from the peer, in order. */
    FakeConnection receive(final byte[] data) {
        final byte[] joined = Arrays.copyOf(pending, pending.length + data.length);
        System.arraycopy(data, 0, joined, pending.length, data.length);
        pending = joined;
        deliver();
        return this;
    }

    FakeConnection receive(final String ascii) {
        return receive(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The peer's FIN. */
    FakeConnection peerClose() {
        handler.onPeerClosed(this);
        return this;
    }

    /** The peer acknowledges {@code n} bytes: frees send space, fires onWritable if armed. */
    FakeConnection ack(final int n) {
        queued -= Math.min(n, queued);
        if (wantWritable && capacity - queued > 0) { // like the stack: even after shutdownOutput
            wantWritable = false;
            writableCalls++;
            handler.onWritable(this);
        }
        return this;
    }

    FakeConnection ackAll() {
        return ack(queued);
    }

    /** Acks everything until nothing more is sent, at most {@code rounds} times. */
    FakeConnection pump(final int rounds) {
        for (int i = 0; i < rounds && (queued > 0 || wantWritable); i++) {
            ackAll();
        }
        return this;
    }

    void setCapacity(final int capacity) {
        this.capacity = capacity;
    }

    byte[] sent() {
        return sent.toByteArray();
    }

    String sentAscii() {
        return sent.toString(StandardCharsets.ISO_8859_1);
    }

    /** Bytes received but not yet consumed by the handler. */
    int unconsumed() {
        return pending.length;
    }

    boolean outputShut() {
        return outputShut;
    }

    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (pending.length > 0) {
                final int offer = Math.min(pending.length, maxOffer);
                // The data sits at an odd offset in a larger buffer full of 0xA5: offset bugs show.
                final byte[] backing = new byte[offer + 10];
                Arrays.fill(backing, (byte) 0xA5);
                System.arraycopy(pending, 0, backing, 7, offer);
                dataCalls++;
                final int consumed = handler.onData(this, new UnsafeBuffer(backing), 7, offer);
                if (consumed < 0 || consumed > offer) {
                    throw new AssertionError("onData returned " + consumed + " of " + offer);
                }
                pending = Arrays.copyOfRange(pending, consumed, pending.length);
                if (consumed < offer) {
                    return;
                }
            }
        } finally {
            delivering = false;
        }
    }

    @Override
    public int send(final DirectBuffer source, final int offset, final int length) {
        if (outputShut) {
            throw new IllegalStateException("send after shutdownOutput");
        }
        final int taken = Math.min(length, sendSpace());
        final byte[] bytes = new byte[taken];
        source.getBytes(offset, bytes);
        sent.writeBytes(bytes);
        queued += taken;
        if (taken < length) {
            wantWritable = true;
        }
        return taken;
    }

    @Override
    public int sendSpace() {
        return outputShut ? 0 : Math.max(capacity - queued, 0);
    }

    @Override
    public int sendQueued() {
        return queued;
    }

    @Override
    public void shutdownOutput() {
        shutdownCalls++;
        if (!outputShut) {
            outputShut = true;
            sentAtShutdown = sent.size();
        }
    }

    @Override
    public void close() {
        closeCalls++;
        shutdownOutput();
    }

    @Override
    public void abort() {
        abortCalls++;
    }

    @Override
    public void resumeReading() {
        resumeCalls++;
        deliver();
    }

    @Override
    public TcpState state() {
        return TcpState.ESTABLISHED;
    }

    @Override
    public int remoteAddress() {
        return 0x0A070001;
    }

    @Override
    public int remotePort() {
        return 40000;
    }

    @Override
    public int localPort() {
        return 0;
    }

    @Override
    public long srttNs() {
        return 0;
    }
}
