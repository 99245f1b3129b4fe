package io.tcpstack.api;

import java.util.concurrent.locks.LockSupport;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The stack-thread half of a blocking socket: a {@link TcpHandler} that moves bytes between
 * the connection and two single-producer rings shared with one application thread each
 * way. The stack side takes no locks and never waits: when a ring is full it stops
 * consuming (the advertised window shrinks) or stops sending, and the application side
 * asks it to go on through {@link TcpStack#submit} with preallocated tasks. Waiting
 * application threads are woken with {@link LockSupport#unpark}.
 */
final class SocketBridge implements TcpHandler {
    private static final int MSG = 1;

    final TcpStack stack;
    final OneToOneRingBuffer rx;   // stack → application: received bytes
    final OneToOneRingBuffer tx;   // application → stack: bytes to send
    final Runnable flushTask = this::flush;
    final Runnable resumeTask = this::resume;
    final Runnable shutdownTask = this::shutdownOutputOnStack;
    final Runnable abortTask = this::abortOnStack;
    private final ControlledMessageHandler sendFromRing = this::sendFromRing;
    private final int maxChunk;

    volatile Connection connection;
    volatile boolean connected;
    volatile boolean peerClosed;
    volatile CloseReason closed;
    volatile Thread waiter;
    /** Set by the application's close(): what arrives from now on is taken and dropped. */
    volatile boolean discardInput;
    private int txPartial;
    private boolean rxBacklog;      // the last onData left bytes in the connection's receive buffer
    private boolean finAfterBacklog; // the peer's FIN came while it did
    private boolean shutdownRequested;
    private final TcpSocket.Acceptor acceptor;

    SocketBridge(final TcpStack stack, final int ringBytes, final TcpSocket.Acceptor acceptor) {
        this.stack = stack;
        this.rx = new OneToOneRingBuffer(newRing(ringBytes));
        this.tx = new OneToOneRingBuffer(newRing(ringBytes));
        this.maxChunk = rx.maxMsgLength();
        this.acceptor = acceptor;
    }

    private static UnsafeBuffer newRing(final int bytes) {
        final int capacity = Integer.highestOneBit(Math.max(bytes, 4096) - 1) << 1;
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64));
    }

    private void wake() {
        final Thread t = waiter;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void onConnected(final Connection c) {
        connection = c;
        connected = true;
        if (acceptor != null && !acceptor.offer(this)) {
            c.abort(); // accept queue full: counted by the acceptor
            return;
        }
        wake();
    }

    @Override
    public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
        if (discardInput) {
            return length;
        }
        int done = 0;
        while (done < length) {
            final int n = Math.min(maxChunk, length - done);
            if (!rx.write(MSG, buffer, offset + done, n)) {
                break; // ring full: leave the rest in the receive buffer, the window shrinks
            }
            done += n;
        }
        rxBacklog = done < length;
        if (!rxBacklog && finAfterBacklog) {
            finAfterBacklog = false;
            peerClosed = true; // every byte before the FIN is in the ring now
        }
        if (done > 0 || peerClosed) {
            wake();
        }
        return done;
    }

    @Override
    public void onWritable(final Connection c) {
        flush();
    }

    @Override
    public void onPeerClosed(final Connection c) {
        // End of stream only once the ring holds every byte before the FIN: with some still
        // in the connection's receive buffer (the ring was full), a reader that emptied the
        // ring before resume() refilled it saw the end of the stream early and lost them.
        if (rxBacklog) {
            finAfterBacklog = true;
            return;
        }
        peerClosed = true;
        wake();
    }

    @Override
    public void onClosed(final Connection c, final CloseReason reason) {
        closed = reason;
        wake();
    }

    /** Stack thread: send what the application queued, as far as the send buffer allows. */
    private void flush() {
        final Connection c = connection;
        if (c == null || closed != null) {
            return;
        }
        final int before = tx.size();
        tx.controlledRead(sendFromRing);
        if (tx.size() != before) {
            wake(); // room in the ring for a blocked writer
        }
        if (shutdownRequested && tx.size() == 0) {
            c.shutdownOutput();
        }
    }

    private ControlledMessageHandler.Action sendFromRing(final int msgTypeId, final MutableDirectBuffer buffer,
        final int index, final int length) {
        final Connection c = connection;
        final int left = length - txPartial;
        final int taken = c.sendSpace() == 0 ? 0 : c.send(buffer, index + txPartial, left);
        if (taken < left) {
            txPartial += taken;
            return ControlledMessageHandler.Action.ABORT; // keep the message; go on when writable
        }
        txPartial = 0;
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private void resume() {
        final Connection c = connection;
        if (c != null && closed == null) {
            c.resumeReading();
        }
    }

    private void shutdownOutputOnStack() {
        shutdownRequested = true;
        flush();
    }

    private void abortOnStack() {
        final Connection c = connection;
        if (c != null && closed == null) {
            c.abort();
        }
    }
}
