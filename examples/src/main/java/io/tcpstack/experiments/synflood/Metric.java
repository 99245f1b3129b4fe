package io.tcpstack.experiments.synflood;

/**
 * What is sampled from a target every 100 ms, under one name for all targets. Each target
 * maps its own counters onto these (see {@link MetricSource} implementations); a value a
 * target does not have is NaN and shows as an empty CSV cell.
 *
 * <p>Counters ({@link #cumulative} true) only grow; the others are gauges.
 */
public enum Metric {
    /** Half-open connections (SYN-RECEIVED) held now. */
    HALF_OPEN("half_open", false),
    /** SYNs dropped because the SYN backlog was full (Linux: ListenDrops). */
    SYN_DROPS("syn_drops", true),
    /** SYN-ACKs carrying a cookie. */
    COOKIES_SENT("cookies_sent", true),
    /** ACKs whose cookie verified: connections made from a cookie. */
    COOKIES_VALIDATED("cookies_validated", true),
    /** ACKs whose cookie did not verify (forged or stale). */
    COOKIES_FAILED("cookies_failed", true),
    /** Completing ACKs dropped because the accept queue was full (Linux: ListenOverflows). */
    ACCEPT_OVERFLOWS("accept_overflows", true),
    /** SYN-ACKs retransmitted to half-open peers. */
    SYNACK_RETRANSMITS("synack_retransmits", true),
    /** Half-open connections that expired after their last SYN-ACK. */
    HALF_OPEN_EXPIRED("half_open_expired", true),
    /** RFC 4022 tcpPassiveOpens. */
    PASSIVE_OPENS("passive_opens", true),
    /** RFC 4022 tcpCurrEstab. */
    CURR_ESTAB("curr_estab", false),
    /** Packets lost between the kernel and the target (stack: tun.rx.ring_full). */
    RX_DROPS("rx_drops", true),
    /** JVM heap in use (stack only), bytes. */
    HEAP_USED("heap_used_bytes", false),
    /** JVM old generation in use (stack only), bytes: what survives young collections. */
    HEAP_OLD("heap_old_bytes", false),
    /** Resident set size of the target's process (stack, gVisor), bytes. */
    RSS("rss_bytes", false),
    /** Linux: request sockets allocated machine-wide (slab request_sock_TCP), bytes. */
    KERNEL_REQSK("kernel_reqsk_bytes", false);

    private final String column;
    private final boolean cumulative;

    Metric(final String column, final boolean cumulative) {
        this.column = column;
        this.cumulative = cumulative;
    }

    public String column() {
        return column;
    }

    public boolean cumulative() {
        return cumulative;
    }
}
