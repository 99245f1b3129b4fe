package io.tcpstack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.ConnectionTableWriter;
import io.tcpstack.tcp.TcpState;
import picocli.CommandLine;

/**
 * {@code tcpstack ss} against a table published by a stack in this JVM (two stacks over a
 * MemoryLink in simulated time): the lines it prints, its filters, and its one-line errors.
 */
class SsCommandTest {
    private static final int A = 0x0A070002; // 10.7.0.2: the stack whose table is read
    private static final int B = 0x0A070001; // 10.7.0.1: its peer

    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final TcpStack a;
    private final TcpStack b;
    private ConnectionTableWriter writer;

    private record Result(int exitCode, String out, String err) {
    }

    SsCommandTest() {
        clock.update(3_000_000_000L);
        final MemoryLink[] link = MemoryLink.pair(1500, 1 << 20);
        a = new TcpStack(config(A), link[0], clock, StackCounters.inMemory(), null);
        b = new TcpStack(config(B), link[1], clock, StackCounters.inMemory(), null);
    }

    private static StackConfig config(final int address) {
        return StackConfig.builder().localAddress(address).mslNs(TimeUnit.SECONDS.toNanos(30)).build();
    }

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close();
        }
    }

    private static Result run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private void runUntil(final BooleanSupplier condition) {
        for (int ms = 0; !condition.getAsBoolean(); ms++) {
            for (int i = 0; i < 10_000 && a.doWork() + b.doWork() > 0; i++) {
                // keep going
            }
            assertThat(ms).as("condition within 2 simulated seconds").isLessThan(2000);
            clock.advance(1_000_000);
        }
    }

    /** Holds what it receives (Recv-Q); closes when the peer does. */
    private static final class Holder implements TcpHandler {
        Connection connection;
        boolean consume;

        @Override
        public void onConnected(final Connection c) {
            connection = c;
        }

        @Override
        public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
            return consume ? length : 0;
        }

        @Override
        public void onPeerClosed(final Connection c) {
            c.close();
        }
    }

    /**
     * A's table: listeners on 7 and 80, an echo-port connection holding 100 unread bytes,
     * and a TIME-WAIT record on 80 (A closed first).
     */
    private Path publish(final int rows) {
        final Holder server = new Holder();
        a.listen(7, 16, 8, () -> server);
        final Holder web = new Holder();
        a.listen(80, () -> web);
        final Holder client = new Holder();
        b.submit(() -> b.connect(A, 7, client));
        runUntil(() -> server.connection != null && client.connection != null
            && client.connection.state() == TcpState.ESTABLISHED);
        client.connection.send(new UnsafeBuffer(new byte[100]), 0, 100);
        final Holder client80 = new Holder();
        client80.consume = true;
        b.submit(() -> b.connect(A, 80, client80));
        runUntil(() -> web.connection != null && web.connection.state() == TcpState.ESTABLISHED);
        web.connection.close();
        runUntil(() -> a.tcp().timeWaitCount() == 1 && client.connection.sendQueued() == 0);
        final Path file = dir.resolve("a.conns");
        writer = ConnectionTableWriter.create(file, a.tcp(), A, rows, TimeUnit.MILLISECONDS.toNanos(100), clock,
            SystemEpochClock.INSTANCE);
        writer.publish(clock.nanoTime());
        return file;
    }

    @Test
    void all_printsListenersConnectionsAndTimeWait() {
        final Path file = publish(64);
        final Result r = run("ss", "--file", file.toString(), "-a");
        assertThat(r.exitCode()).as(r.err()).isZero();
        final List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0).split("  +")).containsExactly("State", "Recv-Q", "Send-Q", "Local Address:Port",
            "Peer Address:Port", "RTT-ms", "RTO-ms", "Snd-Wnd", "Cwnd", "Details");
        assertThat(lines.get(1).split(" +"))
            .containsExactly("LISTEN", "0", "8", "10.7.0.2:7", "0.0.0.0:*", "-", "-", "-", "-", "syn-q:0/16");
        assertThat(lines.get(2).split(" +"))
            .containsExactly("LISTEN", "0", "4096", "10.7.0.2:80", "0.0.0.0:*", "-", "-", "-", "-", "syn-q:0/1024");
        assertThat(lines.get(3)).matches("ESTAB +100 +0 +10\\.7\\.0\\.2:7 +10\\.7\\.0\\.1:\\d{5} +\\d+\\.\\d{3} +200"
            + " +262144 +14480 +mss:1448"); // bytes: scaled SND.WND, initial cwnd (RFC 6928) of an MSS less timestamps
        assertThat(lines.get(4)).matches("TIME-WAIT +0 +0 +10\\.7\\.0\\.2:80 +10\\.7\\.0\\.1:\\d{5} +- +- +- +-"
            + " +timer:\\(timewait,(59sec|1min),0\\)"); // 2 x MSL = 60 s, as ss -o writes it
        // Columns line up: every row's local address starts where the header's does.
        final int at = lines.get(0).indexOf("Local Address:Port");
        assertThat(lines).allMatch(l -> l.indexOf("10.7.0.2:") == at || l.startsWith("State"));
    }

    @Test
    void byDefault_onlyConnections_asSsWithoutOptions() {
        final Path file = publish(64);
        final Result r = run("ss", "-tan", "--file", file.toString());
        assertThat(r.out().lines().filter(l -> l.startsWith("TIME-WAIT")).count()).isEqualTo(1);
        final Result plain = run("ss", "--file", file.toString());
        final List<String> lines = plain.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("ESTAB ");
    }

    @Test
    void listening_onlyListeners_andNoHeader() {
        final Path file = publish(64);
        final Result r = run("ss", "-l", "-H", "--file", file.toString());
        assertThat(r.out().lines().map(l -> l.split(" +")[3]).toList()).containsExactly("10.7.0.2:7", "10.7.0.2:80");
    }

    @Test
    void aFullTable_saysHowManyMoreThereAre() {
        final Path file = publish(3);
        final Result r = run("ss", "-a", "--file", file.toString());
        final List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(3)).startsWith("ESTAB ");
        assertThat(lines.get(4)).isEqualTo("truncated: 1 more (0 listeners, 0 connections, 1 TIME-WAIT) not in the"
            + " table, which holds 3 rows (serve --conns-rows)");
    }

    @Test
    void noStackRunning_oneLineAndExit1() {
        final Result r = run("ss", "--netns", "tcpstack-test-nonexistent-ss");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("tcpstack: /dev/shm/tcpstack/tcpstack-test-nonexistent-ss.conns does not"
            + " exist: no stack is running in netns tcpstack-test-nonexistent-ss (start one with tcpstack serve"
            + " --netns tcpstack-test-nonexistent-ss), or give its table with --file.");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aFileLeftByADeadStack_oneLineAndExit1() {
        final Path file = publish(8);
        writer.close();
        writer = null;
        final long deadPid = Integer.MAX_VALUE; // above any pid_max
        patch(file, m -> m.putLong(8, deadPid)); // header offset 8: the writer's pid
        final Result r = run("ss", "--file", file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("tcpstack: " + file + " was left by process " + deadPid
            + ", which is not running: no stack is running (delete the file, or start tcpstack serve).");
    }

    @Test
    void anIncompatibleFile_oneLineAndExit1() throws Exception {
        final Path file = publish(8);
        patch(file, m -> m.putInt(4, 99)); // header offset 4: the layout version
        Result r = run("ss", "--file", file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("tcpstack: " + file + " has connection-table layout version 99, this"
            + " tcpstack reads version 1: use the tcpstack build that runs the stack.");
        assertThat(r.err().lines().count()).isEqualTo(1);

        final Path counters = dir.resolve("x.counters");
        Files.write(counters, new byte[1024]);
        r = run("ss", "--file", counters.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("tcpstack: " + counters
            + " is not a tcpstack connection table (no 0x54435054 magic).");
    }

    private static void patch(final Path file, final java.util.function.Consumer<UnsafeBuffer> change) {
        final MappedByteBuffer m = IoUtil.mapExistingFile(file.toFile(), "test");
        try {
            change.accept(new UnsafeBuffer(m));
        } finally {
            IoUtil.unmap(m);
        }
    }

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({"0, 0ms", "476, 476ms", "1000, 1sec", "1900, 1.900sec", "9501, 9.501sec", "13400, 13sec",
        "60000, 1min", "61500, 1min1sec", "725000, 12min"})
    void timers_areWrittenAsSsWritesThem(final long ms, final String expected) {
        assertThat(SsCommand.msTimer(ms)).isEqualTo(expected);
    }
}
