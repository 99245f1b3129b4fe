package io.tcpstack.experiments.synflood;

/**
 * One legitimate connection attempt: open, {@code GET /}, read the whole response, close.
 *
 * @param startNs   when connect() was called, relative to the run's time zero
 * @param connectNs connect() to established, or -1 if it never was
 * @param requestNs request written to the last byte of the response read, or -1
 * @param ok        established, and a complete {@code 200} response read, within the time limits
 * @param error     why not, or {@code ""}: {@code connect-timeout}, {@code refused}, {@code reset},
 *                  {@code read-timeout}, {@code http-NNN}, {@code closed-early}, {@code saturated}
 */
public record Attempt(long startNs, long connectNs, long requestNs, boolean ok, String error) {
}
