package io.tcpstack.examples;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;

import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.api.TcpSocket;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.IpAddress;

/**
 * Both API styles in one program, with no TUN and no root: two stacks joined by an
 * in-memory link, each on its own thread. Stack A runs an event-driven echo server
 * ({@link TcpHandler} callbacks on its thread); the main thread talks to it through stack
 * B with the blocking {@link TcpSocket}.
 *
 * <pre>java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp examples/target/tcpstack.jar io.tcpstack.examples.TwoStacksExample</pre>
 */
public final class TwoStacksExample {
    private TwoStacksExample() {
    }

    /** An echo server in the event style: consume what could be sent, resume when writable. */
    static final class Echo implements TcpHandler {
        @Override
        public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
            return c.send(buffer, offset, length);
        }

        @Override
        public void onWritable(final Connection c) {
            c.resumeReading();
        }

        @Override
        public void onPeerClosed(final Connection c) {
            c.close();
        }
    }

    public static void main(final String[] args) throws Exception {
        run(System.out);
    }

    static void run(final PrintStream out) throws Exception {
        final int addressA = IpAddress.parse("10.9.0.1");
        final int addressB = IpAddress.parse("10.9.0.2");
        final MemoryLink[] link = MemoryLink.pair(1500);
        final TcpStack a = new TcpStack(StackConfig.builder().localAddress(addressA).build(), link[0],
            SystemNanoClock.INSTANCE, StackCounters.inMemory(), null);
        final TcpStack b = new TcpStack(StackConfig.builder().localAddress(addressB).build(), link[1],
            SystemNanoClock.INSTANCE, StackCounters.inMemory(), null);
        a.listen(7, 16, Echo::new); // before the stack thread starts: allowed
        try (AgentRunner runnerA = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, a);
             AgentRunner runnerB = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, b)) {
            AgentRunner.startOnThread(runnerA);
            AgentRunner.startOnThread(runnerB);

            try (TcpSocket socket = TcpSocket.connect(b, addressA, 7, 5_000)) {
                socket.setSoTimeout(5_000);
                final OutputStream toServer = socket.getOutputStream();
                final InputStream fromServer = socket.getInputStream();
                final byte[] message = "hello through two Java TCP stacks".getBytes(StandardCharsets.US_ASCII);
                toServer.write(message);
                socket.shutdownOutput();
                final byte[] echoed = fromServer.readAllBytes();
                out.println("sent:   " + new String(message, StandardCharsets.US_ASCII));
                out.println("echoed: " + new String(echoed, StandardCharsets.US_ASCII));
            }
        }
    }
}
