package io.tcpstack.experiments.synflood;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import io.tcpstack.tun.NetNamespace;
import io.tcpstack.wire.IpAddress;

/** Waits until a TCP port accepts connections, from inside a namespace. */
final class Probe {
    private Probe() {
    }

    /** True once a connect to {@code address:port} from {@code namespace} succeeds, within {@code timeoutMs}. */
    static boolean waitForPort(final String namespace, final int address, final int port, final long timeoutMs) {
        return NetNamespace.inside(namespace, () -> {
            final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (System.nanoTime() < deadline) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(IpAddress.format(address), port), 1000);
                    return true;
                } catch (final IOException e) {
                    try {
                        Thread.sleep(100); // polling a server that is starting
                    } catch (final InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
            return false;
        });
    }
}
