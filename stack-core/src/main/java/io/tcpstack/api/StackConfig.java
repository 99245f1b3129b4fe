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

    private StackConfig(final Builder b) {
        this.localAddress = b.localAddress;
        this.mtu = b.mtu;
        this.framesPerCycle = b.framesPerCycle;
        this.reassemblyMaxDatagrams = b.reassemblyMaxDatagrams;
        this.reassemblyTimeoutNs = b.reassemblyTimeoutNs;
        this.icmpErrorsPerSecond = b.icmpErrorsPerSecond;
        this.icmpErrorBurst = b.icmpErrorBurst;
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

    /** Builder with the defaults documented on each setter. */
    public static final class Builder {
        private int localAddress = IpAddress.parse("10.7.0.2");
        private int mtu = 1500;
        private int framesPerCycle = 64;
        private int reassemblyMaxDatagrams = 64;
        private long reassemblyTimeoutNs = TimeUnit.SECONDS.toNanos(30);
        private int icmpErrorsPerSecond = 1000;
        private int icmpErrorBurst = 50;

        private Builder() {
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
            return new StackConfig(this);
        }
    }
}
