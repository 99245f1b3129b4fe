package io.tcpstack.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The stack's counters, in an Agrona {@link CountersManager}: either over a memory-mapped
 * file, so that another process ({@code tcpstack stat}) reads them live as
 * {@code AeronStat} does, or in plain memory for tests.
 *
 * <p>File layout (all little-endian, as Agrona writes its buffers):
 * <pre>
 *   0  int   magic 0x54435053 ("TCPS")
 *   4  int   layout version (1)
 *   8  long  pid of the writing process
 *  16  int   metadata buffer length
 *  20  int   values buffer length
 *  24  ...   reserved up to HEADER_LENGTH
 *  HEADER_LENGTH                      metadata buffer (CountersManager labels and type ids)
 *  HEADER_LENGTH + metadata length    values buffer (one 128-byte slot per counter)
 * </pre>
 *
 * <p>Counters are allocated at start-up ({@link #newCounter}) by whichever component owns
 * them; each counter then has exactly one writing thread (the stack thread, or the TUN
 * reader for {@code tun.rx.*}), which updates it with release semantics, except the few
 * counted for every packet on the stack thread ({@code ip.rx.packets}, {@code ip.rx.bytes},
 * {@code ip.rx.delivered}, {@code tcp.InSegs}, {@code tcp.OutSegs}, {@code ip.tx.packets},
 * {@code ip.tx.bytes}): plain stores, as Linux's per-CPU SNMP counters are. A reader in
 * another thread or process then sees them possibly a little late, but never torn (an
 * aligned 64-bit store).
 * Allocation is not thread-safe: do it before the threads start.
 */
public final class StackCounters implements AutoCloseable {
    /** File magic, "TCPS". */
    public static final int MAGIC = 0x54435053;
    /** Layout version written into the file header. */
    public static final int LAYOUT_VERSION = 1;
    /** Bytes before the metadata buffer. */
    public static final int HEADER_LENGTH = 128;
    /** How many counters fit by default. */
    public static final int DEFAULT_MAX_COUNTERS = 512;

    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final Map<String, AtomicCounter> byName = new LinkedHashMap<>();

    private StackCounters(final MappedByteBuffer mapped, final AtomicBuffer meta, final AtomicBuffer values) {
        this.mapped = mapped;
        this.manager = new CountersManager(meta, values);
    }

    /** Counters in process memory only (tests, benchmarks). */
    public static StackCounters inMemory() {
        return inMemory(DEFAULT_MAX_COUNTERS);
    }

    /** Counters in process memory only, room for {@code maxCounters}. */
    public static StackCounters inMemory(final int maxCounters) {
        final UnsafeBuffer meta = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(maxCounters * CountersReader.METADATA_LENGTH, 64));
        final UnsafeBuffer values = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(maxCounters * CountersReader.COUNTER_LENGTH, 64));
        return new StackCounters(null, meta, values);
    }

    /**
     * Counters in a newly created memory-mapped file (replacing one left by an earlier run).
     *
     * @throws UncheckedIOException if the file cannot be created
     */
    public static StackCounters mapped(final Path file) {
        return mapped(file, DEFAULT_MAX_COUNTERS);
    }

    /** As {@link #mapped(Path)}, room for {@code maxCounters}. */
    public static StackCounters mapped(final Path file, final int maxCounters) {
        final int metaLength = maxCounters * CountersReader.METADATA_LENGTH;
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        try {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file.toFile(), HEADER_LENGTH + metaLength + valuesLength);
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        whole.putInt(4, LAYOUT_VERSION);
        whole.putLong(8, ProcessHandle.current().pid());
        whole.putInt(16, metaLength);
        whole.putInt(20, valuesLength);
        final UnsafeBuffer meta = new UnsafeBuffer(whole, HEADER_LENGTH, metaLength);
        final UnsafeBuffer values = new UnsafeBuffer(whole, HEADER_LENGTH + metaLength, valuesLength);
        final StackCounters counters = new StackCounters(mapped, meta, values);
        whole.putIntVolatile(0, MAGIC); // last: a reader that sees the magic sees a complete header
        return counters;
    }

    /**
     * Opens the counters file of a running stack for reading (from another process).
     *
     * @throws IllegalStateException if the file is not a tcpstack counters file
     */
    public static CountersReader openReader(final Path file) {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "tcpstack counters");
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        if (whole.capacity() < HEADER_LENGTH || whole.getIntVolatile(0) != MAGIC) {
            throw new IllegalStateException(file + " is not a tcpstack counters file");
        }
        final int metaLength = whole.getInt(16);
        final int valuesLength = whole.getInt(20);
        return new CountersReader(
            new UnsafeBuffer(whole, HEADER_LENGTH, metaLength),
            new UnsafeBuffer(whole, HEADER_LENGTH + metaLength, valuesLength));
    }

    /**
     * Allocates a counter, or returns the one already allocated under this name.
     *
     * @param name dotted lower-case name a person understands, e.g. {@code ip.rx.bad_checksum}
     */
    public AtomicCounter newCounter(final String name) {
        return byName.computeIfAbsent(name, manager::newCounter);
    }

    /** The current value of the named counter, or 0 if none has that name. */
    public long get(final String name) {
        final AtomicCounter counter = byName.get(name);
        return counter == null ? 0 : counter.get();
    }

    /** A snapshot of every counter, in allocation order. */
    public Map<String, Long> snapshot() {
        final Map<String, Long> values = new LinkedHashMap<>();
        byName.forEach((name, counter) -> values.put(name, counter.get()));
        return values;
    }

    /** A reader over the same buffers. */
    public CountersReader reader() {
        return manager;
    }

    @Override
    public void close() {
        if (mapped != null) {
            mapped.force();
            IoUtil.unmap(mapped);
        }
    }
}
