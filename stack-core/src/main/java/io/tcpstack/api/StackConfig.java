package io.tcpstack.api;

import java.util.concurrent.TimeUnit;

import io.tcpstack.wire.IpAddress;

/**
 * Configuration of one stack instance. Immutable; build with {@link #builder()}. Every
 * value is checked in {@link Builder#build()}, which throws
 * {@link IllegalArgumentException} with a one-line message naming the bad value.
 */
public final class StackConfig {
    /** Smallest MTU an IPv4 host must accept (RFC 791: 68 octets). */
    public static final int MIN_MTU = 68;
    /** Largest MTU (the IPv4 total length field is 16 bits). */
    public static final int MAX_MTU = 65535;

    private final int localAddress;
    private final int mtu;
    private final int framesPerCycle;
    private final int reassemblyMaxDatagrams;
    private final long reassemblyTimeoutNs;
    private final int icmpErrorsPerSecond;
    private final int icmpErrorBurst;
    private final int challengeAcksPerSecond;
    private final int timeWaitMax;
    private final int synRetries;
    private final int maxRetries;
    private final long maxRtoNs;
    private final long minRtoNs;
    private final long initialRtoNs;
    private final long mslNs;
    private final int tcpBufferBytes;
    private final int synBacklog;
    private final int acceptBacklog;
    private final SynCookies synCookies;
    private final int synAckRetries;
    private final boolean resetOnAcceptOverflow;
    private final long delayedAckNs;
    private final long keepAliveIdleNs;
    private final CongestionControlKind congestionControl;
    private final long keepAliveIntervalNs;
    private final int keepAliveProbes;
    private final boolean recoveryProbe;

    private StackConfig(final Builder b) {
        this.localAddress = b.localAddress;
        this.mtu = b.mtu;
        this.framesPerCycle = b.framesPerCycle;
        this.reassemblyMaxDatagrams = b.reassemblyMaxDatagrams;
        this.reassemblyTimeoutNs = b.reassemblyTimeoutNs;
        this.icmpErrorsPerSecond = b.icmpErrorsPerSecond;
        this.icmpErrorBurst = b.icmpErrorBurst;
        this.challengeAcksPerSecond = b.challengeAcksPerSecond;
        this.timeWaitMax = b.timeWaitMax;
        this.synRetries = b.synRetries;
        this.maxRetries = b.maxRetries;
        this.maxRtoNs = b.maxRtoNs;
        this.minRtoNs = b.minRtoNs;
        this.initialRtoNs = b.initialRtoNs;
        this.mslNs = b.mslNs;
        this.tcpBufferBytes = b.tcpBufferBytes;
        this.synBacklog = b.synBacklog;
        this.acceptBacklog = b.acceptBacklog;
        this.synCookies = b.synCookies;
        this.synAckRetries = b.synAckRetries;
        this.resetOnAcceptOverflow = b.resetOnAcceptOverflow;
        this.delayedAckNs = b.delayedAckNs;
        this.keepAliveIdleNs = b.keepAliveIdleNs;
        this.congestionControl = b.congestionControl;
        this.keepAliveIntervalNs = b.keepAliveIntervalNs;
        this.keepAliveProbes = b.keepAliveProbes;
        this.recoveryProbe = b.recoveryProbe;
    }

    /**
     * A loss probe during SACK recovery when the ACKs stop: beyond RFC 8985 §7.2, which arms
     * no probe in recovery. Off by default. See {@link Builder#recoveryProbe(boolean)}.
     */
    public boolean recoveryProbe() {
        return recoveryProbe;
    }

    /**
     * Keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): idle time before the first probe; 0
     * (the default) leaves it off, as the RFC asks.
     */
    public long keepAliveIdleNs() {
        return keepAliveIdleNs;
    }

    /** Which congestion control new connections use. Default {@link CongestionControlKind#NEWRENO}. */
    public CongestionControlKind congestionControl() {
        return congestionControl;
    }

    /** The congestion controls a connection can use. */
    public enum CongestionControlKind {
        /** RFC 5681 with RFC 6582 NewReno recovery. */
        NEWRENO,
        /** RFC 9438 CUBIC. */
        CUBIC;

        /** Parses {@code newreno} or {@code cubic}, any case. */
        public static CongestionControlKind parse(final String text) {
            return switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "newreno", "reno" -> NEWRENO;
                case "cubic" -> CUBIC;
                default -> throw new IllegalArgumentException("'" + text + "': expected newreno or cubic");
            };
        }
    }

    /** Time between unanswered keep-alive probes. Default 75 s, as Linux. */
    public long keepAliveIntervalNs() {
        return keepAliveIntervalNs;
    }

    /** Unanswered keep-alive probes before the connection is aborted. Default 9, as Linux. */
    public int keepAliveProbes() {
        return keepAliveProbes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The stack's own IPv4 address, big-endian int. */
    public int localAddress() {
        return localAddress;
    }

    /** Largest IPv4 datagram the stack sends in one packet; larger ones are fragmented. */
    public int mtu() {
        return mtu;
    }

    /** Most packets taken from the link per duty cycle, so timers run between batches. */
    public int framesPerCycle() {
        return framesPerCycle;
    }

    /** Datagrams reassembled at once; fragments of further ones are dropped and counted. */
    public int reassemblyMaxDatagrams() {
        return reassemblyMaxDatagrams;
    }

    /** Time from a datagram's first fragment to giving up on it (RFC 1122 §3.3.2). */
    public long reassemblyTimeoutNs() {
        return reassemblyTimeoutNs;
    }

    /** Sustained rate of ICMP error messages (RFC 1812 §4.3.2.8 style token bucket). */
    public int icmpErrorsPerSecond() {
        return icmpErrorsPerSecond;
    }

    /** Burst of ICMP error messages allowed above the sustained rate. */
    public int icmpErrorBurst() {
        return icmpErrorBurst;
    }

    /** Per-connection send and receive buffer size, bytes. Default 256 KiB. */
    public int tcpBufferBytes() {
        return tcpBufferBytes;
    }

    /** Maximum segment lifetime; TIME-WAIT lasts 2×MSL (RFC 9293 §3.4.2). Default 30 s, so TIME-WAIT is 60 s as on Linux. */
    public long mslNs() {
        return mslNs;
    }

    /** RTO before the first RTT sample (RFC 6298 §2.1). Default 1 s. */
    public long initialRtoNs() {
        return initialRtoNs;
    }

    /** Lower bound of the RTO. Default 200 ms, as Linux (RFC 6298 §2.4 says 1 s; see README). */
    public long minRtoNs() {
        return minRtoNs;
    }

    /** Upper bound of the RTO (RFC 6298 §2.5: at least 60 s). Default 120 s, as Linux. */
    public long maxRtoNs() {
        return maxRtoNs;
    }

    /** Retransmissions of data or FIN before the connection is aborted (RFC 9293 §3.8.3 R2; Linux tcp_retries2). Default 15. */
    public int maxRetries() {
        return maxRetries;
    }

    /** Retransmissions of SYN or SYN-ACK before giving up (Linux tcp_syn_retries). Default 6. */
    public int synRetries() {
        return synRetries;
    }

    /** TIME-WAIT records held at most; when full the oldest is recycled and counted (Linux tcp_max_tw_buckets). Default 16384. */
    public int timeWaitMax() {
        return timeWaitMax;
    }

    /** RFC 5961 §7 challenge ACK limit, per second (Linux tcp_challenge_ack_limit). Default 1000. */
    public int challengeAcksPerSecond() {
        return challengeAcksPerSecond;
    }

    /**
     * Half-open connections (SYN-RECEIVED) each listener holds at most (RFC 4987 §3.1; Linux
     * {@code tcp_max_syn_backlog}). Default 1024.
     */
    public int synBacklog() {
        return synBacklog;
    }

    /**
     * Established connections each listener holds before the application accepts them, when
     * {@code listen} is not given its own bound (Linux {@code somaxconn}). Default 4096.
     */
    public int acceptBacklog() {
        return acceptBacklog;
    }

    /** When SYN cookies are used (RFC 4987 §3.6). Default {@link SynCookies#ON}. */
    public SynCookies synCookies() {
        return synCookies;
    }

    /** SYN-ACK retransmissions before a half-open entry expires (Linux {@code tcp_synack_retries}). Default 5. */
    public int synAckRetries() {
        return synAckRetries;
    }

    /**
     * What a full accept queue does to a completing ACK: false (default) drops it, so the
     * client retries, as Linux with {@code tcp_abort_on_overflow = 0}; true answers RST.
     */
    public boolean resetOnAcceptOverflow() {
        return resetOnAcceptOverflow;
    }

    /**
     * Longest delay of an ACK for in-order data (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2: every
     * second full-sized segment is acknowledged at once, out-of-order data and FINs too);
     * 0 acknowledges every segment at once. Default 40 ms, Linux's minimum.
     */
    public long delayedAckNs() {
        return delayedAckNs;
    }

    /** Builder with the defaults documented on each setter. */
    public static final class Builder {
        private int localAddress = IpAddress.parse("10.7.0.2");
        private int mtu = 1500;
        private int framesPerCycle = 64;
        private int reassemblyMaxDatagrams = 64;
        private long reassemblyTimeoutNs = TimeUnit.SECONDS.toNanos(30);
        private int icmpErrorsPerSecond = 1000;
        private int icmpErrorBurst = 50;
        private int challengeAcksPerSecond = 1000;
        private int timeWaitMax = 16384;
        private int synRetries = 6;
        private int maxRetries = 15;
        private long maxRtoNs = TimeUnit.SECONDS.toNanos(120);
        private long minRtoNs = TimeUnit.MILLISECONDS.toNanos(200);
        private long initialRtoNs = TimeUnit.SECONDS.toNanos(1);
        private long mslNs = TimeUnit.SECONDS.toNanos(30);
        private int tcpBufferBytes = 256 * 1024;
        private int synBacklog = 1024;
        private int acceptBacklog = 4096;
        private SynCookies synCookies = SynCookies.ON;
        private int synAckRetries = 5;
        private boolean resetOnAcceptOverflow;
        private long delayedAckNs = TimeUnit.MILLISECONDS.toNanos(40);
        private long keepAliveIdleNs;
        private CongestionControlKind congestionControl = CongestionControlKind.NEWRENO;
        private long keepAliveIntervalNs = TimeUnit.SECONDS.toNanos(75);
        private int keepAliveProbes = 9;
        private boolean recoveryProbe;

        private Builder() {
        }

        /**
         * In SACK loss recovery, when no ACK has come for a probe timeout (max(2 SRTT, 10 ms),
         * before the RTO), send the highest segment out once more, as the tail loss probe does
         * outside recovery (RFC 8985 §7.3), and again after each further PTO of silence until
         * the RTO. RFC 8985 §7.2 arms no probe in recovery (nor do Linux and gVisor); this is
         * an extension, off by default. Why it exists: a Linux receiver that takes the resent
         * hole and everything after it can answer with a single ACK (its SACK compression held
         * the others); if that ACK is lost, a sender in recovery has nothing it may send and
         * waits out the RTO (200 ms at least), while a duplicate segment draws an immediate ACK
         * (RFC 5681 §4.2). docs/performance.md has the captures and the figures.
         */
        public Builder recoveryProbe(final boolean value) {
            this.recoveryProbe = value;
            return this;
        }

        /** Default {@link CongestionControlKind#NEWRENO}. */
        public Builder congestionControl(final CongestionControlKind value) {
            this.congestionControl = java.util.Objects.requireNonNull(value, "congestionControl");
            return this;
        }

        /**
         * Keep-alive: probe after {@code idleNs} of silence (RFC 1122 §4.2.3.6 asks for at
         * least 2 hours by default where it is on), then every {@code intervalNs}, aborting
         * after {@code probes} unanswered. {@code idleNs} 0 turns it off (the default).
         */
        public Builder keepAlive(final long idleNs, final long intervalNs, final int probes) {
            this.keepAliveIdleNs = idleNs;
            this.keepAliveIntervalNs = intervalNs;
            this.keepAliveProbes = probes;
            return this;
        }

        /** Longest ACK delay, 0..200 ms; 0 acknowledges every segment at once. Default 40 ms. */
        public Builder delayedAckNs(final long value) {
            this.delayedAckNs = value;
            return this;
        }

        /** Half-open connections per listener, 1..1,000,000. Default 1024. */
        public Builder synBacklog(final int value) {
            this.synBacklog = value;
            return this;
        }

        /** Accept-queue bound for listeners opened without one, 1..1,000,000. Default 4096. */
        public Builder acceptBacklog(final int value) {
            this.acceptBacklog = value;
            return this;
        }

        /** Default {@link SynCookies#ON}: cookies only while a SYN backlog is full. */
        public Builder synCookies(final SynCookies value) {
            this.synCookies = java.util.Objects.requireNonNull(value, "synCookies");
            return this;
        }

        /** SYN-ACK retransmissions before a half-open entry expires, 0..15. Default 5. */
        public Builder synAckRetries(final int value) {
            this.synAckRetries = value;
            return this;
        }

        /** Default false: a full accept queue drops the completing ACK; true: answers RST. */
        public Builder resetOnAcceptOverflow(final boolean value) {
            this.resetOnAcceptOverflow = value;
            return this;
        }

        /** Default 10.7.0.2. */
        public Builder localAddress(final int address) {
            this.localAddress = address;
            return this;
        }

        /** Default 1500; 68..65535. */
        public Builder mtu(final int mtu) {
            this.mtu = mtu;
            return this;
        }

        /** Default 64. */
        public Builder framesPerCycle(final int frames) {
            this.framesPerCycle = frames;
            return this;
        }

        /** Default 64 (each holds up to 64 KiB while in progress). */
        public Builder reassemblyMaxDatagrams(final int datagrams) {
            this.reassemblyMaxDatagrams = datagrams;
            return this;
        }

        /** Default 30 s, as Linux's {@code ipfrag_time}. */
        public Builder reassemblyTimeoutNs(final long timeoutNs) {
            this.reassemblyTimeoutNs = timeoutNs;
            return this;
        }

        /** Default 1000/s with a burst of 50, as Linux's {@code icmp_msgs_per_sec}/{@code icmp_msgs_burst}. */
        public Builder icmpErrorRate(final int perSecond, final int burst) {
            this.icmpErrorsPerSecond = perSecond;
            this.icmpErrorBurst = burst;
            return this;
        }

        /** Per-connection send and receive buffer size, bytes. Default 256 KiB. */
        public Builder tcpBufferBytes(final int value) {
            this.tcpBufferBytes = value;
            return this;
        }

        /** Maximum segment lifetime; TIME-WAIT lasts 2×MSL (RFC 9293 §3.4.2). Default 30 s, so TIME-WAIT is 60 s as on Linux. */
        public Builder mslNs(final long value) {
            this.mslNs = value;
            return this;
        }

        /** RTO before the first RTT sample (RFC 6298 §2.1). Default 1 s. */
        public Builder initialRtoNs(final long value) {
            this.initialRtoNs = value;
            return this;
        }

        /** Lower bound of the RTO. Default 200 ms, as Linux (RFC 6298 §2.4 says 1 s; see README). */
        public Builder minRtoNs(final long value) {
            this.minRtoNs = value;
            return this;
        }

        /** Upper bound of the RTO (RFC 6298 §2.5: at least 60 s). Default 120 s, as Linux. */
        public Builder maxRtoNs(final long value) {
            this.maxRtoNs = value;
            return this;
        }

        /** Retransmissions of data or FIN before the connection is aborted (RFC 9293 §3.8.3 R2; Linux tcp_retries2). Default 15. */
        public Builder maxRetries(final int value) {
            this.maxRetries = value;
            return this;
        }

        /** Retransmissions of SYN or SYN-ACK before giving up (Linux tcp_syn_retries). Default 6. */
        public Builder synRetries(final int value) {
            this.synRetries = value;
            return this;
        }

        /** TIME-WAIT records held at most; when full the oldest is recycled and counted (Linux tcp_max_tw_buckets). Default 16384. */
        public Builder timeWaitMax(final int value) {
            this.timeWaitMax = value;
            return this;
        }

        /** RFC 5961 §7 challenge ACK limit, per second (Linux tcp_challenge_ack_limit). Default 1000. */
        public Builder challengeAcksPerSecond(final int value) {
            this.challengeAcksPerSecond = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first bad value */
        public StackConfig build() {
            if (mtu < MIN_MTU || mtu > MAX_MTU) {
                throw new IllegalArgumentException("mtu " + mtu + ": out of range (" + MIN_MTU + ".." + MAX_MTU + ")");
            }
            if (framesPerCycle < 1) {
                throw new IllegalArgumentException("framesPerCycle " + framesPerCycle + ": must be at least 1");
            }
            if (reassemblyMaxDatagrams < 1 || reassemblyMaxDatagrams > 4096) {
                throw new IllegalArgumentException(
                    "reassemblyMaxDatagrams " + reassemblyMaxDatagrams + ": out of range (1..4096)");
            }
            if (reassemblyTimeoutNs <= 0) {
                throw new IllegalArgumentException("reassemblyTimeoutNs must be positive");
            }
            if (icmpErrorsPerSecond < 0 || icmpErrorBurst < 0) {
                throw new IllegalArgumentException("ICMP error rate and burst must not be negative");
            }
            if (tcpBufferBytes < 1024 || tcpBufferBytes > (1 << 30)) {
                throw new IllegalArgumentException("tcpBufferBytes " + tcpBufferBytes + ": out of range (1024..2^30)");
            }
            if (mslNs <= 0 || initialRtoNs <= 0 || minRtoNs <= 0 || maxRtoNs < minRtoNs) {
                throw new IllegalArgumentException("TCP timers must be positive, with minRto <= maxRto");
            }
            if (maxRetries < 1 || synRetries < 1 || timeWaitMax < 1 || challengeAcksPerSecond < 0) {
                throw new IllegalArgumentException("TCP retry counts and table sizes must be at least 1");
            }
            if (synBacklog < 1 || synBacklog > 1_000_000) {
                throw new IllegalArgumentException("synBacklog " + synBacklog + ": out of range (1..1000000)");
            }
            if (acceptBacklog < 1 || acceptBacklog > 1_000_000) {
                throw new IllegalArgumentException("acceptBacklog " + acceptBacklog + ": out of range (1..1000000)");
            }
            if (delayedAckNs < 0 || delayedAckNs > TimeUnit.MILLISECONDS.toNanos(200)) {
                throw new IllegalArgumentException("delayedAckNs " + delayedAckNs + ": out of range (0..200 ms)");
            }
            if (keepAliveIdleNs < 0 || keepAliveIntervalNs <= 0 || keepAliveProbes < 1) {
                throw new IllegalArgumentException("keep-alive: idle must not be negative, interval and probes positive");
            }
            if (synAckRetries < 0 || synAckRetries > 15) {
                throw new IllegalArgumentException("synAckRetries " + synAckRetries + ": out of range (0..15)");
            }
            return new StackConfig(this);
        }
    }
}
