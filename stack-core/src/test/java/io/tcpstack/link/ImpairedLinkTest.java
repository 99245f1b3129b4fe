package io.tcpstack.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.link.ImpairedLink.Impairment;
import io.tcpstack.stats.StackCounters;

/** The loss/duplication/reordering decorator used by {@code serve --impair}. */
class ImpairedLinkTest {
    private final StackCounters counters = StackCounters.inMemory();

    private static UnsafeBuffer packet(final int id) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[20]);
        b.putInt(0, id);
        return b;
    }

    /** Sends ids 0..n-1 from the far end and returns what the impaired end's poll hands over. */
    private List<Integer> receive(final Impairment impairment, final int n) {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], impairment, counters);
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
        final ImpairedLink link = new ImpairedLink(trusting, new Impairment(0, 0.3, 0.3, 3), counters);
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
        }
        link.poll(handler, 100);
        assertThat(counters.get("link.impair.reordered")).isPositive();
        assertThat(counters.get("link.impair.duplicated")).isPositive();
        assertThat(flags).hasSizeGreaterThan(200).containsOnly(FrameHandler.CHECKSUM_TRUSTED);
    }

    @Test
    void outbound_isImpairedToo() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(1, 0, 0, 1), counters);
        for (int i = 0; i < 20; i++) {
            assertThat(link.send(packet(i), 0, 20)).as("lost on the wire: the sender cannot tell").isTrue();
        }
        assertThat(pair[1].poll((b, o, l) -> { }, 100)).isZero();
    }

    @Test
    void aHeldPacket_eitherWay_isPending_untilAPollLetsItGo() {
        final MemoryLink[] pair = MemoryLink.pair(1500);
        final ImpairedLink link = new ImpairedLink(pair[0], new Impairment(0, 0, 1, 1), counters);
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
        assertThatThrownBy(() -> Impairment.parse("jitter=1")).hasMessageContaining("unknown");
        assertThatThrownBy(() -> Impairment.parse("loss")).hasMessageContaining("NAME=VALUE");
        assertThatThrownBy(() -> Impairment.parse("seed=x")).hasMessageContaining("not a number");
    }
}
