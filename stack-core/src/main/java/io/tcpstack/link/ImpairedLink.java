package io.tcpstack.link;

import java.util.SplittableRandom;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.stats.StackCounters;

/**
 * A link that loses, duplicates and reorders packets, both ways, in front of another link
 * (the TUN in {@code serve --impair}): for experiments and tests of the TCP under loss
 * against a real peer where {@code tc netem} is not available. Decisions come from one
 * seeded generator, so a run's pattern of faults repeats (the timing of real traffic does
 * not). Reordering holds a packet back and delivers (or sends) it after the next one.
 *
 * <p>Stack thread only, like the link it wraps; no allocation per packet (one held packet
 * per direction, copied into a buffer made up front).
 *
 * <p>Over an offloading link the frames' flags ({@link FrameHandler#CHECKSUM_TRUSTED}) go
 * with them, held ones included, and frames of up to 64 KiB are taken; it does not offer
 * segmentation ({@link #segmentationMax()} is 0), so the stack sends MTU-sized segments,
 * each of which can be lost on its own.
 */
public final class ImpairedLink implements PacketLink {
    /** What to do to packets, each a probability per packet in [0, 1]. */
    public record Impairment(double loss, double duplicate, double reorder, long seed) {
        public Impairment {
            for (final double p : new double[] {loss, duplicate, reorder}) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("probabilities must be in [0, 1]");
                }
            }
        }

        /**
         * Parses {@code loss=0.01,duplicate=0.01,reorder=0.05,seed=1} (any subset; a
         * probability may be written as a percentage, {@code loss=1%}).
         */
        public static Impairment parse(final String spec) {
            double loss = 0;
            double duplicate = 0;
            double reorder = 0;
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
                        case "seed" -> seed = Long.parseLong(value);
                        default -> throw new IllegalArgumentException(
                            "'" + name + "': unknown (loss, duplicate, reorder, seed)");
                    }
                } catch (final NumberFormatException e) {
                    throw new IllegalArgumentException("'" + part + "': not a number");
                }
            }
            return new Impairment(loss, duplicate, reorder, seed);
        }

        private static double probability(final String value) {
            final double p = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1)) / 100
                : Double.parseDouble(value);
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("'" + value + "': a probability is 0..1 (or 0%..100%)");
            }
            return p;
        }
    }

    private final PacketLink inner;
    private final Impairment impairment;
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
    private FrameHandler handler;
    private int delivered;
    private final Held heldIn;
    private final Held heldOut;
    private final AtomicCounter dropped;
    private final AtomicCounter duplicated;
    private final AtomicCounter reordered;

    /** One packet held back for reordering. */
    private static final class Held {
        final UnsafeBuffer buffer;
        int length = -1;
        int flags;

        Held(final int maxFrame) {
            buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(maxFrame, 64), 64));
        }
    }

    public ImpairedLink(final PacketLink inner, final Impairment impairment, final StackCounters counters) {
        this.inner = inner;
        this.impairment = impairment;
        this.random = new SplittableRandom(impairment.seed());
        // An offloading link hands over packets of up to what it can segment (GRO/GSO, 64 KiB).
        this.heldIn = new Held(Math.max(inner.mtu(), inner.segmentationMax()));
        this.heldOut = new Held(inner.mtu());
        this.dropped = counters.newCounter("link.impair.dropped");
        this.duplicated = counters.newCounter("link.impair.duplicated");
        this.reordered = counters.newCounter("link.impair.reordered");
    }

    @Override
    public int poll(final FrameHandler frameHandler, final int limit) {
        handler = frameHandler;
        delivered = 0;
        final int polled = inner.poll(onInbound, limit);
        if (polled == 0 && heldOut.length >= 0) {
            final int length = heldOut.length; // nothing more was sent after it: send it now
            heldOut.length = -1;
            inner.send(heldOut.buffer, 0, length);
        }
        if (polled == 0 && heldIn.length >= 0) {
            // Nothing came after the held packet: let it go now rather than hold it forever.
            final int length = heldIn.length;
            heldIn.length = -1;
            frameHandler.onFrame(heldIn.buffer, 0, length, heldIn.flags);
            delivered++;
        }
        return Math.max(polled, delivered);
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
        handler.onFrame(buffer, offset, length, flags);
        delivered++;
        if (twice) {
            duplicated.incrementRelease();
            handler.onFrame(buffer, offset, length, flags);
            delivered++;
        }
        if (heldIn.length >= 0) {
            final int held = heldIn.length;
            heldIn.length = -1;
            handler.onFrame(heldIn.buffer, 0, held, heldIn.flags);
            delivered++;
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
        final boolean sent = inner.send(buffer, offset, length);
        if (random.nextDouble() < impairment.duplicate()) {
            duplicated.incrementRelease();
            inner.send(buffer, offset, length);
        }
        if (heldOut.length >= 0) {
            final int held = heldOut.length;
            heldOut.length = -1;
            inner.send(heldOut.buffer, 0, held);
        }
        return sent;
    }

    /** Whether {@link #poll} has something to do: a packet in the link below, or a held one either way. */
    @Override
    public boolean hasPending() {
        return heldIn.length >= 0 || heldOut.length >= 0 || inner.hasPending();
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
