package io.tcpstack.bench;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.tcpstack.wire.Checksum;

/**
 * {@link Checksum#compute} (RFC 1071) over an IPv4 header (20 B), a full MTU-size packet
 * (1500 B) and a 64 KiB super-segment, from a 64-byte-aligned direct buffer (as a ring slot
 * or the output buffer is). Reported as ns/op; throughput in GB/s is {@code size / ns}
 * (bytes per nanosecond = GB/s). Target: at least 10 GB/s at 1500 B.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ChecksumBenchmark {
    @Param({"20", "1500", "65536"})
    public int size;

    private UnsafeBuffer buffer;

    @Setup(Level.Trial)
    public void setUp() {
        buffer = BenchPackets.direct(BenchPackets.pattern(size), 0);
        if (Checksum.compute(buffer, 0, size) != BenchPackets.referenceChecksum(BenchPackets.pattern(size), 0, size)) {
            throw new IllegalStateException("Checksum.compute disagrees with the reference at size " + size);
        }
    }

    @Benchmark
    public int compute() {
        return Checksum.compute(buffer, 0, size);
    }
}
