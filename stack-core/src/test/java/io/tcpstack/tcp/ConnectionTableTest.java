package io.tcpstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.agrona.IoUtil;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.ConnectionTableFile.Timer;
import io.tcpstack.tcp.ConnectionTableReader.Row;
import io.tcpstack.tcp.ConnectionTableReader.Snapshot;
import io.tcpstack.testing.RecordingHandler;
import io.tcpstack.testing.StackHarness;
import io.tcpstack.testing.TcpPeer;
import io.tcpstack.testing.TestPackets;

/**
 * The connection table {@code tcpstack ss} reads: published by the stack thread into a mapped
 * file, read back through {@link ConnectionTableReader}, field by field, in simulated time.
 */
class ConnectionTableTest {
    private static final int A = 0x0A070001; // 10.7.0.1: the server
    private static final int B = 0x0A070002; // 10.7.0.2: the client
    private static final long MSL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(100);

    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final CachedEpochClock epochClock = new CachedEpochClock();
    private final TcpStack a;
    private final TcpStack b;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    ConnectionTableTest() {
        clock.update(7_000_000_000L);
        epochClock.update(1_700_000_000_000L);
        final MemoryLink[] link = MemoryLink.pair(1500, 4 << 20);
        a = new TcpStack(config(A), link[0], clock, StackCounters.inMemory(), null);
        b = new TcpStack(config(B), link[1], clock, StackCounters.inMemory(), null);
    }

    private static StackConfig config(final int address) {
        return StackConfig.builder().localAddress(address).mslNs(MSL_NS).build();
    }

    @AfterEach
    void closeFiles() throws Exception {
        for (final AutoCloseable c : toClose) {
            c.close();
        }
    }

    private ConnectionTableWriter writer(final TcpStack stack, final int address, final int rows) {
        final ConnectionTableWriter w = ConnectionTableWriter.create(dir.resolve("t.conns"), stack.tcp(), address,
            rows, PERIOD_NS, clock, epochClock);
        toClose.add(w);
        return w;
    }

    private ConnectionTableReader reader() {
        final ConnectionTableReader r = ConnectionTableReader.open(dir.resolve("t.conns"));
        toClose.add(r);
        return r;
    }

    /** Runs both stacks, advancing time 1 ms whenever both are idle, until the condition holds. */
    private void runUntil(final BooleanSupplier condition, final long maxMs) {
        for (long elapsedMs = 0; !condition.getAsBoolean(); elapsedMs++) {
            for (int i = 0; i < 10_000 && a.doWork() + b.doWork() > 0 && !condition.getAsBoolean(); i++) {
                // keep going
            }
            if (condition.getAsBoolean()) {
                return;
            }
            assertThat(elapsedMs).as("condition within %d simulated ms", maxMs).isLessThan(maxMs);
            clock.advance(1_000_000);
        }
    }

    private static Row only(final Snapshot s, final TcpState state, final int localPort) {
        final List<Row> rows = s.rows().stream()
            .filter(r -> r.state() == state && r.localPort() == localPort).toList();
        assertThat(rows).as("one %s row on port %d in %s", state, localPort, s.rows()).hasSize(1);
        return rows.get(0);
    }

    /** Takes all data, closes when the peer does, notes when it closed (on the stack thread's clock). */
    private class Closer implements TcpHandler {
        Connection connection;
        long closedAtNs = -1;

        @Override
        public void onConnected(final Connection c) {
            connection = c;
        }

        @Override
        public int onData(final Connection c, final org.agrona.DirectBuffer buffer, final int offset,
            final int length) {
            return length;
        }

        @Override
        public void onPeerClosed(final Connection c) {
            c.close();
        }

        @Override
        public void onClosed(final Connection c, final CloseReason reason) {
            closedAtNs = clock.nanoTime();
        }
    }

    @Test
    void listenersConnectionsAndTimeWait_readBackFieldByField() {
        final RecordingHandler holder = new RecordingHandler();
        holder.consumeLimit = 0; // leaves everything in the receive buffer: Recv-Q
        final Listener echo = a.listen(7, 16, 8, () -> holder);
        // B → A:7, 1000 bytes that A's application does not consume.
        final RecordingHandler client = new RecordingHandler();
        b.submit(() -> b.connect(A, 7, client));
        runUntil(() -> holder.connection != null && client.connection != null
            && client.connection.state() == TcpState.ESTABLISHED, 1000);
        final byte[] data = TestPackets.pattern(1000);
        client.connection.send(new UnsafeBuffer(data), 0, data.length);
        runUntil(() -> ((TcpConnection) holder.connection).receiveBuffer.readable() == 1000
            && client.connection.sendQueued() == 0, 1000);

        // B → A:80, then A closes first, so A holds the TIME-WAIT record.
        final Closer closer = new Closer();
        final Closer server80 = new Closer();
        final Listener http = a.listen(80, 32, 4, () -> server80);
        http.acceptQueueDepth(() -> 3); // as an adapter that queues connections reports it
        final Connection[] toHttp = new Connection[1];
        b.submit(() -> toHttp[0] = b.connect(A, 80, closer));
        runUntil(() -> server80.connection != null && server80.connection.state() == TcpState.ESTABLISHED, 1000);
        final int clientPort80 = toHttp[0].localPort();
        server80.connection.close();
        runUntil(() -> server80.closedAtNs >= 0 && a.tcp().timeWaitCount() == 1, 1000);

        // A queues 3000 bytes that B has not acknowledged yet (B does not run): Send-Q.
        final byte[] out = TestPackets.pattern(3000);
        assertThat(holder.connection.send(new UnsafeBuffer(out), 0, out.length)).isEqualTo(3000);
        clock.advance(5_000_000);

        final ConnectionTableWriter writer = writer(a, A, 64);
        writer.publish(clock.nanoTime());
        final Snapshot s = reader().read();

        assertThat(s.listeners()).isEqualTo(2);
        assertThat(s.connections()).isEqualTo(1);
        assertThat(s.timeWaits()).isEqualTo(1);
        assertThat(s.omitted()).isZero();
        assertThat(s.publishedNs()).isEqualTo(clock.nanoTime());
        assertThat(s.publishedEpochMs()).isEqualTo(1_700_000_000_000L);
        assertThat(s.rows()).extracting(Row::state)
            .containsExactly(TcpState.LISTEN, TcpState.LISTEN, TcpState.ESTABLISHED, TcpState.TIME_WAIT);

        final Row l7 = only(s, TcpState.LISTEN, 7);
        assertThat(l7.localAddress()).isEqualTo(A);
        assertThat(l7.remoteAddress()).isZero();
        assertThat(l7.remotePort()).isZero();
        assertThat(l7.halfOpen()).isZero();
        assertThat(l7.synBacklog()).isEqualTo(16);
        assertThat(l7.acceptQueued()).isZero();
        assertThat(l7.acceptBacklog()).isEqualTo(8);
        assertThat(echo.synBacklog()).isEqualTo(16);
        final Row l80 = only(s, TcpState.LISTEN, 80);
        assertThat(l80.synBacklog()).isEqualTo(32);
        assertThat(l80.acceptQueued()).isEqualTo(3);
        assertThat(l80.acceptBacklog()).isEqualTo(4);

        final TcpConnection c = (TcpConnection) holder.connection;
        final Row e = only(s, TcpState.ESTABLISHED, 7);
        assertThat(e.localAddress()).isEqualTo(A);
        assertThat(e.remoteAddress()).isEqualTo(B);
        assertThat(e.remotePort()).isEqualTo(client.connection.localPort());
        assertThat(e.recvQ()).isEqualTo(1000);
        assertThat(e.sendQ()).isEqualTo(3000);
        assertThat(e.sendWindow()).isEqualTo(c.sndWnd).isPositive();
        assertThat(e.hasCwnd()).isTrue();
        assertThat(e.cwnd()).isEqualTo(c.cc.cwnd()).isGreaterThanOrEqualTo(NewReno.initialWindow(c.sendMss));
        assertThat(e.mss()).as("1460 less the timestamps option (RFC 7323 §3.2)").isEqualTo(c.sendMss).isEqualTo(1448);
        assertThat(e.srttNs()).isEqualTo(c.srttNs()).isPositive();
        assertThat(e.rtoNs()).isEqualTo(c.rtoNs).isEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(e.timer()).isEqualTo(Timer.ON);
        assertThat(e.timerNs()).as("RTO armed 5 ms ago").isEqualTo(c.rtoNs - 5_000_000);
        assertThat(e.retries()).isZero();

        final Row tw = only(s, TcpState.TIME_WAIT, 80);
        assertThat(tw.localAddress()).isEqualTo(A);
        assertThat(tw.remoteAddress()).isEqualTo(B);
        assertThat(tw.remotePort()).isEqualTo(clientPort80);
        assertThat(tw.timer()).isEqualTo(Timer.TIMEWAIT);
        assertThat(tw.timerNs()).as("2 x MSL from entering TIME-WAIT")
            .isEqualTo(server80.closedAtNs + 2 * MSL_NS - clock.nanoTime());
        assertThat(tw.recvQ()).isZero();
        assertThat(tw.sendQ()).isZero();

        // Let everything finish: B takes the data, A's TIME-WAIT expires; the table empties.
        holder.consumeLimit = Integer.MAX_VALUE;
        holder.connection.resumeReading();
        client.connection.close();
        holder.connection.close();
        runUntil(() -> a.tcp().connectionCount() == 0 && b.tcp().connectionCount() == 0
            && a.tcp().timeWaitCount() == 0 && b.tcp().timeWaitCount() == 0, 10_000);
        writer.publish(clock.nanoTime());
        final Snapshot after = reader().read();
        assertThat(after.rows()).extracting(Row::state).containsExactly(TcpState.LISTEN, TcpState.LISTEN);
        assertThat(after.version()).isGreaterThan(s.version());
    }

    @Test
    void halfOpenSynSentAndRetransmissions_withTheTestPeer() {
        final StackHarness h = new StackHarness();
        final Listener l = h.stack.listen(80, 4, 2, RecordingHandler::new);
        l.acceptQueueDepth(() -> 1);
        for (int i = 0; i < 3; i++) {
            new TcpPeer(h, 40_000 + i, 80).syn(1000 * i, 1460); // SYN-ACKs go unanswered: half-open
        }
        final RecordingHandler active = new RecordingHandler();
        h.stack.submit(() -> h.stack.connect(TestPackets.HOST, 5555, active));
        h.run();
        h.collect();

        final ConnectionTableWriter w = ConnectionTableWriter.create(dir.resolve("t.conns"), h.stack.tcp(),
            TestPackets.STACK, 16, PERIOD_NS, h.clock, epochClock);
        toClose.add(w);
        w.publish(h.clock.nanoTime());
        Snapshot s = reader().read();
        final Row listener = only(s, TcpState.LISTEN, 80);
        assertThat(listener.halfOpen()).isEqualTo(3);
        assertThat(listener.synBacklog()).isEqualTo(4);
        assertThat(listener.acceptQueued()).isEqualTo(1);
        assertThat(listener.acceptBacklog()).isEqualTo(2);
        assertThat(s.connections()).as("half-open records are not connections").isEqualTo(1);
        Row synSent = s.rows().stream().filter(r -> r.state() == TcpState.SYN_SENT).findFirst().orElseThrow();
        assertThat(synSent.remoteAddress()).isEqualTo(TestPackets.HOST);
        assertThat(synSent.remotePort()).isEqualTo(5555);
        assertThat(synSent.localAddress()).isEqualTo(TestPackets.STACK);
        assertThat(synSent.localPort()).isBetween(32768, 60999);
        assertThat(synSent.timer()).isEqualTo(Timer.ON);
        assertThat(synSent.timerNs()).isEqualTo(TimeUnit.SECONDS.toNanos(1)); // RFC 6298 §2.1 initial RTO
        assertThat(synSent.retries()).isZero();
        assertThat(synSent.srttNs()).isZero();

        new TcpPeer(h, 1, 1).advanceMs(1001); // the SYN is retransmitted, RTO doubled (§5.5)
        w.publish(h.clock.nanoTime());
        s = reader().read();
        synSent = s.rows().stream().filter(r -> r.state() == TcpState.SYN_SENT).findFirst().orElseThrow();
        assertThat(synSent.retries()).isEqualTo(1);
        assertThat(synSent.rtoNs()).isEqualTo(TimeUnit.SECONDS.toNanos(2));
        assertThat(synSent.timerNs()).isBetween(TimeUnit.MILLISECONDS.toNanos(1990), TimeUnit.SECONDS.toNanos(2));
    }

    /** Opens {@code n} connections from B to A:7 and leaves them open. */
    private void open(final int n) {
        a.listen(7, () -> new RecordingHandler());
        a.listen(9, () -> new RecordingHandler());
        final List<RecordingHandler> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final RecordingHandler h = new RecordingHandler();
            clients.add(h);
            b.submit(() -> b.connect(A, 7, h));
        }
        runUntil(() -> a.tcp().connectionCount() == n
            && clients.stream().allMatch(h -> h.connection != null && h.connection.state() == TcpState.ESTABLISHED),
            1000);
    }

    @Test
    void moreRowsThanRoom_areCountedAsLeftOut() {
        open(5);
        final ConnectionTableWriter w = writer(a, A, 3);
        w.publish(clock.nanoTime());
        final Snapshot s = reader().read();
        assertThat(s.rows()).hasSize(3);
        assertThat(s.rows()).extracting(Row::state)
            .containsExactly(TcpState.LISTEN, TcpState.LISTEN, TcpState.ESTABLISHED);
        assertThat(s.listeners()).isEqualTo(2);
        assertThat(s.connections()).isEqualTo(5);
        assertThat(s.omitted()).isEqualTo(4);
        assertThat(s.omittedByKind()).containsExactly(0, 4, 0);
        assertThat(reader().capacity()).isEqualTo(3);
    }

    @Test
    void poll_publishesAtMostOncePerPeriod() {
        open(1);
        final ConnectionTableWriter w = writer(a, A, 16);
        final ConnectionTableReader r = reader();
        assertThat(r.hasSnapshot()).isFalse();
        assertThatThrownBy(r::read).hasMessageContaining("has not published its table yet");
        final long t0 = clock.nanoTime();
        assertThat(w.poll(t0)).as("the first poll publishes").isEqualTo(1);
        assertThat(r.read().publishedNs()).isEqualTo(t0);
        assertThat(w.poll(t0 + PERIOD_NS - 1)).isZero();
        assertThat(w.poll(t0 + PERIOD_NS / 2)).isZero();
        assertThat(r.read().publishedNs()).isEqualTo(t0);
        assertThat(w.poll(t0 + PERIOD_NS)).isEqualTo(1);
        assertThat(r.read().publishedNs()).isEqualTo(t0 + PERIOD_NS);
        assertThat(w.publications()).isEqualTo(2);
        assertThat(r.periodNs()).isEqualTo(PERIOD_NS);
        assertThat(r.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(r.localAddress()).isEqualTo(A);
    }

    @Test
    void aSnapshotBeingWritten_isNotRead() throws IOException {
        open(1);
        final ConnectionTableWriter w = writer(a, A, 16);
        w.publish(clock.nanoTime());
        final ConnectionTableReader r = reader();
        final long version = r.read().version();
        // As if the stack thread were half-way through a snapshot: the version is odd.
        final MappedByteBuffer raw = IoUtil.mapExistingFile(dir.resolve("t.conns").toFile(), "test");
        try {
            final UnsafeBuffer buffer = new UnsafeBuffer(raw);
            buffer.putLongVolatile(ConnectionTableFile.VERSION_OFFSET, version + 1);
            assertThat(r.tryRead()).isNull();
            assertThatThrownBy(r::read).hasMessageContaining("was being rewritten");
            buffer.putLongVolatile(ConnectionTableFile.VERSION_OFFSET, version);
            assertThat(r.read().connections()).isEqualTo(1);
        } finally {
            IoUtil.unmap(raw);
        }
    }

    @Test
    void concurrentReads_alwaysSeeOneWholeSnapshot() throws Exception {
        // TIME-WAIT records whose expiry is fixed: in a whole snapshot, every row's time left
        // plus the snapshot's publish time is that expiry. A torn read mixes two publish times.
        a.listen(7, () -> new Closer() {
            @Override
            public void onConnected(final Connection c) {
                c.close(); // A closes first: A holds TIME-WAIT
            }
        });
        final int n = 200;
        for (int i = 0; i < n; i++) {
            b.submit(() -> b.connect(A, 7, new Closer()));
        }
        runUntil(() -> a.tcp().timeWaitCount() == n && a.tcp().connectionCount() == 0, 1000);
        final ConnectionTableWriter w = writer(a, A, 4096);
        final long start = clock.nanoTime();
        w.publish(start);
        final Snapshot first = reader().read();
        final java.util.Map<Integer, Long> expiry = new java.util.HashMap<>();
        for (final Row r : first.rows()) {
            if (r.state() == TcpState.TIME_WAIT) {
                expiry.put(r.remotePort(), first.publishedNs() + r.timerNs());
            }
        }
        assertThat(expiry).hasSize(n);
        assertThat(expiry.values()).allMatch(e -> e > start + TimeUnit.MILLISECONDS.toNanos(600));

        // This thread stops running the stack; the writer thread takes over as its only thread.
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread writerThread = new Thread(() -> {
            long now = start;
            for (int i = 0; i < 500_000 && !stop.get(); i++) {
                now += 1000; // 0.5 s at most: well before any record's expiry
                w.publish(now);
                // Rest a little, as the real writer does (it publishes every 100 ms): a writer
                // that never stops writing starves a sequence-lock reader.
                for (final long until = System.nanoTime() + 200_000; System.nanoTime() - until < 0; ) {
                    Thread.onSpinWait();
                }
            }
        }, "conns-writer");
        final AtomicReference<String> torn = new AtomicReference<>();
        writerThread.start();
        int reads = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try (ConnectionTableReader r = ConnectionTableReader.open(dir.resolve("t.conns"))) {
            long lastVersion = 0;
            int changed = 0;
            while (reads < 20_000 && System.nanoTime() < deadline && torn.get() == null) {
                final Snapshot s = r.read();
                reads++;
                if (s.version() != lastVersion) {
                    changed++;
                    lastVersion = s.version();
                }
                if (s.rows().size() != n + 1) {
                    torn.set("rows " + s.rows().size());
                }
                for (final Row row : s.rows()) {
                    if (row.state() == TcpState.TIME_WAIT
                        && s.publishedNs() + row.timerNs() != expiry.get(row.remotePort())) {
                        torn.set("row " + row + " at " + s.publishedNs());
                    }
                }
            }
            assertThat(changed).as("the reader saw the table change").isGreaterThan(1);
        } finally {
            stop.set(true);
            writerThread.join(5000);
        }
        assertThat(torn.get()).as("a torn snapshot").isNull();
        assertThat(reads).isPositive();
    }

    @Test
    void publishing_allocatesNothing() {
        open(20);
        a.closeListener(a.tcp().listeners()[1]);
        final ConnectionTableWriter w = writer(a, A, 64);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long id = Thread.currentThread().getId();
        long now = clock.nanoTime();
        for (int i = 0; i < 20_000; i++) { // warm up: let the JIT compile the path
            w.publish(now += 1000);
        }
        threads.getThreadAllocatedBytes(id); // its first call may allocate
        final long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 10_000; i++) {
            w.publish(now += 1000);
        }
        final long allocated = threads.getThreadAllocatedBytes(id) - before;
        // Less than a byte per publication: one object per publication would be >= 160000 bytes.
        // (Not exactly zero: a deoptimisation may rematerialise a few objects on this thread.)
        assertThat(allocated).as("bytes allocated by 10000 publications of 21 rows").isLessThan(10_000);
    }

    @Test
    void notATable_orAnotherLayoutVersion_isRefusedWithOneLine() throws IOException {
        final Path junk = dir.resolve("junk.conns");
        Files.write(junk, new byte[4096]);
        assertThatThrownBy(() -> ConnectionTableReader.open(junk))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage(junk + " is not a tcpstack connection table (no 0x54435054 magic)");

        writer(a, A, 4).close();
        final Path file = dir.resolve("t.conns");
        final MappedByteBuffer raw = IoUtil.mapExistingFile(file.toFile(), "test");
        try {
            new UnsafeBuffer(raw).putInt(4, ConnectionTableFile.LAYOUT_VERSION + 1);
        } finally {
            IoUtil.unmap(raw);
        }
        assertThatThrownBy(() -> ConnectionTableReader.open(file))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage(file + " has connection-table layout version 2, this tcpstack reads version 1: "
                + "use the tcpstack build that runs the stack");

        final Path empty = dir.resolve("empty.conns");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> ConnectionTableReader.open(empty)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("is not a tcpstack connection table");
    }
}
