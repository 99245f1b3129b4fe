package io.tcpstack.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.api.TcpStack;
import io.tcpstack.link.MemoryLink;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.tcp.ConnectionTableWriter;

/**
 * One publication of the connection table for {@code tcpstack ss} (what the stack thread does
 * once per period): {@code connections} established connections and four listeners written
 * into the mapped file under the sequence lock. Divide by the row count for the cost per
 * connection; {@code -prof gc} shows it allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ConnectionTableBenchmark {
    private static final int A = 0x0A070002;
    private static final int B = 0x0A070001;

    @Param({"10", "1000"})
    int connections;

    private CachedNanoClock clock;
    private TcpStack a;
    private TcpStack b;
    private Path file;
    private ConnectionTableWriter writer;
    private long nowNs;

    /** Takes every byte; does nothing else. */
    static final class Sink implements TcpHandler {
        @Override
        public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
            return length;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        clock = new CachedNanoClock();
        clock.update(1_000_000_000L);
        final MemoryLink[] link = MemoryLink.pair(1500, 16 << 20);
        a = new TcpStack(StackConfig.builder().localAddress(A).tcpBufferBytes(16 * 1024).build(), link[0], clock,
            StackCounters.inMemory(), null);
        b = new TcpStack(StackConfig.builder().localAddress(B).tcpBufferBytes(16 * 1024).build(), link[1], clock,
            StackCounters.inMemory(), null);
        for (final int port : new int[] {7, 9, 19, 80}) {
            a.listen(port, Sink::new);
        }
        for (int i = 0; i < connections; i++) {
            b.connect(A, 7, new Sink());
        }
        for (int step = 0; step < 100_000 && a.tcp().connectionCount() < connections; step++) {
            if (a.doWork() + b.doWork() == 0) {
                clock.advance(1_000_000);
            }
        }
        if (a.tcp().connectionCount() != connections) {
            throw new IllegalStateException("only " + a.tcp().connectionCount() + " connections established");
        }
        final Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty(
            "java.io.tmpdir"));
        file = Files.createTempFile(dir, "tcpstack-bench-", ".conns");
        writer = ConnectionTableWriter.create(file, a.tcp(), A, connections + 4, TimeUnit.MILLISECONDS.toNanos(100),
            clock, SystemEpochClock.INSTANCE);
        nowNs = clock.nanoTime();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        writer.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long publish() {
        writer.publish(nowNs += 1000);
        return writer.publications();
    }
}
