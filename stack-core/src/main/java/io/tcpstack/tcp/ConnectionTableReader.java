package io.tcpstack.tcp;

import static io.tcpstack.tcp.ConnectionTableFile.CAPACITY_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.CONNECTIONS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.CWND;
import static io.tcpstack.tcp.ConnectionTableFile.EPOCH_MS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.HEADER_LENGTH;
import static io.tcpstack.tcp.ConnectionTableFile.LAYOUT_VERSION;
import static io.tcpstack.tcp.ConnectionTableFile.LAYOUT_VERSION_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.LISTENERS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.LOCAL_ADDRESS;
import static io.tcpstack.tcp.ConnectionTableFile.LOCAL_ADDRESS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.LOCAL_PORT;
import static io.tcpstack.tcp.ConnectionTableFile.MAGIC;
import static io.tcpstack.tcp.ConnectionTableFile.MAGIC_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.MSS;
import static io.tcpstack.tcp.ConnectionTableFile.NOW_NS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.PERIOD_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.PID_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.RECV_Q;
import static io.tcpstack.tcp.ConnectionTableFile.REMOTE_ADDRESS;
import static io.tcpstack.tcp.ConnectionTableFile.REMOTE_PORT;
import static io.tcpstack.tcp.ConnectionTableFile.RETRIES;
import static io.tcpstack.tcp.ConnectionTableFile.ROWS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.ROW_LENGTH;
import static io.tcpstack.tcp.ConnectionTableFile.ROW_LENGTH_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.RTO_NS;
import static io.tcpstack.tcp.ConnectionTableFile.SEND_Q;
import static io.tcpstack.tcp.ConnectionTableFile.SEND_WINDOW;
import static io.tcpstack.tcp.ConnectionTableFile.SRTT_NS;
import static io.tcpstack.tcp.ConnectionTableFile.STATE;
import static io.tcpstack.tcp.ConnectionTableFile.TIMER;
import static io.tcpstack.tcp.ConnectionTableFile.TIMER_NS;
import static io.tcpstack.tcp.ConnectionTableFile.TIME_WAITS_OFFSET;
import static io.tcpstack.tcp.ConnectionTableFile.VERSION_OFFSET;

import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads the connection table a running stack publishes ({@link ConnectionTableFile}), from
 * any process: each {@link #read()} returns one consistent snapshot. Not thread-safe; cheap
 * to open. Allocates freely (it is not on the stack thread).
 */
public final class ConnectionTableReader implements AutoCloseable {
    /**
     * Consistent-read attempts before giving up: the first {@link #SPINS} back to back, then
     * one per millisecond. The writer holds the lock for microseconds (a few hundred for
     * thousands of rows) once per period, so a reader rarely needs a second attempt.
     */
    static final int MAX_ATTEMPTS = 1_100;
    private static final int SPINS = 1_000;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int capacity;

    /** One row: a listener, a connection or a TIME-WAIT record. */
    public record Row(TcpState state, int localAddress, int localPort, int remoteAddress, int remotePort,
        int recvQ, int sendQ, int sendWindow, int cwnd, int mss, long srttNs, long rtoNs,
        ConnectionTableFile.Timer timer, long timerNs, int retries, int halfOpen, int synBacklog) {

        /** For a listener: established connections not yet accepted (its Recv-Q). */
        public int acceptQueued() {
            return recvQ;
        }

        /** For a listener: its accept backlog (its Send-Q). */
        public int acceptBacklog() {
            return sendQ;
        }

        /** True if the congestion window is known (issue 5). */
        public boolean hasCwnd() {
            return cwnd != ConnectionTableFile.NO_CWND;
        }
    }

    /**
     * One consistent snapshot.
     *
     * @param listeners   listeners in the stack (rows or not)
     * @param connections connections in the stack (rows or not), not counting TIME-WAIT records
     * @param timeWaits   TIME-WAIT records in the stack (rows or not)
     */
    public record Snapshot(long version, long publishedEpochMs, long publishedNs, int listeners, int connections,
        int timeWaits, List<Row> rows) {

        /** Listeners, connections and TIME-WAIT records the table had no room for. */
        public int omitted() {
            return listeners + connections + timeWaits - rows.size();
        }

        /** Of those left out, how many of each: listeners, connections, TIME-WAIT records. */
        public int[] omittedByKind() {
            int l = 0;
            int tw = 0;
            for (final Row r : rows) {
                if (r.state() == TcpState.LISTEN) {
                    l++;
                } else if (r.state() == TcpState.TIME_WAIT) {
                    tw++;
                }
            }
            final int c = rows.size() - l - tw;
            return new int[] {listeners - l, connections - c, timeWaits - tw};
        }
    }

    private ConnectionTableReader(final Path file, final MappedByteBuffer mapped, final UnsafeBuffer buffer,
        final int capacity) {
        this.file = file;
        this.mapped = mapped;
        this.buffer = buffer;
        this.capacity = capacity;
    }

    /**
     * Opens a table file for reading.
     *
     * @throws IllegalStateException with a one-line reason if the file is not a connection
     *                               table this version reads (wrong magic, other layout version,
     *                               truncated)
     */
    public static ConnectionTableReader open(final Path file) {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), java.nio.channels.FileChannel.MapMode.READ_ONLY,
            "tcpstack connection table");
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        try {
            if (buffer.capacity() < HEADER_LENGTH || buffer.getIntVolatile(MAGIC_OFFSET) != MAGIC) {
                throw new IllegalStateException(file + " is not a tcpstack connection table (no "
                    + String.format("0x%08X", MAGIC) + " magic)");
            }
            final int layout = buffer.getInt(LAYOUT_VERSION_OFFSET);
            if (layout != LAYOUT_VERSION) {
                throw new IllegalStateException(file + " has connection-table layout version " + layout
                    + ", this tcpstack reads version " + LAYOUT_VERSION
                    + ": use the tcpstack build that runs the stack");
            }
            final int capacity = buffer.getInt(CAPACITY_OFFSET);
            if (buffer.getInt(ROW_LENGTH_OFFSET) != ROW_LENGTH || capacity < 0
                || buffer.capacity() < ConnectionTableFile.fileLength(capacity)) {
                throw new IllegalStateException(file + " is a truncated or damaged connection table");
            }
            return new ConnectionTableReader(file, mapped, buffer, capacity);
        } catch (final RuntimeException e) {
            IoUtil.unmap(mapped);
            throw e;
        }
    }

    /** The process that writes the table. */
    public long pid() {
        return buffer.getLong(PID_OFFSET);
    }

    /** Rows the table holds at most. */
    public int capacity() {
        return capacity;
    }

    /** How often the writer publishes at most, ns. */
    public long periodNs() {
        return buffer.getLong(PERIOD_OFFSET);
    }

    /** The stack's address. */
    public int localAddress() {
        return buffer.getInt(LOCAL_ADDRESS_OFFSET);
    }

    /** True once the writer has published a snapshot. */
    public boolean hasSnapshot() {
        return buffer.getLongVolatile(VERSION_OFFSET) != 0;
    }

    /**
     * A consistent snapshot, retrying while the writer is rewriting the table.
     *
     * @throws IllegalStateException if nothing was published yet, or no attempt of
     *                               {@link #MAX_ATTEMPTS} found the table still
     */
    public Snapshot read() {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            final Snapshot s = tryRead();
            if (s != null) {
                return s;
            }
            if (attempt < SPINS) {
                Thread.onSpinWait();
            } else {
                try {
                    Thread.sleep(1);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException(file + " was being rewritten at every one of " + MAX_ATTEMPTS
            + " attempts to read it (is the stack stuck half-way through a snapshot?)");
    }

    /** One attempt: the snapshot, or null if the writer was (or started) writing meanwhile. */
    Snapshot tryRead() {
        final long before = buffer.getLongVolatile(VERSION_OFFSET);
        if (before == 0) {
            throw new IllegalStateException(file + ": the stack has not published its table yet");
        }
        if ((before & 1) != 0) {
            return null;
        }
        final long epochMs = buffer.getLong(EPOCH_MS_OFFSET);
        final long nowNs = buffer.getLong(NOW_NS_OFFSET);
        final int rows = Math.max(0, Math.min(buffer.getInt(ROWS_OFFSET), capacity));
        final int listeners = buffer.getInt(LISTENERS_OFFSET);
        final int connections = buffer.getInt(CONNECTIONS_OFFSET);
        final int timeWaits = buffer.getInt(TIME_WAITS_OFFSET);
        final byte[] copy = new byte[rows * ROW_LENGTH];
        buffer.getBytes(HEADER_LENGTH, copy);
        // Sequence lock, reader side (Linux's read_seqcount_retry): the copies above must not
        // be reordered after the second read of the version.
        VarHandle.loadLoadFence();
        if (buffer.getLongVolatile(VERSION_OFFSET) != before) {
            return null;
        }
        final UnsafeBuffer r = new UnsafeBuffer(copy);
        final List<Row> list = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            list.add(row(r, i * ROW_LENGTH));
        }
        return new Snapshot(before, epochMs, nowNs, listeners, connections, timeWaits, List.copyOf(list));
    }

    private static Row row(final UnsafeBuffer b, final int at) {
        final TcpState state = ConnectionTableFile.state(b.getByte(at + STATE));
        final int timerCode = b.getByte(at + TIMER);
        final ConnectionTableFile.Timer[] timers = ConnectionTableFile.Timer.values();
        final ConnectionTableFile.Timer timer = timerCode >= 0 && timerCode < timers.length
            ? timers[timerCode] : ConnectionTableFile.Timer.NONE;
        final boolean listener = state == TcpState.LISTEN;
        return new Row(state == null ? TcpState.CLOSED : state,
            b.getInt(at + LOCAL_ADDRESS), b.getInt(at + LOCAL_PORT),
            b.getInt(at + REMOTE_ADDRESS), b.getInt(at + REMOTE_PORT),
            b.getInt(at + RECV_Q), b.getInt(at + SEND_Q),
            listener ? 0 : b.getInt(at + SEND_WINDOW),
            listener ? ConnectionTableFile.NO_CWND : b.getInt(at + CWND),
            b.getInt(at + MSS), b.getLong(at + SRTT_NS), b.getLong(at + RTO_NS),
            timer, b.getLong(at + TIMER_NS), b.getByte(at + RETRIES) & 0xFF,
            listener ? b.getInt(at + SEND_WINDOW) : 0,
            listener ? b.getInt(at + CWND) : 0);
    }

    @Override
    public void close() {
        IoUtil.unmap(mapped);
    }
}
