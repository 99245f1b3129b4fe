package io.tcpstack.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;

/** Records every callback, for assertions. Consumes all data unless told otherwise. */
public final class RecordingHandler implements TcpHandler {
    public final List<String> events = new ArrayList<>();
    public final ByteArrayOutputStream received = new ByteArrayOutputStream();
    public Connection connection;
    public CloseReason closeReason;
    public int consumeLimit = Integer.MAX_VALUE;

    @Override
    public void onConnected(final Connection c) {
        connection = c;
        events.add("connected");
    }

    @Override
    public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
        final int n = Math.min(length, consumeLimit);
        final byte[] bytes = new byte[n];
        buffer.getBytes(offset, bytes);
        received.writeBytes(bytes);
        return n;
    }

    @Override
    public void onWritable(final Connection c) {
        events.add("writable");
    }

    @Override
    public void onPeerClosed(final Connection c) {
        events.add("peerClosed");
    }

    @Override
    public void onClosed(final Connection c, final CloseReason reason) {
        connection = c;
        closeReason = reason;
        events.add("closed:" + reason);
    }
}
