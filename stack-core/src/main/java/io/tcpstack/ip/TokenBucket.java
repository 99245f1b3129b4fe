package io.tcpstack.ip;

/**
 * A token bucket in the caller's time base: {@code ratePerSecond} tokens a second, at most
 * {@code burst} saved up. Used to rate-limit ICMP error messages (RFC 1122 §3.2.2,
 * RFC 1812 §4.3.2.8). Single-threaded.
 */
public final class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long nanosPerToken;
    private final long burst;
    private long tokens;
    private long lastRefillNs;
    private boolean started;

    public TokenBucket(final int ratePerSecond, final int burst) {
        this.nanosPerToken = ratePerSecond == 0 ? Long.MAX_VALUE : NANOS_PER_SECOND / ratePerSecond;
        this.burst = burst;
        this.tokens = burst;
    }

    /** Takes a token if one is available at {@code nowNs}. */
    public boolean tryAcquire(final long nowNs) {
        if (!started) {
            started = true;
            lastRefillNs = nowNs;
        }
        final long elapsed = nowNs - lastRefillNs;
        if (elapsed >= nanosPerToken && nanosPerToken != Long.MAX_VALUE) {
            final long earned = elapsed / nanosPerToken;
            tokens = Math.min(burst, tokens + earned);
            lastRefillNs = tokens == burst ? nowNs : lastRefillNs + earned * nanosPerToken;
        }
        if (tokens > 0) {
            tokens--;
            return true;
        }
        return false;
    }
}
