package io.tcpstack.cli;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to stop cleanly. Installing handlers (rather than
 * relying on shutdown hooks) lets {@code serve} tear down and exit 0, as its contract says.
 */
final class Signals {
    private Signals() {
    }

    static void onStop(final Runnable action) {
        Signal.handle(new Signal("INT"), signal -> action.run());
        Signal.handle(new Signal("TERM"), signal -> action.run());
    }
}
