package io.tcpstack.link;

/**
 * What a {@link FaultyLink} does to the packets of one direction. Immutable; build with
 * {@link #builder()}. Each packet goes through, in order:
 *
 * <ol>
 *   <li>the bottleneck: with {@code bitsPerSecond > 0} it waits for the packets before it to
 *       be serialised, and is dropped if the queue already holds {@code queueBytes} (tail
 *       drop);</li>
 *   <li>loss, with probability {@code lossRate};</li>
 *   <li>duplication, with probability {@code duplicateRate}: two copies travel on
 *       independently from here;</li>
 *   <li>delay: {@code delayNs} plus a uniform jitter in [0, {@code jitterNs}], plus
 *       {@code reorderDelayNs} with probability {@code reorderRate} (that copy is overtaken
 *       by those sent after it). Jitter larger than the spacing of packets reorders them
 *       too;</li>
 *   <li>corruption, with probability {@code corruptRate}: one bit, anywhere in the packet,
 *       is flipped (the receiver's IPv4 or TCP checksum must catch it).</li>
 * </ol>
 */
public record LinkFaults(double lossRate, double duplicateRate, double reorderRate, long reorderDelayNs,
    long delayNs, long jitterNs, double corruptRate, long bitsPerSecond, int queueBytes) {

    /** A perfect link: no loss, no delay, unlimited bandwidth (a {@link MemoryLink}). */
    public static final LinkFaults NONE = builder().build();

    /** @throws IllegalArgumentException naming the first bad value */
    public LinkFaults {
        checkRate("lossRate", lossRate);
        checkRate("duplicateRate", duplicateRate);
        checkRate("reorderRate", reorderRate);
        checkRate("corruptRate", corruptRate);
        if (reorderDelayNs < 0 || delayNs < 0 || jitterNs < 0) {
            throw new IllegalArgumentException("delays must not be negative");
        }
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("bitsPerSecond " + bitsPerSecond + ": must not be negative (0: unlimited)");
        }
        if (bitsPerSecond > 0 && queueBytes < 1) {
            throw new IllegalArgumentException("queueBytes " + queueBytes + ": a bandwidth limit needs a queue");
        }
    }

    private static void checkRate(final String name, final double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException(name + " " + rate + ": out of range (0..1)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; every fault is off by default. */
    public static final class Builder {
        private double lossRate;
        private double duplicateRate;
        private double reorderRate;
        private long reorderDelayNs;
        private long delayNs;
        private long jitterNs;
        private double corruptRate;
        private long bitsPerSecond;
        private int queueBytes;

        private Builder() {
        }

        /** Probability (0..1) that a packet is lost. */
        public Builder loss(final double rate) {
            this.lossRate = rate;
            return this;
        }

        /** Probability (0..1) that a packet arrives twice. */
        public Builder duplicate(final double rate) {
            this.duplicateRate = rate;
            return this;
        }

        /** Probability (0..1) that a packet is held back {@code extraDelayNs} longer than the others. */
        public Builder reorder(final double rate, final long extraDelayNs) {
            this.reorderRate = rate;
            this.reorderDelayNs = extraDelayNs;
            return this;
        }

        /** One-way propagation delay plus a uniform jitter in [0, jitterNs]. */
        public Builder delay(final long delayNs, final long jitterNs) {
            this.delayNs = delayNs;
            this.jitterNs = jitterNs;
            return this;
        }

        /** Probability (0..1) that one bit of a packet is flipped. */
        public Builder corrupt(final double rate) {
            this.corruptRate = rate;
            return this;
        }

        /** A bottleneck of {@code bitsPerSecond} with a tail-drop queue of {@code queueBytes}. */
        public Builder bandwidth(final long bitsPerSecond, final int queueBytes) {
            this.bitsPerSecond = bitsPerSecond;
            this.queueBytes = queueBytes;
            return this;
        }

        /** @throws IllegalArgumentException naming the first bad value */
        public LinkFaults build() {
            return new LinkFaults(lossRate, duplicateRate, reorderRate, reorderDelayNs, delayNs, jitterNs,
                corruptRate, bitsPerSecond, queueBytes);
        }
    }
}
