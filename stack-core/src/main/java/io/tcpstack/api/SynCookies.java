package io.tcpstack.api;

/**
 * When a listener answers a SYN with a SYN cookie (RFC 4987 §3.6) instead of keeping a
 * half-open entry: the SYN-ACK's sequence number encodes what the connection needs, and a
 * returning ACK that carries a valid cookie creates the connection with no state kept before.
 */
public enum SynCookies {
    /** Never: when the SYN backlog is full, new SYNs are dropped and counted. */
    OFF,
    /** Only while the listener's SYN backlog is full (the default, as Linux's {@code tcp_syncookies = 1}). */
    ON,
    /** For every SYN: no half-open state at all (Linux's {@code tcp_syncookies = 2}). */
    ALWAYS;

    /** Parses {@code off}, {@code on} or {@code always}, any case. */
    public static SynCookies parse(final String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "off" -> OFF;
            case "on" -> ON;
            case "always" -> ALWAYS;
            default -> throw new IllegalArgumentException("'" + text + "': expected off, on or always");
        };
    }
}
