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
import static io.tcpstack.tcp.ConnectionTableFile.NO_CWND;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.agrona.IoUtil;
import org.agrona.collections.LongObjConsumer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Publishes the stack's connection table into a memory-mapped file (layout:
 * {@link ConnectionTableFile}) at most once per period, for {@code tcpstack ss} in another
 * process. An {@link Agent}: run it on the stack thread next to the stack (an Agrona
 * {@code CompositeAgent}), so that it reads the tables of their only writer; or call
 * {@link #poll(long)} from the duty cycle.
 *
 * <p>Stack thread only. Allocates nothing after construction: the visitors are bound once,
 * the tables are walked with {@link TcpLayer#forEachConnection} and friends, and every field
 * is a primitive put into the mapped buffer.
 */
public final class ConnectionTableWriter implements Agent, AutoCloseable {
    private final TcpLayer tcp;
    private final int localAddress;
    private final NanoClock clock;
    private final EpochClock epochClock;
    private final long periodNs;
    private final int capacity;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;

    private final Consumer<Listener> onListener = this::writeListener;
    private final LongObjConsumer<TcpConnection> onConnection = this::writeConnection;
    private final TcpLayer.TimeWaitVisitor onTimeWait = this::writeTimeWait;

    private long version;
    private boolean published;
    private long lastPublishNs;
    private long nowNs;
    private int rows;
    private int listeners;
    private int connections;
    private int timeWaits;
    private boolean closed;

    private ConnectionTableWriter(final TcpLayer tcp, final int localAddress, final int capacity, final long periodNs,
        final NanoClock clock, final EpochClock epochClock, final MappedByteBuffer mapped) {
        this.tcp = tcp;
        this.localAddress = localAddress;
        this.capacity = capacity;
        this.periodNs = periodNs;
        this.clock = clock;
        this.epochClock = epochClock;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    /**
     * Creates the file (replacing one left by an earlier run) with room for {@code maxRows}.
     * Call before the stack thread starts.
     *
     * @param localAddress the stack's address, for the local side of every row
     * @param periodNs     publish at most this often (the first {@link #poll} always publishes)
     * @throws UncheckedIOException if the file cannot be created
     */
    public static ConnectionTableWriter create(final Path file, final TcpLayer tcp, final int localAddress,
        final int maxRows, final long periodNs, final NanoClock clock, final EpochClock epochClock) {
        if (maxRows < 1 || maxRows > 1_000_000) {
            throw new IllegalArgumentException("rows " + maxRows + ": out of range (1..1000000)");
        }
        if (periodNs <= 0) {
            throw new IllegalArgumentException("period " + periodNs + " ns: must be positive");
        }
        try {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file.toFile(), ConnectionTableFile.fileLength(maxRows));
        final ConnectionTableWriter writer = new ConnectionTableWriter(tcp, localAddress, maxRows, periodNs, clock,
            epochClock, mapped);
        final UnsafeBuffer b = writer.buffer;
        b.putInt(LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        b.putLong(PID_OFFSET, ProcessHandle.current().pid());
        b.putInt(CAPACITY_OFFSET, maxRows);
        b.putInt(ROW_LENGTH_OFFSET, ROW_LENGTH);
        b.putLong(PERIOD_OFFSET, periodNs);
        b.putInt(LOCAL_ADDRESS_OFFSET, localAddress);
        b.putIntVolatile(MAGIC_OFFSET, MAGIC); // last: a reader that sees the magic sees a complete header
        return writer;
    }

    @Override
    public int doWork() {
        return poll(clock.nanoTime());
    }

    /** Publishes if a period has passed since the last snapshot (or none was taken yet); returns 1 if it did. */
    public int poll(final long nowNs) {
        if (published && nowNs - lastPublishNs < periodNs) {
            return 0;
        }
        publish(nowNs);
        return 1;
    }

    /** Publishes a snapshot now, whatever the period. */
    public void publish(final long nowNs) {
        if (closed) {
            return;
        }
        this.nowNs = nowNs;
        rows = 0;
        listeners = 0;
        connections = 0;
        timeWaits = 0;
        // Sequence lock (as Linux's write_seqcount_begin/end): odd while writing; the fence keeps
        // the row stores after the odd version, the release store keeps them before the even one.
        version++;
        buffer.putLongOpaque(VERSION_OFFSET, version);
        VarHandle.storeStoreFence();
        tcp.forEachListener(onListener);
        tcp.forEachConnection(onConnection);
        tcp.forEachTimeWait(onTimeWait);
        buffer.putLong(EPOCH_MS_OFFSET, epochClock.time());
        buffer.putLong(NOW_NS_OFFSET, nowNs);
        buffer.putInt(ROWS_OFFSET, rows);
        buffer.putInt(LISTENERS_OFFSET, listeners);
        buffer.putInt(CONNECTIONS_OFFSET, connections);
        buffer.putInt(TIME_WAITS_OFFSET, timeWaits);
        version++;
        buffer.putLongRelease(VERSION_OFFSET, version);
        published = true;
        lastPublishNs = nowNs;
    }

    /** Snapshots published so far. */
    public long publications() {
        return version / 2;
    }

    private void writeListener(final Listener l) {
        listeners++;
        if (rows == capacity) {
            return;
        }
        final int at = HEADER_LENGTH + rows++ * ROW_LENGTH;
        putTuple(at, TcpState.LISTEN, l.port(), 0, 0);
        buffer.putByte(at + TIMER, (byte) ConnectionTableFile.Timer.NONE.ordinal());
        buffer.putByte(at + RETRIES, (byte) 0);
        // Recv-Q / Send-Q of a listener are the accept queue and its bound, as Linux's tcp_diag_get_info.
        buffer.putInt(at + RECV_Q, l.acceptQueued());
        buffer.putInt(at + SEND_Q, l.acceptBacklog());
        buffer.putInt(at + SEND_WINDOW, l.halfOpen());
        buffer.putInt(at + CWND, l.synBacklog());
        buffer.putInt(at + MSS, 0);
        buffer.putLong(at + SRTT_NS, 0);
        buffer.putLong(at + RTO_NS, 0);
        buffer.putLong(at + TIMER_NS, 0);
    }

    private void writeConnection(final long key, final TcpConnection c) {
        connections++;
        if (rows == capacity) {
            return;
        }
        final int at = HEADER_LENGTH + rows++ * ROW_LENGTH;
        putTuple(at, c.state, c.localPort, c.remoteAddress, c.remotePort);
        ConnectionTableFile.Timer timer = ConnectionTableFile.Timer.NONE;
        long deadlineNs = Long.MAX_VALUE;
        if (c.retransmitDeadlineNs != Long.MAX_VALUE) {
            timer = ConnectionTableFile.Timer.ON;
            deadlineNs = c.retransmitDeadlineNs;
        }
        if (c.persistDeadlineNs != Long.MAX_VALUE && c.persistDeadlineNs - deadlineNs < 0) {
            timer = ConnectionTableFile.Timer.PERSIST;
            deadlineNs = c.persistDeadlineNs;
        }
        buffer.putByte(at + TIMER, (byte) timer.ordinal());
        buffer.putByte(at + RETRIES, (byte) Math.min(c.retries, 255));
        buffer.putInt(at + RECV_Q, c.receiveBuffer == null ? 0 : c.receiveBuffer.readable());
        buffer.putInt(at + SEND_Q, c.sendQueued());
        buffer.putInt(at + SEND_WINDOW, c.sndWnd);
        buffer.putInt(at + CWND, c.cc.cwnd()); // bytes (RFC 5681)
        buffer.putInt(at + MSS, c.sendMss);
        buffer.putLong(at + SRTT_NS, c.srttNs);
        buffer.putLong(at + RTO_NS, c.rtoNs);
        buffer.putLong(at + TIMER_NS, timer == ConnectionTableFile.Timer.NONE ? 0 : Math.max(0, deadlineNs - nowNs));
    }

    private void writeTimeWait(final long key, final long expiresNs) {
        timeWaits++;
        if (rows == capacity) {
            return;
        }
        final int at = HEADER_LENGTH + rows++ * ROW_LENGTH;
        putTuple(at, TcpState.TIME_WAIT, (int) (key & 0xFFFF), (int) (key >>> 32), (int) ((key >>> 16) & 0xFFFF));
        buffer.putByte(at + TIMER, (byte) ConnectionTableFile.Timer.TIMEWAIT.ordinal());
        buffer.putByte(at + RETRIES, (byte) 0);
        buffer.putInt(at + RECV_Q, 0);
        buffer.putInt(at + SEND_Q, 0);
        buffer.putInt(at + SEND_WINDOW, 0);
        buffer.putInt(at + CWND, NO_CWND);
        buffer.putInt(at + MSS, 0);
        buffer.putLong(at + SRTT_NS, 0);
        buffer.putLong(at + RTO_NS, 0);
        buffer.putLong(at + TIMER_NS, Math.max(0, expiresNs - nowNs));
    }

    private void putTuple(final int at, final TcpState state, final int localPort, final int remoteAddress,
        final int remotePort) {
        buffer.putByte(at + STATE, (byte) ConnectionTableFile.stateCode(state));
        buffer.putByte(at + 3, (byte) 0);
        buffer.putInt(at + LOCAL_ADDRESS, localAddress);
        buffer.putInt(at + LOCAL_PORT, localPort);
        buffer.putInt(at + REMOTE_ADDRESS, remoteAddress);
        buffer.putInt(at + REMOTE_PORT, remotePort);
    }

    @Override
    public String roleName() {
        return "tcpstack-conns";
    }

    @Override
    public void onClose() {
        close();
    }

    /** Unmaps the file (the caller deletes it if it should go). Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            IoUtil.unmap(mapped);
        }
    }
}
