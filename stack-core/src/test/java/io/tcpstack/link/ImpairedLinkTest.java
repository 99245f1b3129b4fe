package io.tcpstack.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpStack;
import io.tcpstack.api.WakeableIdleStrategy;
import io.tcpstack.link.ImpairedLink.Impairment;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.testing.TestPackets;

/** The loss/duplication/reordering/delay decorator used by {@code serve --impair}. */
class ImpairedLinkTest {
    private static final long T0 = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;
    private final StackCounters counters = StackCounters.inMemory();
    private final CachedNanoClock clock = new CachedNanoClock();

    ImpairedLinkTest() {
        clock.update(T0);
    }

    private static UnsafeBuffer packet(final int id) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[20]);
        b.putInt(0, id);
        return b;
    }

    /** Sends ids 0..n-1 from the far end and returns what the impaired end's poll hands over. */
    private List<Integer> receive(final Impairment impairment, final int n) {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], impairment, clock, counters);
        final List<Integer> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pair[1].send(packet(i), 0, 20);
            link.poll((buffer, offset, length) -> got.add(buffer.getInt(offset)), 100);
        }
        link.poll((buffer, offset, length) -> got.add(buffer.getInt(offset)), 100); // a held one, if any
        return got;
    }

    @Test
    void noImpairment_deliversEverythingInOrder() {
        assertThat(receive(new Impairment(0, 0, 0, 1), 100)).hasSize(100).isSorted();
    }

    @Test
    void lossOne_dropsEverything_andCountsIt() {
        assertThat(receive(new Impairment(1, 0, 0, 1), 50)).isEmpty();
        assertThat(counters.get("link.impair.dropped")).isEqualTo(50);
    }

    @Test
    void duplicateOne_deliversEachTwice() {
        assertThat(receive(new Impairment(0, 1, 0, 1), 10)).containsExactly(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
            7, 7, 8, 8, 9, 9);
    }

    @Test
    void reorder_deliversAHeldPacketAfterTheNextOne_andNothingIsLost() {
        final List<Integer> got = receive(new Impairment(0, 0, 0.3, 7), 1000);
        assertThat(got).hasSize(1000).containsExactlyInAnyOrderElementsOf(receive(new Impairment(0, 0, 0, 7), 1000));
        assertThat(got).isNotEqualTo(got.stream().sorted().toList());
        assertThat(counters.get("link.impair.reordered")).isPositive();
    }

    @Test
    void theSameSeed_givesTheSameFaults() {
        final Impairment i = new Impairment(0.1, 0.05, 0.1, 42);
        assertThat(receive(i, 500)).isEqualTo(receive(i, 500));
    }

    @Test
    void framesKeepTheLinksFlags_heldAndDuplicatedOnesToo() {
        assertThat(flagsThrough(new Impairment(0, 0.3, 0.3, 3))).hasSizeGreaterThan(200)
            .containsOnly(FrameHandler.CHECKSUM_TRUSTED);
        assertThat(counters.get("link.impair.reordered")).isPositive();
        assertThat(counters.get("link.impair.duplicated")).isPositive();
    }

    @Test
    void framesKeepTheLinksFlags_delayedOnesToo() {
        assertThat(flagsThrough(new Impairment(0, 0.3, 0.3, 3, MS, 300 * US, 1000))).hasSizeGreaterThan(200)
            .containsOnly(FrameHandler.CHECKSUM_TRUSTED);
    }

    /** The flags each frame reaches the stack with, from an inner link that vouches for every checksum. */
    private List<Integer> flagsThrough(final Impairment impairment) {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        // The inner link vouches for every frame's checksum, as an offloading TUN does.
        final PacketLink trusting = new PacketLink() {
            @Override
            public int poll(final FrameHandler handler, final int limit) {
                return pair[0].poll((b, o, l) -> handler.onFrame(b, o, l, FrameHandler.CHECKSUM_TRUSTED), limit);
            }

            @Override
            public boolean send(final org.agrona.DirectBuffer buffer, final int offset, final int length) {
                return pair[0].send(buffer, offset, length);
            }

            @Override
            public int mtu() {
                return 1500;
            }

            @Override
            public void close() {
            }
        };
        final ImpairedLink link = new ImpairedLink(trusting, impairment, clock, counters);
        final List<Integer> flags = new ArrayList<>();
        final FrameHandler handler = new FrameHandler() {
            @Override
            public void onFrame(final org.agrona.MutableDirectBuffer b, final int o, final int l) {
                flags.add(-1);
            }

            @Override
            public void onFrame(final org.agrona.MutableDirectBuffer b, final int o, final int l, final int f) {
                flags.add(f);
            }
        };
        for (int i = 0; i < 200; i++) {
            pair[1].send(packet(i), 0, 20);
            link.poll(handler, 100);
            clock.advance(100 * US);
        }
        link.poll(handler, 100);
        clock.advance(2 * MS);
        link.poll(handler, 1000);
        return flags;
    }

    @Test
    void outbound_isImpairedToo() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(1, 0, 0, 1), clock, counters);
        for (int i = 0; i < 20; i++) {
            assertThat(link.send(packet(i), 0, 20)).as("lost on the wire: the sender cannot tell").isTrue();
        }
        assertThat(pair[1].poll((b, o, l) -> { }, 100)).isZero();
    }

    @Test
    void aHeldPacket_eitherWay_isPending_untilAPollLetsItGo() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 1, 1), clock, counters);
        link.send(packet(1), 0, 20);
        assertThat(link.hasPending()).as("held outbound: sent by the next poll").isTrue();
        pair[1].send(packet(2), 0, 20);
        link.poll((b, o, l) -> { }, 100);
        assertThat(link.hasPending()).as("held inbound").isTrue();
        link.poll((b, o, l) -> { }, 100);
        assertThat(link.hasPending()).isFalse();
        assertThat(pair[1].poll((b, o, l) -> { }, 100)).isOne();
    }

    @Test
    void spec_parses_andBadSpecsSayWhy() {
        assertThat(Impairment.parse("loss=1%,duplicate=0.01,reorder=5%,seed=7"))
            .isEqualTo(new Impairment(0.01, 0.01, 0.05, 7));
        assertThatThrownBy(() -> Impairment.parse("loss=2")).hasMessageContaining("0..1");
        assertThatThrownBy(() -> Impairment.parse("rate=1")).hasMessage(
            "'rate': unknown (loss, duplicate, reorder, delay, jitter, limit, seed)");
        assertThatThrownBy(() -> Impairment.parse("loss")).hasMessageContaining("NAME=VALUE");
        assertThatThrownBy(() -> Impairment.parse("seed=x")).hasMessageContaining("not a number");
    }

    @Test
    void spec_delayAndJitter_takeAUnit() {
        assertThat(Impairment.parse("loss=1%,reorder=5%,delay=1ms,jitter=200us,limit=50,seed=7"))
            .isEqualTo(new Impairment(0.01, 0, 0.05, 7, MS, 200 * US, 50));
        assertThat(Impairment.parse("delay=1.5ms").delayNs()).isEqualTo(1_500_000);
        assertThat(Impairment.parse("delay=2s").delayNs()).isEqualTo(2_000_000_000L);
        assertThat(Impairment.parse("delay=250ns").delayNs()).isEqualTo(250);
        assertThat(Impairment.parse("delay=0ms").delays()).isFalse();
        assertThat(Impairment.parse("jitter=10us").delays()).isTrue();
        assertThat(Impairment.parse("delay=1ms").limit()).isEqualTo(Impairment.DEFAULT_LIMIT);
    }

    @Test
    void spec_badTimesAndLimits_sayWhy() {
        assertThatThrownBy(() -> Impairment.parse("delay=1")).hasMessage(
            "'1': a time is a number with a unit, ns, us, ms or s (e.g. 1ms)");
        assertThatThrownBy(() -> Impairment.parse("delay=1h")).hasMessageContaining("a time is a number with a unit");
        assertThatThrownBy(() -> Impairment.parse("jitter=ms")).hasMessageContaining("a time is a number with a unit");
        assertThatThrownBy(() -> Impairment.parse("delay=x1ms")).hasMessageContaining("a time is a number with a unit");
        assertThatThrownBy(() -> Impairment.parse("delay=-1ms")).hasMessage("'-1ms': out of range (0..60s)");
        assertThatThrownBy(() -> Impairment.parse("jitter=61s")).hasMessage("'61s': out of range (0..60s)");
        assertThatThrownBy(() -> Impairment.parse("limit=0")).hasMessage("'0': a limit is 1..1000000 packets");
        assertThatThrownBy(() -> Impairment.parse("limit=x")).hasMessage("'limit=x': not a number");
    }

    @Test
    void delay_holdsAnInboundPacketUntilItsTime() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 0, 1, MS, 0, 1000), clock, counters);
        final List<Integer> got = new ArrayList<>();
        pair[1].send(packet(7), 0, 20);
        assertThat(link.poll((b, o, l) -> got.add(b.getInt(o)), 100)).as("taken from the link: work").isOne();
        assertThat(got).isEmpty();
        assertThat(link.nextDueNs()).isEqualTo(T0 + MS);
        clock.update(T0 + MS - 1);
        assertThat(link.hasPending()).isFalse();
        assertThat(link.poll((b, o, l) -> got.add(b.getInt(o)), 100)).isZero();
        assertThat(got).isEmpty();
        clock.update(T0 + MS);
        assertThat(link.hasPending()).as("due: the stack thread must not park").isTrue();
        assertThat(link.poll((b, o, l) -> got.add(b.getInt(o)), 100)).isOne();
        assertThat(got).containsExactly(7);
        assertThat(link.nextDueNs()).isEqualTo(Long.MAX_VALUE);
        assertThat(link.hasPending()).isFalse();
    }

    @Test
    void delay_holdsAnOutboundPacketUntilItsTime() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 0, 1, MS, 0, 1000), clock, counters);
        final List<Integer> far = new ArrayList<>();
        assertThat(link.send(packet(9), 0, 20)).isTrue();
        assertThat(pair[1].poll((b, o, l) -> far.add(b.getInt(o)), 100)).isZero();
        assertThat(link.nextDueNs()).isEqualTo(T0 + MS);
        clock.update(T0 + MS - 1);
        assertThat(link.poll((b, o, l) -> { }, 100)).isZero();
        assertThat(pair[1].poll((b, o, l) -> far.add(b.getInt(o)), 100)).isZero();
        clock.update(T0 + MS);
        assertThat(link.hasPending()).isTrue();
        assertThat(link.poll((b, o, l) -> { }, 100)).as("sending it is work").isOne();
        assertThat(pair[1].poll((b, o, l) -> far.add(b.getInt(o)), 100)).isOne();
        assertThat(far).containsExactly(9);
    }

    @Test
    void delay_bothWays_throughAStack_pingTakesTwoDelays() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 0, 1, MS, 0, 1000), clock, counters);
        final TcpStack stack = new TcpStack(StackConfig.builder().localAddress(TestPackets.STACK).build(), link, clock,
            counters, null);
        final byte[] ping = TestPackets.echoRequest(1, 1, new byte[56]);
        pair[1].send(new UnsafeBuffer(ping), 0, ping.length);
        final List<Long> replies = new ArrayList<>();
        for (long t = T0; t <= T0 + 3 * MS; t += 50 * US) { // a step a twentieth of the delay
            clock.update(t);
            stack.doWork();
            pair[1].poll((b, o, l) -> replies.add(clock.nanoTime()), 100);
        }
        assertThat(counters.get("icmp.echo.replies")).isOne();
        assertThat(replies).containsExactly(T0 + 2 * MS);
    }

    @Test
    void jitter_staysWithinItsBounds() {
        final List<long[]> got = schedule(new Impairment(0, 0, 0, 5, MS, 200 * US, 1000), 1000, 500 * US, true);
        assertThat(got).hasSize(1000);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (final long[] p : got) {
            final long delayNs = p[2] - p[1];
            min = Math.min(min, delayNs);
            max = Math.max(max, delayNs);
        }
        assertThat(min).isBetween(800 * US, 850 * US); // uniform over [-200 us, +200 us]: both ends reached
        assertThat(max).isBetween(1150 * US, 1200 * US);
    }

    @Test
    void jitter_neverReorders_aPacketWaitsForTheOneAhead() {
        // Sent every 10 us with +-200 us of jitter: by its own time, one in two would overtake.
        final List<long[]> got = schedule(new Impairment(0, 0, 0, 5, MS, 200 * US, 1000), 1000, 10 * US, false);
        assertThat(got).hasSize(1000);
        assertThat(got.stream().map(p -> p[0]).toList()).isSorted();
        int heldForTheOneAhead = 0;
        for (int i = 1; i < got.size(); i++) {
            assertThat(got.get(i)[2]).isGreaterThanOrEqualTo(got.get(i - 1)[2]);
            assertThat(got.get(i)[2] - got.get(i)[1]).isBetween(800 * US, 1200 * US);
            if (got.get(i)[2] == got.get(i - 1)[2]) {
                heldForTheOneAhead++;
            }
        }
        assertThat(heldForTheOneAhead).as("released with the packet ahead of it").isGreaterThan(100);
    }

    @Test
    void delay_theSameSeed_givesTheSameFaultsAndTimes() {
        final Impairment i = new Impairment(0.1, 0.05, 0.1, 42, MS, 300 * US, 1000);
        final List<long[]> first = schedule(i, 500, 20 * US, true);
        final List<long[]> again = schedule(i, 500, 20 * US, true);
        assertThat(again).hasSameSizeAs(first);
        for (int k = 0; k < first.size(); k++) {
            assertThat(again.get(k)).containsExactly(first.get(k));
        }
        assertThat(schedule(new Impairment(0.1, 0.05, 0.1, 43, MS, 300 * US, 1000), 500, 20 * US, true)
            .stream().map(p -> p[2]).toList()).as("another seed").isNotEqualTo(first.stream().map(p -> p[2]).toList());
    }

    @Test
    void delay_aFullLine_dropsAndCounts_andSendSaysSo() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 0, 1, MS, 0, 5), clock, counters);
        for (int i = 0; i < 10; i++) {
            assertThat(link.send(packet(i), 0, 20)).as("packet %d", i).isEqualTo(i < 5);
            pair[1].send(packet(100 + i), 0, 20);
        }
        link.poll((b, o, l) -> { }, 100);
        assertThat(counters.get("link.impair.delay_overflow")).isEqualTo(10);
        clock.update(T0 + MS);
        final List<Integer> in = new ArrayList<>();
        final List<Integer> out = new ArrayList<>();
        link.poll((b, o, l) -> in.add(b.getInt(o)), 100);
        pair[1].poll((b, o, l) -> out.add(b.getInt(o)), 100);
        assertThat(out).containsExactly(0, 1, 2, 3, 4);
        assertThat(in).containsExactly(100, 101, 102, 103, 104);
    }

    @Test
    void delay_allocatesNothingPerPacket() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0.01, 0.01, 0.05, 1, MS, 200 * US, 1000),
            clock, counters);
        final UnsafeBuffer packet = new UnsafeBuffer(new byte[1500]);
        final FrameHandler ignore = (b, o, l) -> { };
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final long id = Thread.currentThread().getId();
        final Runnable tenMicroseconds = () -> {
            pair[1].send(packet, 0, 1500);
            link.send(packet, 0, 1500);
            link.poll(ignore, 64);
            link.hasPending();
            pair[1].poll(ignore, 64);
            clock.advance(10 * US);
        };
        for (int i = 0; i < 50_000; i++) { // warm up: let the JIT compile the path
            tenMicroseconds.run();
        }
        threads.getThreadAllocatedBytes(id); // its first call may allocate
        final long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 20_000; i++) {
            tenMicroseconds.run();
        }
        final long allocated = threads.getThreadAllocatedBytes(id) - before;
        // ~100 packets in each delay line all along; one object a packet would be >= 640,000 bytes.
        assertThat(allocated).as("bytes allocated by 40000 packets through the delay").isLessThan(10_000);
        assertThat(counters.get("link.impair.delay_overflow")).isZero();
    }

    @Test
    void noDelay_readsNoClock_andHoldsNothingBack() {
        final long[] reads = {0};
        final NanoClock counting = () -> {
            reads[0]++;
            return T0;
        };
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0.1, 0.1, 0.1, 1), counting, counters);
        for (int i = 0; i < 100; i++) {
            pair[1].send(packet(i), 0, 20);
            link.send(packet(i), 0, 20);
            link.poll((b, o, l) -> { }, 100);
            link.hasPending();
        }
        assertThat(reads[0]).isZero();
        assertThat(link.nextDueNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aDelayedPacket_wakesAParkedStackThread_inTime() throws Exception {
        final NanoClock realClock = SystemNanoClock.INSTANCE;
        final long delayNs = TimeUnit.MILLISECONDS.toNanos(20);
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 0, 1, delayNs, 0, 1000), realClock,
            counters);
        final TcpStack stack = new TcpStack(StackConfig.builder().localAddress(TestPackets.STACK).build(), link,
            realClock, counters, null);
        // It parks for up to an hour, and nothing wakes it (a memory link has no reader thread) but the delay.
        final WakeableIdleStrategy idle = stack.wakeableIdleStrategy(0, 0, TimeUnit.HOURS.toNanos(1));
        final byte[] ping = TestPackets.echoRequest(1, 1, new byte[56]);
        pair[1].send(new UnsafeBuffer(ping), 0, ping.length);
        final long startNs = realClock.nanoTime();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread = new Thread(() -> {
            while (!stop.get()) {
                idle.idle(stack.doWork());
            }
        });
        thread.setDaemon(true); // should it park for the hour after all, the assertion below says so
        thread.start();
        final long[] replyNs = {0};
        final long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(30);
        while (replyNs[0] == 0 && realClock.nanoTime() - deadlineNs < 0) {
            pair[1].poll((b, o, l) -> replyNs[0] = realClock.nanoTime(), 1);
            Thread.onSpinWait();
        }
        stop.set(true);
        idle.wake();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(replyNs[0]).as("the echo reply came back, not after an hour's park").isNotZero();
        assertThat(replyNs[0] - startNs).as("held a delay each way").isGreaterThanOrEqualTo(2 * delayNs);
        assertThat(thread.isAlive()).isFalse();
    }

    /**
     * Sends ids 0..n-1, one every {@code spacingNs}, through the link (from the far end when
     * {@code inbound}, else from the link's own end), moving the simulated clock from event to
     * event; returns {id, sent at, arrived at} in the order they arrived.
     */
    private List<long[]> schedule(final Impairment impairment, final int n, final long spacingNs, final boolean inbound) {
        final CachedNanoClock time = new CachedNanoClock();
        time.update(T0);
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], impairment, time, StackCounters.inMemory());
        final List<long[]> got = new ArrayList<>();
        final FrameHandler record = (b, o, l) -> {
            final int id = b.getInt(o);
            got.add(new long[] {id, T0 + id * spacingNs, time.nanoTime()});
        };
        int sent = 0;
        for (int events = 0; events < 10 * n + 10; events++) {
            final long nextSendNs = sent < n ? T0 + sent * spacingNs : Long.MAX_VALUE;
            final long nextNs = Math.min(nextSendNs, link.nextDueNs());
            if (nextNs == Long.MAX_VALUE) {
                break;
            }
            time.update(Math.max(time.nanoTime(), nextNs));
            if (time.nanoTime() == nextSendNs) {
                if (inbound) {
                    pair[1].send(packet(sent), 0, 20);
                } else {
                    link.send(packet(sent), 0, 20);
                }
                sent++;
            }
            link.poll(inbound ? record : (b, o, l) -> { }, 1000);
            pair[1].poll(inbound ? (b, o, l) -> { } : record, 1000);
        }
        link.poll(inbound ? record : (b, o, l) -> { }, 1000); // a held one, if any
        time.advance(2 * MS);
        link.poll(inbound ? record : (b, o, l) -> { }, 1000);
        pair[1].poll(inbound ? (b, o, l) -> { } : record, 1000);
        return got;
    }
}
