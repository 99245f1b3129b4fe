package io.tcpstack.link;

import java.util.SplittableRandom;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.stats.StackCounters;

/**
 * A link that loses, duplicates, reorders and delays packets, both ways, in front of another
 * link (the TUN in {@code serve --impair}): for experiments and tests of the TCP under loss
 * against a real peer where {@code tc netem} is not available. Decisions come from one
 * seeded generator, so a run's pattern of faults repeats (the timing of real traffic does
 * not). Reordering holds a packet back and delivers (or sends) it after the next one.
 *
 * <p>Delay, as netem's {@code delay TIME JITTER} (tc-netem(8)), after the loss, duplication
 * and reordering decisions: each packet, each copy of a duplicate on its own, leaves no
 * earlier than the time it reached this stage plus {@code delayNs} plus a jitter drawn
 * uniformly from [-{@code jitterNs}, +{@code jitterNs}] (the sum clamped at 0). Unlike
 * netem, which keeps delayed packets sorted by their time to send so that jitter reorders
 * them (unless a {@code rate} is set), each direction is first in, first out: a packet
 * whose time comes before that of the packet ahead of it waits for that one. Reordering is
 * {@code reorder}'s job alone (netem's {@code reorder}, with a delay, sends that share of
 * packets at once, ahead of all those delayed; here a held packet swaps with the next one,
 * and then both are delayed). Outbound time is read from the clock at {@link #send},
 * inbound once per {@link #poll}; delayed packets leave from {@link #poll}, so the stack
 * thread must not sleep past {@link #nextDueNs()} (the stack's wakeable idle strategy does
 * not).
 *
 * <p>Stack thread only, like the link it wraps, {@link #hasPending} included; no allocation
 * per packet: one held packet per direction for reordering, and with a delay one
 * {@link DelayLine} per direction, all allocated here. A delay line holds at most
 * {@link Impairment#limit()} packets (netem's {@code limit}, 1000 by default) in
 * {@code limit} × (MTU + 16) bytes, at most 64 MiB (1.5 MB each way at MTU
 * 1500), allocated when the link is made; frames take their own size, so small ones fit by the thousand, 64 KiB
 * ones from an offloading TUN by the tens. A packet beyond either bound is dropped and counted
 * as {@code link.impair.delay_overflow} ({@link #send} then returns false, as for a full
 * device queue).
 *
 * <p>Over an offloading link the frames' flags ({@link FrameHandler#CHECKSUM_TRUSTED}) go
 * with them, held and delayed ones included, and frames of up to 64 KiB are taken; it does not
 * offer segmentation ({@link #segmentationMax()} is 0), so the stack sends MTU-sized segments,
 * each of which can be lost on its own.
 */
public final class ImpairedLink implements PacketLink {
    /** The most memory one direction's delay line takes, bytes. */
    static final int MAX_DELAY_LINE_BYTES = 64 << 20;

    /**
     * What to do to packets: probabilities per packet in [0, 1], a delay and its jitter in
     * nanoseconds (0: none), and how many packets each direction's delay line holds.
     */
    public record Impairment(double loss, double duplicate, double reorder, long seed, long delayNs, long jitterNs,
        int limit) {
        /** Packets a delay line holds by default: netem's default {@code limit}. */
        public static final int DEFAULT_LIMIT = 1000;
        /** The longest delay or jitter, ns: 60 s, longer than any path a TCP test wants to emulate. */
        public static final long MAX_DELAY_NS = 60_000_000_000L;
        /** The largest {@code limit}. */
        public static final int MAX_LIMIT = 1_000_000;

        public Impairment {
            for (final double p : new double[] {loss, duplicate, reorder}) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("probabilities must be in [0, 1]");
                }
            }
            if (delayNs < 0 || delayNs > MAX_DELAY_NS || jitterNs < 0 || jitterNs > MAX_DELAY_NS) {
                throw new IllegalArgumentException("delay and jitter must be in [0, 60 s]");
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be in [1, " + MAX_LIMIT + "]");
            }
        }

        /** Loss, duplication and reordering without delay. */
        public Impairment(final double loss, final double duplicate, final double reorder, final long seed) {
            this(loss, duplicate, reorder, seed, 0, 0, DEFAULT_LIMIT);
        }

        /** Whether packets are delayed at all. */
        public boolean delays() {
            return delayNs > 0 || jitterNs > 0;
        }

        /**
         * Parses {@code loss=0.01,duplicate=0.01,reorder=0.05,delay=1ms,jitter=200us,limit=1000,seed=1}
         * (any subset; a probability may be written as a percentage, {@code loss=1%}; a time
         * takes a unit: ns, us, ms or s, and may have a fraction, {@code delay=1.5ms}).
         */
        public static Impairment parse(final String spec) {
            double loss = 0;
            double duplicate = 0;
            double reorder = 0;
            long delayNs = 0;
            long jitterNs = 0;
            int limit = DEFAULT_LIMIT;
            long seed = 1;
            for (final String part : spec.split(",")) {
                final int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("'" + part + "': expected NAME=VALUE");
                }
                final String name = part.substring(0, eq).trim();
                final String value = part.substring(eq + 1).trim();
                try {
                    switch (name) {
                        case "loss" -> loss = probability(value);
                        case "duplicate" -> duplicate = probability(value);
                        case "reorder" -> reorder = probability(value);
                        case "delay" -> delayNs = nanoseconds(value);
                        case "jitter" -> jitterNs = nanoseconds(value);
                        case "limit" -> limit = packets(value);
                        case "seed" -> seed = Long.parseLong(value);
                        default -> throw new IllegalArgumentException(
                            "'" + name + "': unknown (loss, duplicate, reorder, delay, jitter, limit, seed)");
                    }
                } catch (final NumberFormatException e) {
                    throw new IllegalArgumentException("'" + part + "': not a number");
                }
            }
            return new Impairment(loss, duplicate, reorder, seed, delayNs, jitterNs, limit);
        }

        private static double probability(final String value) {
            final double p = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1)) / 100
                : Double.parseDouble(value);
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("'" + value + "': a probability is 0..1 (or 0%..100%)");
            }
            return p;
        }

        /** {@code 1ms}, {@code 200us}, {@code 1.5ms}, {@code 0s}: a number and a unit (ns, us, ms, s). */
        private static long nanoseconds(final String value) {
            int digits = value.length();
            while (digits > 0 && Character.isLetter(value.charAt(digits - 1))) {
                digits--;
            }
            final long unitNs = switch (value.substring(digits)) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                default -> 0L;
            };
            final double amount;
            try {
                amount = unitNs == 0 || digits == 0 ? Double.NaN : Double.parseDouble(value.substring(0, digits));
            } catch (final NumberFormatException e) {
                throw badTime(value);
            }
            if (Double.isNaN(amount)) {
                throw badTime(value);
            }
            if (!(amount >= 0 && amount * unitNs <= MAX_DELAY_NS)) {
                throw new IllegalArgumentException("'" + value + "': out of range (0..60s)");
            }
            return Math.round(amount * unitNs);
        }

        private static IllegalArgumentException badTime(final String value) {
            return new IllegalArgumentException("'" + value + "': a time is a number with a unit, ns, us, ms or s"
                + " (e.g. 1ms)");
        }

        private static int packets(final String value) {
            final long n = Long.parseLong(value);
            if (n < 1 || n > MAX_LIMIT) {
                throw new IllegalArgumentException("'" + value + "': a limit is 1.." + MAX_LIMIT + " packets");
            }
            return (int) n;
        }
    }

    private final PacketLink inner;
    private final Impairment impairment;
    private final NanoClock clock;
    private final SplittableRandom random;
    /** Keeps the link's per-frame flags (an offloading TUN's CHECKSUM_TRUSTED) with each frame. */
    private final FrameHandler onInbound = new FrameHandler() {
        @Override
        public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length) {
            onInbound(buffer, offset, length, 0);
        }

        @Override
        public void onFrame(final MutableDirectBuffer buffer, final int offset, final int length, final int flags) {
            onInbound(buffer, offset, length, flags);
        }
    };
    /** Sends what the outbound delay line releases. */
    private final FrameHandler sendDelayed;
    private FrameHandler handler;
    private int delivered;
    /** When the current {@link #poll} began, on {@link #clock}: the inbound packets' arrival time. */
    private long pollNs;
    private final Held heldIn;
    private final Held heldOut;
    /** Both null without a delay. */
    private final DelayLine delayIn;
    private final DelayLine delayOut;
    private final AtomicCounter dropped;
    private final AtomicCounter duplicated;
    private final AtomicCounter reordered;
    private final AtomicCounter delayOverflow;

    /** One packet held back for reordering. */
    private static final class Held {
        final UnsafeBuffer buffer;
        int length = -1;
        int flags;

        Held(final int maxFrame) {
            buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(maxFrame, 64), 64));
        }
    }

    /**
     * @param clock the stack's clock (a delay is measured on it, and {@link #nextDueNs()} is
     *              in its time); read only when the impairment delays
     */
    public ImpairedLink(final PacketLink inner, final Impairment impairment, final NanoClock clock,
        final StackCounters counters) {
        this.inner = inner;
        this.impairment = impairment;
        this.clock = clock;
        this.random = new SplittableRandom(impairment.seed());
        // An offloading link hands over packets of up to what it can segment (GRO/GSO, 64 KiB).
        final int maxInbound = Math.max(inner.mtu(), inner.segmentationMax());
        this.heldIn = new Held(maxInbound);
        this.heldOut = new Held(inner.mtu());
        if (impairment.delays()) {
            this.delayIn = delayLine(impairment.limit(), inner.mtu(), maxInbound);
            this.delayOut = delayLine(impairment.limit(), inner.mtu(), inner.mtu());
        } else {
            this.delayIn = null;
            this.delayOut = null;
        }
        this.sendDelayed = (buffer, offset, length) -> inner.send(buffer, offset, length);
        this.dropped = counters.newCounter("link.impair.dropped");
        this.duplicated = counters.newCounter("link.impair.duplicated");
        this.reordered = counters.newCounter("link.impair.reordered");
        this.delayOverflow = counters.newCounter("link.impair.delay_overflow");
    }

    /** {@code limit} MTU-sized packets' worth of bytes, at most 64 MiB, and always room for the largest frame. */
    private static DelayLine delayLine(final int limit, final int mtu, final int maxFrame) {
        final long bytes = Math.min((long) limit * DelayLine.recordBytes(mtu), MAX_DELAY_LINE_BYTES);
        return new DelayLine((int) Math.max(bytes, DelayLine.recordBytes(maxFrame)), limit);
    }

    @Override
    public int poll(final FrameHandler frameHandler, final int limit) {
        handler = frameHandler;
        delivered = 0;
        if (delayIn != null) {
            pollNs = clock.nanoTime();
        }
        final int polled = inner.poll(onInbound, limit);
        if (polled == 0 && heldOut.length >= 0) {
            final int length = heldOut.length; // nothing more was sent after it: send it now
            heldOut.length = -1;
            transmit(heldOut.buffer, 0, length, pollNs);
        }
        if (polled == 0 && heldIn.length >= 0) {
            // Nothing came after the held packet: let it go now rather than hold it forever.
            final int length = heldIn.length;
            heldIn.length = -1;
            deliver(heldIn.buffer, 0, length, heldIn.flags);
        }
        if (delayIn == null) {
            return Math.max(polled, delivered);
        }
        delivered += delayIn.release(pollNs, frameHandler, limit);
        return Math.max(polled, delivered) + delayOut.release(pollNs, sendDelayed, limit);
    }

    private void onInbound(final MutableDirectBuffer buffer, final int offset, final int length, final int flags) {
        if (random.nextDouble() < impairment.loss()) {
            dropped.incrementRelease();
            return;
        }
        if (heldIn.length < 0 && length <= heldIn.buffer.capacity() && random.nextDouble() < impairment.reorder()) {
            heldIn.buffer.putBytes(0, buffer, offset, length);
            heldIn.length = length;
            heldIn.flags = flags;
            reordered.incrementRelease();
            return;
        }
        final boolean twice = random.nextDouble() < impairment.duplicate();
        deliver(buffer, offset, length, flags);
        if (twice) {
            duplicated.incrementRelease();
            deliver(buffer, offset, length, flags);
        }
        if (heldIn.length >= 0) {
            final int held = heldIn.length;
            heldIn.length = -1;
            deliver(heldIn.buffer, 0, held, heldIn.flags);
        }
    }

    /** Hands an inbound packet to the stack, or to the inbound delay line. */
    private void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final int flags) {
        if (delayIn == null) {
            handler.onFrame(buffer, offset, length, flags);
            delivered++;
        } else if (!delayIn.offer(buffer, offset, length, flags, releaseNs(pollNs))) {
            delayOverflow.incrementRelease();
        }
    }

    @Override
    public boolean send(final DirectBuffer buffer, final int offset, final int length) {
        if (random.nextDouble() < impairment.loss()) {
            dropped.incrementRelease();
            return true; // lost on the wire, as far as the sender can tell
        }
        if (heldOut.length < 0 && length <= heldOut.buffer.capacity() && random.nextDouble() < impairment.reorder()) {
            heldOut.buffer.putBytes(0, buffer, offset, length);
            heldOut.length = length;
            reordered.incrementRelease();
            return true;
        }
        final long nowNs = delayOut == null ? 0 : clock.nanoTime();
        final boolean sent = transmit(buffer, offset, length, nowNs);
        if (random.nextDouble() < impairment.duplicate()) {
            duplicated.incrementRelease();
            transmit(buffer, offset, length, nowNs);
        }
        if (heldOut.length >= 0) {
            final int held = heldOut.length;
            heldOut.length = -1;
            transmit(heldOut.buffer, 0, held, nowNs);
        }
        return sent;
    }

    /** Sends an outbound packet now, or queues it on the outbound delay line. */
    private boolean transmit(final DirectBuffer buffer, final int offset, final int length, final long nowNs) {
        if (delayOut == null) {
            return inner.send(buffer, offset, length);
        }
        if (!delayOut.offer(buffer, offset, length, 0, releaseNs(nowNs))) {
            delayOverflow.incrementRelease();
            return false;
        }
        return true;
    }

    /** Arrival plus the delay plus a uniform jitter in [-jitter, +jitter], never before arrival. */
    private long releaseNs(final long arrivalNs) {
        final long jitterNs = impairment.jitterNs();
        long delayNs = impairment.delayNs();
        if (jitterNs > 0) {
            delayNs += random.nextLong(2 * jitterNs + 1) - jitterNs;
        }
        return arrivalNs + Math.max(delayNs, 0);
    }

    /**
     * Whether {@link #poll} has something to do without any new arrival: a packet waiting in
     * the link below, a held packet, or a delayed one whose time has come. Stack thread only.
     */
    @Override
    public boolean hasPending() {
        return heldIn.length >= 0 || heldOut.length >= 0 || inner.hasPending() || (delayIn != null && delayedDue());
    }

    private boolean delayedDue() {
        final long dueNs = Math.min(delayIn.nextReleaseNs(), delayOut.nextReleaseNs());
        return dueNs != Long.MAX_VALUE && clock.nanoTime() - dueNs >= 0;
    }

    /** When the first delayed packet, either way, may leave; {@link Long#MAX_VALUE} if none waits. Stack thread only. */
    @Override
    public long nextDueNs() {
        final long innerDueNs = inner.nextDueNs();
        if (delayIn == null) {
            return innerDueNs;
        }
        return Math.min(innerDueNs, Math.min(delayIn.nextReleaseNs(), delayOut.nextReleaseNs()));
    }

    @Override
    public void onArrival(final Runnable waker) {
        inner.onArrival(waker);
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public void close() {
        inner.close();
    }
}
