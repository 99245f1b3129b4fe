package io.tcpstack.cli;

/**
 * An expected failure with a one-line message that tells the user what to do; printed as
 * {@code tcpstack: MESSAGE} with no stack trace.
 */
final class UserError extends RuntimeException {
    private final int exitCode;

    UserError(final String message) {
        this(message, 1);
    }

    UserError(final String message, final int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
