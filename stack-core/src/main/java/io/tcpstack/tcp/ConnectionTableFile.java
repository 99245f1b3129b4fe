package io.tcpstack.tcp;

/**
 * The layout of the connection-table file: the stack thread publishes its listeners,
 * connections and TIME-WAIT records into it ({@link ConnectionTableWriter}) and another
 * process reads them ({@link ConnectionTableReader}, {@code tcpstack ss}), the way
 * {@code ss -tan} reads the kernel's table. The file sits next to the counters file
 * ({@code /dev/shm/tcpstack/NS.conns}).
 *
 * <p>Byte order is the machine's own (little-endian on x86-64 and AArch64), as in the
 * counters file: writer and reader share the memory. Header, 128 bytes:
 * <pre>
 *   0  int   magic 0x54435054 ("TCPT"), written last when the file is created
 *   4  int   layout version ({@link #LAYOUT_VERSION}); any change to this page bumps it
 *   8  long  pid of the writing process
 *  16  int   row capacity: rows the file holds at most
 *  20  int   row length ({@link #ROW_LENGTH})
 *  24  long  publish period, ns (the writer publishes at most this often)
 *  32  int   the stack's IPv4 address (10.7.0.2 is 0x0A070002)
 *  36  ...   reserved up to 64
 *  -- guarded by the sequence lock --
 *  64  long  version: 0 before the first snapshot; odd while one is being written
 *  72  long  published at: wall clock, ms since the epoch
 *  80  long  published at: the stack's clock, ns (timers below count from it)
 *  88  int   rows written (at most the capacity)
 *  92  int   listeners in the stack
 *  96  int   connections in the stack (not counting TIME-WAIT records)
 * 100  int   TIME-WAIT records in the stack
 * 104  ...   reserved up to 128
 * 128        rows
 * </pre>
 * Rows come listeners first, then connections, then TIME-WAIT records (oldest first); when
 * they do not all fit, the rest are left out and the totals tell how many (the reader
 * prints "truncated: N more"). One row, {@link #ROW_LENGTH} bytes:
 * <pre>
 *   0  byte  state, numbered as Linux's TCP states (include/net/tcp_states.h):
 *            1 ESTABLISHED 2 SYN-SENT 3 SYN-RECEIVED 4 FIN-WAIT-1 5 FIN-WAIT-2
 *            6 TIME-WAIT 7 CLOSED 8 CLOSE-WAIT 9 LAST-ACK 10 LISTEN 11 CLOSING
 *   1  byte  timer pending: 0 none, 1 on (retransmission), 2 persist, 3 timewait (ss -o's names)
 *   2  byte  retransmissions of the oldest unacknowledged segment (capped at 255)
 *   3  byte  reserved
 *   4  int   local address
 *   8  int   local port
 *  12  int   remote address (0 for a listener)
 *  16  int   remote port (0 for a listener)
 *  20  int   Recv-Q: bytes received in order, not yet consumed by the application;
 *            a listener: connections established, not yet accepted (as Linux's tcp_diag)
 *  24  int   Send-Q: bytes queued by the application, not yet acknowledged (sent or not);
 *            a listener: its accept backlog
 *  28  int   SND.WND, the peer's advertised window, bytes; a listener: half-open connections
 *  32  int   congestion window, bytes, or -1 while there is no congestion control
 *            (issue 5 fills it); a listener: its SYN backlog
 *  36  int   send MSS, bytes (0 for a listener or a TIME-WAIT record)
 *  40  long  smoothed RTT (RFC 6298 SRTT), ns; 0 before the first sample
 *  48  long  retransmission timeout (RFC 6298 RTO), ns
 *  56  long  ns until the pending timer fires (0 when none)
 * </pre>
 *
 * <p>Consistency: a sequence lock, as Linux's {@code seqcount_t}. The writer makes the version
 * odd, writes the snapshot, then makes it even again (a release store); a reader reads the
 * version, copies header and rows, and keeps the copy only if the version was even and is
 * unchanged; otherwise it tries again. The writer never waits for readers.
 */
public final class ConnectionTableFile {
    /** File magic, "TCPT". */
    public static final int MAGIC = 0x54435054;
    /** Layout version; a reader refuses any other. */
    public static final int LAYOUT_VERSION = 1;
    /** Bytes before the first row. */
    public static final int HEADER_LENGTH = 128;
    /** Bytes per row. */
    public static final int ROW_LENGTH = 64;

    static final int MAGIC_OFFSET = 0;
    static final int LAYOUT_VERSION_OFFSET = 4;
    static final int PID_OFFSET = 8;
    static final int CAPACITY_OFFSET = 16;
    static final int ROW_LENGTH_OFFSET = 20;
    static final int PERIOD_OFFSET = 24;
    static final int LOCAL_ADDRESS_OFFSET = 32;
    static final int VERSION_OFFSET = 64;
    static final int EPOCH_MS_OFFSET = 72;
    static final int NOW_NS_OFFSET = 80;
    static final int ROWS_OFFSET = 88;
    static final int LISTENERS_OFFSET = 92;
    static final int CONNECTIONS_OFFSET = 96;
    static final int TIME_WAITS_OFFSET = 100;

    static final int STATE = 0;
    static final int TIMER = 1;
    static final int RETRIES = 2;
    static final int LOCAL_ADDRESS = 4;
    static final int LOCAL_PORT = 8;
    static final int REMOTE_ADDRESS = 12;
    static final int REMOTE_PORT = 16;
    static final int RECV_Q = 20;
    static final int SEND_Q = 24;
    static final int SEND_WINDOW = 28;
    static final int CWND = 32;
    static final int MSS = 36;
    static final int SRTT_NS = 40;
    static final int RTO_NS = 48;
    static final int TIMER_NS = 56;

    /** No congestion window yet (issue 5 adds congestion control). */
    public static final int NO_CWND = -1;

    /** The pending timer, with {@code ss -o}'s names (ss(8), "timer:(name,expire,retrans)"). */
    public enum Timer {
        NONE("none"), ON("on"), PERSIST("persist"), TIMEWAIT("timewait");

        private final String ssName;

        Timer(final String ssName) {
            this.ssName = ssName;
        }

        /** The name {@code ss -o} prints. */
        public String ssName() {
            return ssName;
        }
    }

    private ConnectionTableFile() {
    }

    /** The file holding {@code rows} rows. */
    public static long fileLength(final int rows) {
        return HEADER_LENGTH + (long) rows * ROW_LENGTH;
    }

    /** Linux's number for a state (include/net/tcp_states.h), so that the file does not depend on enum order. */
    static int stateCode(final TcpState state) {
        return switch (state) {
            case ESTABLISHED -> 1;
            case SYN_SENT -> 2;
            case SYN_RECEIVED -> 3;
            case FIN_WAIT_1 -> 4;
            case FIN_WAIT_2 -> 5;
            case TIME_WAIT -> 6;
            case CLOSED -> 7;
            case CLOSE_WAIT -> 8;
            case LAST_ACK -> 9;
            case LISTEN -> 10;
            case CLOSING -> 11;
        };
    }

    /** The state for a code of {@link #stateCode}, or null for an unknown code. */
    static TcpState state(final int code) {
        return switch (code) {
            case 1 -> TcpState.ESTABLISHED;
            case 2 -> TcpState.SYN_SENT;
            case 3 -> TcpState.SYN_RECEIVED;
            case 4 -> TcpState.FIN_WAIT_1;
            case 5 -> TcpState.FIN_WAIT_2;
            case 6 -> TcpState.TIME_WAIT;
            case 7 -> TcpState.CLOSED;
            case 8 -> TcpState.CLOSE_WAIT;
            case 9 -> TcpState.LAST_ACK;
            case 10 -> TcpState.LISTEN;
            case 11 -> TcpState.CLOSING;
            default -> null;
        };
    }
}
