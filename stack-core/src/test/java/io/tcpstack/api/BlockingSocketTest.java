package io.tcpstack.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;

/**
 * The blocking adapter: two stacks on their own threads over a MemoryLink, application
 * threads using streams. Real threads and the real clock; every wait is bounded.
 */
@Timeout(60)
class BlockingSocketTest {
    private static final int A = 0x0A070001;
    private static final int B = 0x0A070002;
    private final ErrorHandler errors = Throwable::printStackTrace;
    private final MemoryLink[] link = MemoryLink.pair(1500, 8 << 20);
    private final TcpStack a = new TcpStack(StackConfig.builder().localAddress(A).build(), link[0],
        SystemNanoClock.INSTANCE, StackCounters.inMemory(), null);
    private final TcpStack b = new TcpStack(StackConfig.builder().localAddress(B).build(), link[1],
        SystemNanoClock.INSTANCE, StackCounters.inMemory(), null);
    private final AgentRunner runnerA = new AgentRunner(new BusySpinIdleStrategy(), errors, null, a);
    private final AgentRunner runnerB = new AgentRunner(new BusySpinIdleStrategy(), errors, null, b);

    BlockingSocketTest() {
        AgentRunner.startOnThread(runnerA);
        AgentRunner.startOnThread(runnerB);
    }

    @AfterEach
    void stop() {
        runnerA.close();
        runnerB.close();
    }

    @Test
    void echoThroughStreams_fourMegabytes_withHalfClose() throws Exception {
        final TcpServerSocket server = TcpServerSocket.listen(a, 7, 16);
        final CompletableFuture<Long> echoed = CompletableFuture.supplyAsync(() -> {
            try (TcpSocket s = server.accept(10_000)) {
                final InputStream in = s.getInputStream();
                final OutputStream out = s.getOutputStream();
                final byte[] buf = new byte[10_000];
                long total = 0;
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    total += n;
                }
                out.flush();
                return total;
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });

        final byte[] data = new byte[4 << 20];
        new Random(3).nextBytes(data);
        try (TcpSocket client = TcpSocket.connect(b, A, 7, 5_000)) {
            client.setSoTimeout(10_000);
            final CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    final ByteArrayOutputStream got = new ByteArrayOutputStream();
                    client.getInputStream().transferTo(got);
                    return got.toByteArray();
                } catch (final Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            client.getOutputStream().write(data);
            client.shutdownOutput();
            final byte[] got = reader.get(30, TimeUnit.SECONDS);
            int firstDiff = -1;
            for (int i = 0; i < Math.min(got.length, data.length); i++) {
                if (got[i] != data[i]) {
                    firstDiff = i;
                    break;
                }
            }
            assertThat(got.length).as("length (first difference at %d)", firstDiff).isEqualTo(data.length);
            assertThat(firstDiff).as("first differing byte").isEqualTo(-1);
        }
        assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo(data.length);
    }

    @Test
    void connectToAClosedPort_throwsConnectionRefused() {
        assertThatThrownBy(() -> TcpSocket.connect(b, A, 9999, 5_000))
            .isInstanceOf(ConnectException.class).hasMessageContaining("connection refused");
    }

    @Test
    void readTimeout_throwsSocketTimeoutException() throws Exception {
        final TcpServerSocket server = TcpServerSocket.listen(a, 8, 4);
        try (TcpSocket client = TcpSocket.connect(b, A, 8, 5_000); TcpSocket accepted = server.accept(5_000)) {
            client.setSoTimeout(100);
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(accepted.closeReason()).isNull();
        }
    }
}
