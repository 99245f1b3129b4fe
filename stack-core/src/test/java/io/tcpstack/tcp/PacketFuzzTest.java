package io.tcpstack.tcp;

import static io.tcpstack.testing.TestPackets.HOST;
import static io.tcpstack.testing.TestPackets.STACK;
import static io.tcpstack.testing.TestPackets.referenceChecksum;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.SynCookies;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.link.FrameHandler;
import io.tcpstack.testing.FlaggingLink;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TestPackets;

/**
 * Malformed and hostile input, generated from one seed: the stack must count and drop what
 * it cannot take, never throw, never send a malformed packet, keep serving, and leak nothing.
 *
 * <p>Each seed drives one stack, with an echo service and a few live connections, through
 * {@link #PACKETS_PER_SEED} packets: segments built from the connections' real state (in and
 * out of window, every flag combination, MSS / window scale / SACK / timestamp options with
 * edge values), ICMP, fragments and plain random bytes, about half of them then mutated (bits
 * flipped, lengths and offsets rewritten, truncated, extended) and most of those given
 * correct checksums again, so the mutation reaches TCP instead of dying at the IPv4 or TCP
 * checksum; a third arrive as from an offloading TUN, their TCP checksum vouched for and
 * not verified. Simulated time moves on between packets, now and then by seconds, so timers fire
 * in the middle of it. After each packet, everything the stack sent is checked (below);
 * after the seed, a new connection must still be served, and once every connection is
 * aborted and every timer has run out, nothing may be left (connections, TIME-WAIT records,
 * timers, buffers).
 *
 * <p>A failure prints its seed; {@code -Dtcpstack.seed=N} replays that seed alone, and
 * {@code -Dtcpstack.fuzz.seeds=N} runs more (CI runs {@link #CI_SEEDS} and a fresh one).
 */
class PacketFuzzTest {
    private static final int CI_SEEDS = 8;
    private static final int PACKETS_PER_SEED = 25_000;
    private static final int ECHO_PORT = 7;
    private static final int LIVE_FLOWS = 4;
    private static final long MS = 1_000_000L;
    /** Counters every seed must have moved: each is a rule the fuzz got as far as. */
    private static final String[] REACHED = {
        "ip.rx.bad_checksum", "ip.rx.bad_total_length", "tcp.rx.bad_checksum", "tcp.rx.checksum_trusted", "tcp.rx.bad_header_length",
        "tcp.rx.bad_options", "tcp.rx.closed_port", "tcp.rx.out_of_window", "tcp.rx.out_of_order",
        "tcp.rx.paws_rejected", "tcp.PassiveOpens", "tcp.OutRsts", "icmp.echo.requests", "ip.rx.unknown_protocol", "icmp.rx.unhandled_type", "ip.reasm.fragments"};

    @Test
    void malformedAndHostileInput_isCountedAndDropped_andTheStackKeepsServing() {
        final Long only = Long.getLong("tcpstack.seed");
        if (only != null) {
            runSeed(only);
            return;
        }
        final int seeds = Integer.getInteger("tcpstack.fuzz.seeds", CI_SEEDS);
        for (long seed = 1; seed <= seeds; seed++) {
            runSeed(seed);
        }
        final long fresh = new Random().nextLong();
        System.out.println("PacketFuzzTest: seeds 1.." + seeds + " and a fresh one, " + fresh);
        runSeed(fresh);
    }

    private static void runSeed(final long seed) {
        final Fuzzer fuzzer = new Fuzzer(seed);
        try {
            fuzzer.run();
        } catch (final Throwable e) {
            throw new AssertionError("PacketFuzzTest seed " + seed + " (replay: -Dtcpstack.seed=" + seed
                + ") failed after " + fuzzer.injected + " packets; last packet in: "
                + HexFormat.of().formatHex(fuzzer.lastIn), e);
        }
    }

    /** One peer connection as the fuzzer tracks it from what the stack sends. */
    private static final class Flow {
        final int port;
        int peerNxt;     // our next sequence number
        int stackNxt;    // the stack's highest SEG.SEQ + SEG.LEN seen, 0 before its SYN-ACK
        int tsVal = 1;

        Flow(final int port, final int peerIss) {
            this.port = port;
            this.peerNxt = peerIss;
        }
    }

    /** Echoes what it can, remembers every connection it was given, counts closes. */
    private static final class EchoApp implements TcpHandler {
        final List<Connection> open = new ArrayList<>();
        int connected;
        int closed;

        @Override
        public void onConnected(final Connection c) {
            connected++;
            open.add(c);
        }

        @Override
        public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
            return c.send(buffer, offset, length); // what does not fit stays unread: flow control
        }

        @Override
        public void onPeerClosed(final Connection c) {
            c.close();
        }

        @Override
        public void onClosed(final Connection c, final CloseReason reason) {
            closed++;
            open.remove(c);
        }
    }

    private static final class Fuzzer {
        final long seed;
        final Random random;
        final StackHarness harness;
        final EchoApp app = new EchoApp();
        final List<Flow> flows = new ArrayList<>();
        FlaggingLink link;
        final boolean cookies;
        int nextPort = 20_000;
        long injected;
        byte[] lastIn = new byte[0];

        Fuzzer(final long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.cookies = (seed & 1) != 0;
            final StackConfig config = StackConfig.builder().localAddress(STACK)
                .tcpBufferBytes(16 * 1024)      // small: windows fill and close under the fuzz
                .mslNs(2_000 * MS)              // TIME-WAIT of 4 s keeps the final wait short
                .maxRetries(6)
                // Odd seeds: a SYN cookie for every SYN (RFC 4987 §3.6), so every stray ACK to
                // the listener is a cookie to validate, with CUBIC and the recovery probe on.
                .synCookies(cookies ? SynCookies.ALWAYS : SynCookies.ON)
                .congestionControl(cookies ? StackConfig.CongestionControlKind.CUBIC
                    : StackConfig.CongestionControlKind.NEWRENO)
                .recoveryProbe(cookies)
                .build();
            this.harness = new StackHarness(config, null, inner -> link = new FlaggingLink(inner, inner.mtu()));
            harness.stack.listen(ECHO_PORT, 8, () -> app);
        }

        void run() {
            for (int i = 0; i < LIVE_FLOWS; i++) {
                open(random.nextBoolean());
            }
            for (int i = 0; i < PACKETS_PER_SEED; i++) {
                if (flows.size() < LIVE_FLOWS && random.nextInt(50) == 0) {
                    open(random.nextBoolean());
                }
                final byte[] packet = next();
                // A third as an offloading TUN hands them over: the TCP checksum vouched for, so
                // not verified (FrameHandler.CHECKSUM_TRUSTED), and any damage goes straight in.
                link.flags = random.nextInt(3) == 0 ? FrameHandler.CHECKSUM_TRUSTED : 0;
                inject(packet);
                harness.advanceNs(random.nextInt(100) == 0 ? random.nextInt(3_000) * MS : random.nextInt(2 * (int) MS));
                harness.run();
                checkEverythingSent();
                link.flags = 0;
            }
            check(harness.counter("ip.rx.packets") == injected,
                "ip.rx.packets " + harness.counter("ip.rx.packets") + " for " + injected + " packets in");
            // The fuzz must reach past the checksums into TCP's own rules, or it tests little.
            for (final String reached : REACHED) {
                check(harness.counter(reached) > 0, "the fuzz never reached " + reached + ": " + harness.counters.snapshot());
            }
            if (cookies) {
                for (final String reached : new String[] {"tcp.syncookies.validated", "tcp.syncookies.invalid"}) {
                    check(harness.counter(reached) > 0, "the fuzz never reached " + reached);
                }
            }
            check(harness.counter("tcp.InSegs") > injected / 5,
                "only " + harness.counter("tcp.InSegs") + " of " + injected + " packets reached TCP");
            stillServes();
            nothingLeft();
        }

        private void inject(final byte[] generated) {
            // A link delivers at most its MTU: anything longer arrives cut (and then malformed).
            final byte[] packet = generated.length > 1500 ? Arrays.copyOf(generated, 1500) : generated;
            lastIn = packet;
            injected++;
            harness.inject(packet);
        }

        // ---------------------------------------------------------------- packets in

        /** A three-way handshake for a new flow, with or without every option. */
        private void open(final boolean options) {
            final Flow flow = new Flow(nextPort++, random.nextInt());
            final byte[] synOptions = options
                ? concat(new byte[] {2, 4, 5, (byte) 0xB4, 1, 3, 3, (byte) random.nextInt(15), 1, 1, 4, 2},
                    TcpPeer.timestampsOption(flow.tsVal, 0))
                : new byte[] {2, 4, 5, (byte) 0xB4};
            flows.add(flow); // before the SYN: checkEverythingSent reads the SYN-ACK into it
            inject(tcp(flow, flow.peerNxt, 0, TcpPeer.SYN, 65535, synOptions, new byte[0]));
            flow.peerNxt++;
            harness.run();
            checkEverythingSent();
            if (flow.stackNxt == 0) {
                flows.remove(flow); // no SYN-ACK (the listener's queue is full of fuzzed half-opens): fine
                return;
            }
            inject(tcp(flow, flow.peerNxt, flow.stackNxt, TcpPeer.ACK, 65535, options
                ? TcpPeer.timestampsOption(++flow.tsVal, 1) : new byte[0], new byte[0]));
            harness.run();
            checkEverythingSent();
        }

        private byte[] next() {
            final int kind = random.nextInt(100);
            byte[] packet;
            if (kind < 55 && !flows.isEmpty()) {
                packet = segmentOfAFlow(flows.get(random.nextInt(flows.size())));
            } else if (kind < 65) {
                packet = strayTcp();
            } else if (kind < 75) {
                packet = icmp();
            } else if (kind < 85) {
                packet = fragmentOf(random.nextBoolean() && !flows.isEmpty()
                    ? segmentOfAFlow(flows.get(random.nextInt(flows.size()))) : icmp());
            } else if (kind < 92) {
                packet = TestPackets.ipv4(HOST, STACK, random.nextInt(256), random.nextInt(), random.nextInt(0x10000),
                    bytes(random.nextInt(200)));
            } else {
                packet = bytes(1 + random.nextInt(1500)); // nothing but noise
            }
            if (random.nextBoolean()) {
                packet = mutate(packet);
            }
            return packet;
        }

        /** A segment near a live flow's state: mostly plausible, any flags, any options. */
        private byte[] segmentOfAFlow(final Flow flow) {
            final int seqJitter = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(3000) - 1500;
                case 2 -> random.nextInt(200_000) - 100_000;
                default -> random.nextInt();
            };
            final int ackJitter = switch (random.nextInt(4)) {
                case 0, 1 -> 0;
                case 2 -> random.nextInt(3000) - 1500;
                default -> random.nextInt();
            };
            int flags = random.nextInt(4) == 0 ? random.nextInt(256) : TcpPeer.ACK | (random.nextBoolean() ? TcpPeer.PSH : 0);
            if (random.nextInt(40) == 0) {
                flags |= TcpPeer.FIN;
            }
            final byte[] data = bytes(random.nextInt(3) == 0 ? 0 : random.nextInt(1461));
            final int seq = flow.peerNxt + seqJitter;
            if (seqJitter == 0 && (flags & (TcpPeer.SYN | TcpPeer.RST)) == 0) {
                flow.peerNxt += data.length + ((flags & TcpPeer.FIN) != 0 ? 1 : 0);
            }
            final int window = random.nextInt(8) == 0 ? random.nextInt(0x10000) : 65535;
            return tcp(flow, seq, flow.stackNxt + ackJitter, flags, window, randomOptions(flow), data);
        }

        /** A segment for no connection: a closed port, the listener, or a flow's port with junk numbers. */
        private byte[] strayTcp() {
            final int port = switch (random.nextInt(3)) {
                case 0 -> 1 + random.nextInt(65535);
                case 1 -> nextPort + random.nextInt(100);
                default -> flows.isEmpty() ? 1 : flows.get(random.nextInt(flows.size())).port;
            };
            final Flow stranger = new Flow(port, random.nextInt());
            return tcp(stranger, stranger.peerNxt, random.nextInt(), random.nextInt(256), random.nextInt(0x10000),
                randomOptions(stranger), bytes(random.nextInt(4) == 0 ? random.nextInt(600) : 0));
        }

        /** Any TCP options: well-formed ones with edge values, or malformed ones. */
        private byte[] randomOptions(final Flow flow) {
            final int n = random.nextInt(4);
            byte[] options = new byte[0];
            for (int i = 0; i < n; i++) {
                final byte[] option = switch (random.nextInt(8)) {
                    case 0 -> TcpPeer.timestampsOption(flow.tsVal += random.nextInt(3) - 1, random.nextInt());
                    case 1 -> TcpPeer.sackOption(sackEdges(flow));
                    case 2 -> new byte[] {2, 4, (byte) random.nextInt(256), (byte) random.nextInt(256)};
                    case 3 -> new byte[] {1, 3, 3, (byte) random.nextInt(256)};
                    case 4 -> new byte[] {1, 1, 4, 2};
                    case 5 -> new byte[] {(byte) random.nextInt(256), (byte) random.nextInt(256), 0, 0}; // any kind and length
                    case 6 -> new byte[] {0, 0, 0, 0};                                                 // end of list
                    default -> bytes(4 * (1 + random.nextInt(3)));
                };
                options = concat(options, option);
            }
            return options.length > 40 ? Arrays.copyOf(options, 40) : options;
        }

        private int[] sackEdges(final Flow flow) {
            final int blocks = 1 + random.nextInt(4);
            final int[] edges = new int[2 * blocks];
            for (int b = 0; b < blocks; b++) {
                final int left = random.nextBoolean() ? flow.stackNxt - random.nextInt(60_000) : random.nextInt();
                edges[2 * b] = left;
                edges[2 * b + 1] = random.nextInt(5) == 0 ? random.nextInt() : left + random.nextInt(20_000);
            }
            return edges;
        }

        private byte[] icmp() {
            final int type = random.nextInt(3) == 0 ? random.nextInt(256) : 8;
            return TestPackets.ipv4(HOST, STACK, 1, random.nextInt(0x10000), 0x4000,
                TestPackets.icmp(type, random.nextInt(3) == 0 ? random.nextInt(256) : 0, random.nextInt(),
                    bytes(random.nextInt(1000))));
        }

        /** One fragment of a datagram: an arbitrary piece, offset and more-fragments flag. */
        private byte[] fragmentOf(final byte[] datagram) {
            if (datagram.length <= 28) {
                return datagram;
            }
            final byte[][] fragments = TestPackets.fragment(datagram, 8 * (1 + random.nextInt(20)));
            final byte[] fragment = fragments[random.nextInt(fragments.length)];
            if (random.nextInt(4) == 0) {
                fragment[4] = (byte) random.nextInt(256); // another datagram's ID
            }
            return fragment;
        }

        /** Damage of one kind, then (mostly) correct checksums over it so it gets past them. */
        private byte[] mutate(final byte[] in) {
            byte[] p = in.clone();
            switch (random.nextInt(7)) {
                case 0 -> {
                    for (int i = 1 + random.nextInt(4); i > 0; i--) {
                        final int at = random.nextInt(p.length);
                        p[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> p[random.nextInt(p.length)] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, 1}[random.nextInt(5)];
                case 2 -> p = Arrays.copyOf(p, random.nextInt(p.length) + 1);      // truncated
                case 3 -> p = concat(p, bytes(1 + random.nextInt(64)));             // trailing junk
                case 4 -> {                                                          // IHL or total length
                    if (random.nextBoolean()) {
                        p[0] = (byte) (0x40 | random.nextInt(16));
                    } else if (p.length > 3) {
                        p[2] = (byte) random.nextInt(256);
                        p[3] = (byte) random.nextInt(256);
                    }
                }
                case 5 -> {                                                          // TCP data offset
                    if (p.length > 32) {
                        p[32] = (byte) (random.nextInt(16) << 4);
                    }
                }
                default -> {                                                         // an option's length byte
                    if (p.length > 42) {
                        p[40 + random.nextInt(Math.min(20, p.length - 41))] = (byte) random.nextInt(256);
                    }
                }
            }
            if (p.length >= 20 && random.nextInt(10) < 8) {
                fixTransportChecksum(p);
                fixIpChecksum(p);
            }
            return p;
        }

        // ---------------------------------------------------------------- packets out

        /** Every packet the stack sent since the last look: well-formed, and the flows' state updated. */
        private void checkEverythingSent() {
            for (final byte[] p : harness.collect()) {
                checkWellFormed(p);
                if (p[9] == 6) {
                    final TcpPeer.Seg seg = TcpPeer.parse(p);
                    for (final Flow flow : new ArrayList<>(flows)) {
                        if (flow.port == seg.dstPort()) {
                            track(flow, seg);
                        }
                    }
                }
            }
        }

        private void track(final Flow flow, final TcpPeer.Seg seg) {
            if (seg.has(TcpPeer.RST)) {
                flows.remove(flow);
                return;
            }
            final int end = seg.seq() + seg.len();
            if (end - flow.stackNxt > 0 || flow.stackNxt == 0) {
                flow.stackNxt = end;
            }
        }

        /**
         * RFC 791 §3.1 and RFC 1122 §3.2.1: a 20-byte IPv4 header (we send no options), the
         * total length the packet's, the header checksum right, from our address, never to a
         * broadcast, multicast, loopback or zero address (§3.2.1.3, §3.2.2: no answer to
         * those). RFC 9293 §3.1: a TCP checksum over the pseudo-header that verifies, a data
         * offset within the segment. RFC 792: an ICMP checksum that verifies.
         */
        private void checkWellFormed(final byte[] p) {
            final String hex = HexFormat.of().formatHex(p);
            check(p.length >= 20 && (p[0] & 0xFF) == 0x45, "not a 20-byte IPv4 header: " + hex);
            final ByteBuffer b = ByteBuffer.wrap(p);
            check((b.getShort(2) & 0xFFFF) == p.length, "total length is not the packet's: " + hex);
            check(referenceChecksum(p, 0, 20) == 0, "IPv4 header checksum wrong: " + hex);
            check(b.getInt(12) == STACK, "source is not the stack's address: " + hex);
            final int destination = b.getInt(16);
            final int first = destination >>> 24;
            check(first != 0 && first != 127 && first < 224, "sent to a non-unicast address: " + hex);
            if (p[9] == 6) {
                check(p.length >= 40, "TCP segment shorter than its header: " + hex);
                final int offset = ((p[32] >>> 4) & 0xF) * 4;
                check(offset >= 20 && 20 + offset <= p.length, "TCP data offset out of the segment: " + hex);
                check(transportSum(p) == 0, "TCP checksum wrong: " + hex);
            } else if (p[9] == 1) {
                check(referenceChecksum(p, 20, p.length - 20) == 0, "ICMP checksum wrong: " + hex);
            } else {
                check(false, "sent protocol " + p[9] + ": " + hex);
            }
        }

        // ---------------------------------------------------------------- after the fuzz

        /** A new connection is accepted, echoed and closed, whatever came before it. */
        private void stillServes() {
            // Whatever half-opens the fuzz left in the listener's queue, SYN-ACK retries end them.
            harness.advanceNs(120_000 * MS);
            harness.run();
            harness.collect();
            final TcpPeer peer = new TcpPeer(harness, 40_000, ECHO_PORT);
            final List<TcpPeer.Seg> synAck = peer.syn(7_000, 1460);
            check(synAck.size() == 1 && synAck.get(0).has(TcpPeer.SYN) && synAck.get(0).has(TcpPeer.ACK),
                "no SYN-ACK for a new connection after the fuzz: " + synAck);
            final int iss = synAck.get(0).seq();
            peer.send(TcpPeer.ACK, 7_001, iss + 1, new byte[0]);
            final List<TcpPeer.Seg> echo = peer.send(TcpPeer.ACK | TcpPeer.PSH, 7_001, iss + 1,
                "still here".getBytes());
            echo.addAll(peer.advanceMs(300)); // a delayed ACK may carry the echo later
            // Unacknowledged, the echo may be sent again: each sequence number counts once.
            final java.util.TreeMap<Integer, String> bySeq = new java.util.TreeMap<>();
            echo.stream().filter(s -> s.data().length > 0).forEach(s -> bySeq.put(s.seq() - iss, new String(s.data())));
            final String echoed = String.join("", bySeq.values());
            check(echoed.equals("still here"), "echo after the fuzz: " + echo);
        }

        /** Every connection aborted and every timer run out: no connection, record, timer or buffer left. */
        private void nothingLeft() {
            for (final Connection c : new ArrayList<>(app.open)) {
                c.abort();
            }
            for (int i = 0; i < 600; i++) {
                harness.advanceNs(1_000 * MS);
                harness.run();
                harness.collect();
            }
            final TcpLayer tcp = harness.stack.tcp();
            check(tcp.connectionCount() == 0, tcp.connectionCount() + " connections left");
            check(tcp.timeWaitCount() == 0, tcp.timeWaitCount() + " TIME-WAIT records left");
            check(tcp.timerCount() == 0, tcp.timerCount() + " timers left");
            check(tcp.pooledBuffers() == tcp.buffersCreated(),
                tcp.pooledBuffers() + " buffers pooled of " + tcp.buffersCreated() + " made");
            check(harness.counter("tcp.CurrEstab") == 0, "tcp.CurrEstab " + harness.counter("tcp.CurrEstab"));
            check(app.closed == app.connected, app.connected + " connections, " + app.closed + " closed");
        }

        // ---------------------------------------------------------------- bytes

        private byte[] tcp(final Flow flow, final int seq, final int ack, final int flags, final int window,
            final byte[] options, final byte[] data) {
            final int padded = (options.length + 3) & ~3;
            return TestPackets.tcp(HOST, STACK, flow.port, ECHO_PORT, seq, ack, flags, window,
                Arrays.copyOf(options, padded), data);
        }

        private byte[] bytes(final int n) {
            final byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }
    }

    private static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void fixIpChecksum(final byte[] p) {
        p[10] = 0;
        p[11] = 0;
        final int c = referenceChecksum(p, 0, 20);
        p[10] = (byte) (c >>> 8);
        p[11] = (byte) c;
    }

    /** Recomputes a TCP or ICMP checksum over what the (possibly rewritten) header says is there. */
    private static void fixTransportChecksum(final byte[] p) {
        final int ihl = (p[0] & 0xF) * 4;
        final int total = Math.min(((p[2] & 0xFF) << 8) | (p[3] & 0xFF), p.length);
        final int fragment = ((p[6] & 0x1F) << 8) | (p[7] & 0xFF);
        if (ihl < 20 || total <= ihl || fragment != 0 || (p[6] & 0x20) != 0) {
            return;
        }
        final int at = p[9] == 6 ? ihl + 16 : p[9] == 1 ? ihl + 2 : -1;
        if (at < 0 || at + 2 > total) {
            return;
        }
        p[at] = 0;
        p[at + 1] = 0;
        final int sum = p[9] == 6 ? transportSumAt(p, ihl, total) : referenceChecksum(p, ihl, total - ihl);
        p[at] = (byte) (sum >>> 8);
        p[at + 1] = (byte) sum;
    }

    /** The TCP checksum over pseudo-header and segment (RFC 9293 §3.1): 0 when it verifies. */
    private static int transportSum(final byte[] p) {
        final int ihl = (p[0] & 0xF) * 4;
        return transportSumAt(p, ihl, p.length);
    }

    private static int transportSumAt(final byte[] p, final int ihl, final int total) {
        final int length = total - ihl;
        final ByteBuffer pseudo = ByteBuffer.allocate(12 + length);
        pseudo.put(p, 12, 8).put((byte) 0).put((byte) 6).putShort((short) length).put(p, ihl, length);
        return referenceChecksum(pseudo.array(), 0, pseudo.capacity());
    }

    private static void check(final boolean condition, final String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
