package io.tcpstack.experiments.synflood;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The flood: spoofed-source SYNs ({@link SynPacket}) from {@link SpoofedSources}, paced by
 * a {@link Pacer} (bounded in count and time), through a {@link RawIpSocket} opened in the
 * namespace. Runs on the calling thread until the pacer is finished or {@code stop} is set.
 *
 * <p>When nothing is due the thread parks rather than spins: on a small machine the target
 * under test needs the CPU more than the flood needs a precise schedule (the achieved rate
 * is measured and reported, not assumed).
 */
public final class SynFlooder {
    /** What one flood did. Times are {@code System.nanoTime()} values. */
    public record Result(long requested, long sent, long refused, long skipped, long firstNs, long lastNs) {
        /** Packets the kernel took per second between the first and the last send. */
        public double achievedRate() {
            return sent > 1 && lastNs > firstNs ? (sent - 1) * 1e9 / (lastNs - firstNs) : 0;
        }

        public double seconds() {
            return lastNs > firstNs ? (lastNs - firstNs) / 1e9 : 0;
        }
    }

    private final RawIpSocket socket;
    private final int destination;
    private final SpoofedSources sources;
    private final SynPacket syn;

    public SynFlooder(final RawIpSocket socket, final int destination, final int port, final SpoofedSources sources) {
        this.socket = socket;
        this.destination = destination;
        this.sources = sources;
        this.syn = new SynPacket(new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64)), 0, destination, port, 1460);
    }

    /** Builds packets without sending them, so the JIT has compiled the loop before the clock starts. */
    public void warmUp(final int packets) {
        for (int i = 0; i < packets; i++) {
            syn.set(sources.nextAddress(), sources.nextPort(), sources.nextSeq(), sources.nextId());
        }
    }

    public Result run(final Pacer pacer, final AtomicBoolean stop) {
        long sent = 0;
        long refused = 0;
        long firstNs = 0;
        long lastNs = 0;
        long now = System.nanoTime();
        pacer.start(now);
        while (!stop.get() && !pacer.finished(now)) {
            final long due = pacer.due(now);
            for (long i = 0; i < due; i++) {
                syn.set(sources.nextAddress(), sources.nextPort(), sources.nextSeq(), sources.nextId());
                if (socket.send(syn.buffer(), syn.offset(), SynPacket.LENGTH, destination)) {
                    lastNs = System.nanoTime();
                    if (sent++ == 0) {
                        firstNs = lastNs;
                    }
                } else {
                    refused++;
                }
            }
            pacer.claim(due);
            now = System.nanoTime();
            if (due == 0) {
                LockSupport.parkNanos(Math.max(1_000, Math.min(pacer.nanosUntilDue(now), 1_000_000)));
                now = System.nanoTime();
            }
        }
        return new Result(pacer.maxCount(), sent, refused, pacer.skipped(), firstNs, lastNs);
    }
}
