package io.tcpstack.cli;

import io.tcpstack.tun.LibC;
import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to stop cleanly. Installing handlers (rather than
 * relying on shutdown hooks) lets {@code serve} tear down and exit 0, as its contract says.
 *
 * <p>A process started in the background by a non-interactive shell ({@code serve &} in a
 * script) inherits SIGINT as ignored, and the JVM then refuses to handle it. Since
 * {@code kill -INT} of such a process is exactly how scripts stop {@code serve}, the
 * disposition is reset to the default first, so the handler below can take it.
 */
final class Signals {
    private static final int SIGINT = 2;
    private static final long SIG_DFL = 0;

    private Signals() {
    }

    static void onStop(final Runnable action) {
        LibC.INSTANCE.signal(SIGINT, SIG_DFL);
        Signal.handle(new Signal("INT"), signal -> action.run());
        Signal.handle(new Signal("TERM"), signal -> action.run());
    }
}
