package io.tcpstack.tun;

import jnr.constants.platform.Errno;

/**
 * A TUN device, network namespace or packet socket could not be set up or used.
 *
 * <p>The message is one line meant for the user: what failed and what to do, e.g.
 * {@code cannot open the TUN device: permission denied. Run as root or grant CAP_NET_ADMIN.}
 * The command-line program prints it (after {@code tcpstack: }) without a stack trace.
 */
public final class TunException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line: what failed and what to do */
    public TunException(final String message) {
        super(message);
    }

    /** The C library's text for an {@code errno}, lower-cased at the start, e.g. "device or resource busy". */
    static String describe(final int errno) {
        final Errno known = Errno.valueOf(errno);
        final String text = known == null || known == Errno.__UNKNOWN_CONSTANT__
            ? "errno " + errno
            : known.description();
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
