package io.tcpstack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Control;

import io.tcpstack.link.FrameHandler;

/**
 * The TUN reader → stack thread hand-off (STYLE.md §3): the reader claims a max-size slot,
 * {@code read()}s the frame into it (modelled here by copying {@code frame} bytes into the
 * slot, the copy the kernel does), stores the real length in a 4-byte prefix and commits;
 * the stack polls in batches of up to 64 and sees each frame in place. Two rings:
 * <ul>
 * <li>{@code agrona}: {@link OneToOneRingBuffer}, {@code tryClaim(type, 4 + 1500)} +
 *     {@code commit}; capacity 512 KiB = 346 records of 8 + 1504 bytes;</li>
 * <li>{@code fixed}: {@link SpscFrameRing}, 256 slots of 1504 bytes (376 KiB).</li>
 * </ul>
 * Two shapes: {@code *OfferPoll} (a group of one), one thread doing claim + copy + commit +
 * poll (limit 64; it finds one frame, or none and two next time when Agrona's read stops at
 * the padding record it puts at the wrap), ns per frame, the bare cost of the code; and the {@code @Group}s {@code agrona}/{@code fixed},
 * producer and consumer on two threads (two cores), throughput. In a group, read the
 * producer's ops/µs: it is the frames/µs the pair sustains (the producer spins while the
 * ring is full, the consumer while it is empty; each checks {@link Control} so the
 * iteration can end). The consumer's ops are polls, not frames.
 */
@State(Scope.Group)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingBenchmark {
    private static final int MTU = 1500;
    private static final int SLOT = SpscFrameRing.LENGTH_PREFIX + MTU;
    private static final int MSG_TYPE = 1;
    private static final int BATCH = 64;

    /** Bytes per frame: a small segment/ACK-ish packet and a full-MTU one. */
    @Param({"100", "1500"})
    public int frame;

    private UnsafeBuffer source;
    private OneToOneRingBuffer agrona;
    private SpscFrameRing fixed;
    private SpscFrameRing.Producer fixedProducer;
    private SpscFrameRing.Consumer fixedConsumer;

    /** What the consumer does with each frame: reads its length and first and last words (the stack then parses it). */
    private final Sink sink = new Sink();
    private final FrameHandler onFrame = this::onFrame;
    private final MessageHandler onAgronaMessage = this::onAgronaMessage;

    @Setup(Level.Trial)
    public void setUp() {
        source = BenchPackets.direct(BenchPackets.pattern(MTU), 0);
        agrona = new OneToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned((512 * 1024) + RingBufferDescriptor.TRAILER_LENGTH, 64)));
        fixed = new SpscFrameRing(256, MTU);
        fixedProducer = fixed.producer();
        fixedConsumer = fixed.consumer();
    }

    private void onFrame(final MutableDirectBuffer buffer, final int offset, final int length) {
        sink.value += length + buffer.getInt(offset) + buffer.getInt(offset + length - 4);
    }

    private void onAgronaMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
        final int length) {
        onFrame.onFrame(buffer, index + SpscFrameRing.LENGTH_PREFIX, buffer.getInt(index));
    }

    // ---- producer steps (the TUN reader) -------------------------------------------------

    private boolean offerAgrona() {
        final int index = agrona.tryClaim(MSG_TYPE, SLOT);
        if (index < 0) {
            return false;
        }
        final MutableDirectBuffer b = agrona.buffer();
        b.putBytes(index + SpscFrameRing.LENGTH_PREFIX, source, 0, frame); // read(fd, slot + 4, 1500)
        b.putInt(index, frame);
        agrona.commit(index);
        return true;
    }

    private boolean offerFixed() {
        final int slot = fixedProducer.tryClaim();
        if (slot < 0) {
            return false;
        }
        fixed.buffer().putBytes(slot + SpscFrameRing.LENGTH_PREFIX, source, 0, frame);
        fixedProducer.commit(slot, frame);
        return true;
    }

    // ---- one thread: claim + copy + commit + poll ----------------------------------------

    @Benchmark
    @Group("agronaOfferPoll")
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long agronaOfferPoll() {
        offerAgrona();
        agrona.read(onAgronaMessage, BATCH);
        return sink.value;
    }

    @Benchmark
    @Group("fixedOfferPoll")
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long fixedOfferPoll() {
        offerFixed();
        fixedConsumer.poll(onFrame, BATCH);
        return sink.value;
    }

    // ---- two threads: producer and consumer ----------------------------------------------

    @Benchmark
    @Group("agrona")
    @BenchmarkMode(Mode.Throughput)
    public void agronaProducer(final Control control) {
        while (!offerAgrona()) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("agrona")
    @BenchmarkMode(Mode.Throughput)
    public int agronaConsumer(final Control control) {
        int frames;
        while ((frames = agrona.read(onAgronaMessage, BATCH)) == 0) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        return frames;
    }

    @Benchmark
    @Group("fixed")
    @BenchmarkMode(Mode.Throughput)
    public void fixedProducer(final Control control) {
        while (!offerFixed()) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("fixed")
    @BenchmarkMode(Mode.Throughput)
    public int fixedConsumer(final Control control) {
        int frames;
        while ((frames = fixedConsumer.poll(onFrame, BATCH)) == 0) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        return frames;
    }

    /** The consumer's running value, alone on its cache lines (the producer reads this state object's other fields). */
    abstract static class SinkPad {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    abstract static class SinkValue extends SinkPad {
        long value;
    }

    static final class Sink extends SinkValue {
        long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
    }
}
