package io.tcpstack.testing;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.link.PcapWriter;
import io.tcpstack.stats.StackCounters;

/**
 * A stack on one end of a {@link MemoryLink}, driven by the test in simulated time: inject
 * packets at the other end, run the duty cycle, collect what the stack sent. No threads,
 * no sleeps (Netty's EmbeddedChannel, Aeron's SenderTest).
 */
public final class StackHarness {
    public final CachedNanoClock clock = new CachedNanoClock();
    public final StackCounters counters = StackCounters.inMemory();
    public final TcpStack stack;
    private final MemoryLink stackEnd;
    private final MemoryLink testEnd;

    public StackHarness() {
        this(StackConfig.builder().localAddress(TestPackets.STACK).build(), null);
    }

    public StackHarness(final StackConfig config, final PcapWriter pcap) {
        this(config, pcap, link -> link);
    }

    /** With the stack's end of the link wrapped, e.g. in a {@link SegmentingLink}. */
    public StackHarness(final StackConfig config, final PcapWriter pcap,
        final java.util.function.UnaryOperator<io.tcpstack.link.PacketLink> wrap) {
        final MemoryLink[] ends = MemoryLink.pair(config.mtu());
        this.stackEnd = ends[0];
        this.testEnd = ends[1];
        clock.update(1_000_000_000L);
        this.stack = new TcpStack(config, wrap.apply(stackEnd), clock, counters, pcap);
    }

    /** Sends one packet to the stack (not yet processed: call {@link #run()}). */
    public StackHarness inject(final byte[] packet) {
        if (!testEnd.send(new UnsafeBuffer(packet), 0, packet.length)) {
            throw new IllegalStateException("memory link refused a " + packet.length + "-byte packet");
        }
        return this;
    }

    /** Runs duty cycles until the stack has no more work. */
    public StackHarness run() {
        for (int i = 0; i < 1000 && stack.doWork() > 0; i++) {
            // keep going
        }
        return this;
    }

    /** Injects and runs, then returns everything the stack sent. */
    public List<byte[]> exchange(final byte[] packet) {
        inject(packet);
        run();
        return collect();
    }

    /** Everything the stack sent since the last call, in order. */
    public List<byte[]> collect() {
        final List<byte[]> sent = new ArrayList<>();
        testEnd.poll((buffer, offset, length) -> {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            sent.add(copy);
        }, Integer.MAX_VALUE);
        return sent;
    }

    public void advanceNs(final long nanos) {
        clock.advance(nanos);
    }

    public long counter(final String name) {
        return counters.get(name);
    }
}
