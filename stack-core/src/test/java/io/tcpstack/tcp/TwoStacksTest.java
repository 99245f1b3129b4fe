package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;

/** Two stacks talking over a MemoryLink in one thread, in simulated time. */
class TwoStacksTest {
    private static final int A_ADDRESS = 0x0A070001;
    private static final int B_ADDRESS = 0x0A070002;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final TcpStack a;
    private final TcpStack b;

    TwoStacksTest() {
        clock.update(5_000_000_000L);
        final MemoryLink[] link = MemoryLink.pair(1500, 4 << 20);
        a = new TcpStack(config(A_ADDRESS), link[0], clock, StackCounters.inMemory(), null);
        b = new TcpStack(config(B_ADDRESS), link[1], clock, StackCounters.inMemory(), null);
    }

    private static StackConfig config(final int address) {
        return StackConfig.builder().localAddress(address).mslNs(TimeUnit.MILLISECONDS.toNanos(500)).build();
    }

    @AfterEach
    void everythingIsReturned() {
        runUntil(() -> a.tcp().connectionCount() == 0 && b.tcp().connectionCount() == 0
            && a.tcp().timeWaitCount() == 0 && b.tcp().timeWaitCount() == 0, 5_000);
        assertThat(a.tcp().timerCount()).isZero();
        assertThat(b.tcp().timerCount()).isZero();
    }

    /** Runs both stacks, advancing time 1 ms whenever both are idle, until the condition holds. */
    private void runUntil(final BooleanSupplier condition, final long maxMs) {
        long elapsedMs = 0;
        while (!condition.getAsBoolean()) {
            int work = 0;
            for (int i = 0; i < 10_000; i++) {
                final int w = a.doWork() + b.doWork();
                work += w;
                if (w == 0 || condition.getAsBoolean()) {
                    break;
                }
            }
            if (work == 0 || !condition.getAsBoolean()) {
                clock.advance(1_000_000);
                elapsedMs++;
            }
            assertThat(elapsedMs).as("condition within %d simulated ms", maxMs).isLessThan(maxMs);
        }
    }

    static byte pattern(final long i, final int seed) {
        return (byte) (i * 7 + seed + (i >>> 9));
    }

    /** Sends {@code total} pattern bytes, records what arrives; closes after sending if told. */
    static class Bulk implements TcpHandler {
        final long total;
        final int seed;
        boolean closeWhenSent;
        final boolean closeOnPeerClose;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[8192]);
        Connection connection;
        long sent;
        boolean closing;
        boolean peerClosed;
        CloseReason closed;

        Bulk(final long total, final int seed, final boolean closeWhenSent, final boolean closeOnPeerClose) {
            this.total = total;
            this.seed = seed;
            this.closeWhenSent = closeWhenSent;
            this.closeOnPeerClose = closeOnPeerClose;
        }

        @Override
        public void onConnected(final Connection c) {
            connection = c;
            pump(c);
        }

        @Override
        public void onWritable(final Connection c) {
            pump(c);
        }

        void pump(final Connection c) {
            if (closing) {
                return;
            }
            while (sent < total) {
                final int n = (int) Math.min(chunk.capacity(), total - sent);
                for (int i = 0; i < n; i++) {
                    chunk.putByte(i, pattern(sent + i, seed));
                }
                final int taken = c.send(chunk, 0, n);
                sent += taken;
                if (taken < n) {
                    return;
                }
            }
            if (closeWhenSent && !closing) {
                closing = true;
                c.shutdownOutput();
            }
        }

        @Override
        public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            received.writeBytes(bytes);
            return length;
        }

        @Override
        public void onPeerClosed(final Connection c) {
            peerClosed = true;
            if (closeOnPeerClose) {
                closeWhenSent = true; // close once everything is sent
                pump(c);
            }
        }

        @Override
        public void onClosed(final Connection c, final CloseReason reason) {
            closed = reason;
        }

        void assertReceived(final long count, final int peerSeed) {
            final byte[] got = received.toByteArray();
            assertThat(got.length).isEqualTo(count);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != pattern(i, peerSeed)) {
                    throw new AssertionError("byte " + i + " differs");
                }
            }
        }
    }

    @Test
    void bulkBothWaysAtOnce_thenCloseFromTheClient_byteExact() {
        final Bulk server = new Bulk(3 << 20, 1, false, true);
        final Bulk client = new Bulk(2 << 20, 2, true, false);
        a.listen(5000, 8, () -> server);
        b.submit(() -> b.connect(A_ADDRESS, 5000, client));
        runUntil(() -> client.closed != null && server.closed != null, 60_000);

        server.assertReceived(2 << 20, 2);
        client.assertReceived(3 << 20, 1);
        assertThat(client.closed).isEqualTo(CloseReason.NORMAL);
        assertThat(server.closed).isEqualTo(CloseReason.NORMAL);
        assertThat(b.tcp().timeWaitCount()).as("the side that closed first holds TIME-WAIT").isEqualTo(1);
        assertThat(a.tcp().timeWaitCount()).isZero();
    }

    @Test
    void halfClose_theServerKeepsSendingAfterTheClientsFin() {
        final Bulk server = new Bulk(0, 3, false, false) {
            @Override
            public void onPeerClosed(final Connection c) {
                super.onPeerClosed(c);
                final UnsafeBuffer reply = new UnsafeBuffer(new byte[100_000]);
                for (int i = 0; i < reply.capacity(); i++) {
                    reply.putByte(i, pattern(i, 3));
                }
                assertThat(c.send(reply, 0, reply.capacity())).isEqualTo(100_000);
                c.close();
            }
        };
        final Bulk client = new Bulk(10_000, 4, true, false);
        a.listen(5001, 8, () -> server);
        b.submit(() -> b.connect(A_ADDRESS, 5001, client));
        runUntil(() -> client.closed != null && server.closed != null, 60_000);
        server.assertReceived(10_000, 4);
        client.assertReceived(100_000, 3);
        assertThat(server.peerClosed).isTrue();
    }

    @Test
    void bothSidesCloseAsSoonAsTheyHaveSent_closeCleanly() {
        final Bulk server = new Bulk(50_000, 5, true, false);
        final Bulk client = new Bulk(50_000, 6, true, false);
        a.listen(5002, 8, () -> server);
        b.submit(() -> b.connect(A_ADDRESS, 5002, client));
        runUntil(() -> client.closed != null && server.closed != null, 60_000);
        server.assertReceived(50_000, 6);
        client.assertReceived(50_000, 5);
        assertThat(client.closed).isEqualTo(CloseReason.NORMAL);
        assertThat(server.closed).isEqualTo(CloseReason.NORMAL);
    }

    @Test
    void connectToAClosedPort_isRefused() {
        final Bulk client = new Bulk(0, 0, false, false);
        b.submit(() -> b.connect(A_ADDRESS, 6000, client));
        runUntil(() -> client.closed != null, 5_000);
        assertThat(client.closed).isEqualTo(CloseReason.REFUSED);
    }
}
