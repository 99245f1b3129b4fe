package io.tcpstack.tcp;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.agrona.DeadlineTimerWheel;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.status.AtomicCounter;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.StackConfig;
import io.tcpstack.api.SynCookies;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.ip.Ipv4Output;
import io.tcpstack.ip.TokenBucket;
import io.tcpstack.stats.StackCounters;
import io.tcpstack.wire.Checksum;
import io.tcpstack.wire.Ipv4Header;
import io.tcpstack.wire.TcpHeader;
import io.tcpstack.wire.TcpOptions;

/**
 * TCP for the stack: validates arriving segments, demultiplexes them by 4-tuple to a
 * connection, a TIME-WAIT record or a listener (or answers as CLOSED, RFC 9293
 * §3.10.7.1), builds and sends the segments connections ask for, and runs their timers
 * on a {@link DeadlineTimerWheel}. Stack thread only; the segment path allocates nothing.
 *
 * <p>Counters: the RFC 4022 MIB names ({@code tcp.ActiveOpens}, {@code tcp.PassiveOpens},
 * {@code tcp.AttemptFails}, {@code tcp.EstabResets}, {@code tcp.CurrEstab},
 * {@code tcp.InSegs}, {@code tcp.OutSegs}, {@code tcp.RetransSegs}, {@code tcp.InErrs},
 * {@code tcp.OutRsts}) plus one {@code tcp.rx.*} counter per drop reason.
 */
public final class TcpLayer {
    static final int MAX_OUT_OF_ORDER_RANGES = 32;
    static final int DROP_UNACCEPTABLE = 0;
    static final int DROP_OUT_OF_WINDOW = 1;
    static final int DROP_SYN_IN_WINDOW = 2;
    static final int DROP_NO_ACK = 3;
    static final int DROP_ACK_UNSENT = 4;
    static final int DROP_DATA_AFTER_FIN = 5;

    private static final long TICK_NS = 1L << 20; // ~1.05 ms
    private static final int TICKS_PER_WHEEL = 1024;
    private static final int MAX_TIMERS_PER_POLL = 4096;
    /**
     * SYN-ACK retransmissions per duty cycle: a backlog filled within a few milliseconds is due
     * all at once; sent 64 at a time, the thread goes back to its inbound ring between
     * batches instead of spending milliseconds on TUN writes while the ring fills.
     */
    private static final int MAX_SYN_ACK_TIMERS_PER_POLL = 64;

    private final int localAddress;
    private final Ipv4Output output;
    /** The link finishes TCP checksums (an offloading TUN): every segment goes with a partial one. */
    private final boolean linkFinishesChecksums;
    private final int mtu;
    private final int bufferBytes;
    private final long timeWaitNs;
    final long initialRtoNs;
    final long minRtoNs;
    final long maxRtoNs;
    final long clockGranularityNs = TICK_NS;
    final int maxRetries;
    final int synRetries;
    final long delayedAckNs;
    /** StackConfig#recoveryProbe: a loss probe in SACK recovery once the ACKs stop. */
    final boolean recoveryProbe;
    final long keepAliveIdleNs;
    final long keepAliveIntervalNs;
    final int keepAliveProbes;
    private final StackConfig.CongestionControlKind congestionControl;
    private final int synBacklog;
    private final int defaultAcceptBacklog;
    private final int synAckRetries;
    private final SynCookies cookieMode;
    private final boolean resetOnAcceptOverflow;
    private final SynCookieCodec cookies;
    private final ProvenPeers provenPeers = new ProvenPeers(4096, TimeUnit.MINUTES.toNanos(10));
    final int ourMss;
    /** The shift we offer (RFC 7323 §2.3): the smallest that lets the window cover the buffer. */
    final int ourWindowScale;
    /**
     * emit()'s SYN options: none; or MSS, plus window scale (with the shift in the low bits)
     * and SACK-permitted as flagged.
     */
    static final int NO_SYN_OPTIONS = -1;
    static final int MSS_ONLY = 0;
    static final int SYN_OPT_WINDOW_SCALE = 0x100;
    static final int SYN_OPT_SACK_PERMITTED = 0x200;
    static final int SYN_OPT_TIMESTAMPS = 0x400;
    /** Bytes the timestamps option takes in every segment once agreed: NOP, NOP, kind, length, TSval, TSecr. */
    static final int TIMESTAMPS_SPACE = 12;
    // The timestamps option for the next emit() (stack thread; set just before, cleared by it).
    private boolean tsPending;
    private int tsPendingVal;
    private int tsPendingEcr;

    private final Long2ObjectHashMap<TcpConnection> connections = new Long2ObjectHashMap<>();
    /** The connection the last segment was for, and its key; null after it is removed. */
    private TcpConnection lastConnection;
    private long lastKey;
    private final Int2ObjectHashMap<Listener> listeners = new Int2ObjectHashMap<>();
    /** The same listeners as an array, for the timer poll (no iterator). */
    private Listener[] listenerList = new Listener[0];
    private final TimeWaitTable timeWaits;
    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<TcpConnection> timers = new Long2ObjectHashMap<>();
    private final DeadlineTimerWheel.TimerHandler onTimer = this::onTimerExpiry;
    private IsnSource isnSource = IsnGenerator.withRandomKey();
    private final EphemeralPorts ephemeralPorts;
    private final EphemeralPorts.PortInUse portInUse = this::portInUse;
    private final TokenBucket challengeAcks;

    private final java.util.ArrayDeque<SendBuffer> freeSendBuffers = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<ReceiveBuffer> freeReceiveBuffers = new java.util.ArrayDeque<>();
    private static final int MAX_POOLED_BUFFERS = 1024;
    private int buffersCreated;
    private final TcpHeader in = new TcpHeader();
    private final TcpHeader out = new TcpHeader();
    private final TcpOptions options = new TcpOptions();
    private final Segment segment = new Segment();
    private long nowNs;
    private int pendingRemoteAddress;
    private int pendingRemotePort;

    private final AtomicCounter activeOpens;
    private final AtomicCounter passiveOpens;
    private final AtomicCounter attemptFails;
    private final AtomicCounter estabResets;
    private final AtomicCounter currEstab;
    private final AtomicCounter inSegs;
    private final AtomicCounter outSegs;
    private final AtomicCounter retransSegs;
    private final AtomicCounter inErrs;
    private final AtomicCounter outRsts;
    private final AtomicCounter badChecksum;
    private final AtomicCounter checksumTrustedCount;
    private final AtomicCounter badHeaderLength;
    private final AtomicCounter badOptions;
    private final AtomicCounter rstToClosed;
    private final AtomicCounter closedPort;
    private final AtomicCounter[] drops = new AtomicCounter[6];
    private final AtomicCounter synBacklogDrops;
    private final AtomicCounter acceptOverflows;
    private final AtomicCounter synAckRetransmits;
    private final AtomicCounter halfOpenExpired;
    private final AtomicCounter halfOpenReset;
    private final AtomicCounter halfOpenPruned;
    private final AtomicCounter unprovenDrops;
    private final AtomicCounter cookiesSent;
    private final AtomicCounter cookiesValidated;
    private final AtomicCounter cookiesInvalid;
    private final AtomicCounter cookiesStale;
    private final AtomicCounter halfOpenCurrent;
    private final AtomicCounter challengeAcksSent;
    private final AtomicCounter challengeAcksLimited;
    private final AtomicCounter retransmittedSyns;
    private final AtomicCounter duplicateData;
    private final AtomicCounter headerPredicted;
    private final AtomicCounter outOfOrder;
    private final AtomicCounter timeouts;
    private final AtomicCounter fastRetransmits;
    private final AtomicCounter lossProbes;
    private final AtomicCounter recoveryProbes;
    private final AtomicCounter rackLosses;
    private final AtomicCounter lostRetransmits;
    private final AtomicCounter rtoExpired;
    private final AtomicCounter sackRetransmits;
    private final AtomicCounter pawsRejected;
    private final AtomicCounter keepAliveProbesSent;
    private final AtomicCounter keepAliveTimeouts;
    private final AtomicCounter duplicateAcks;
    private final AtomicCounter windowProbes;
    private final AtomicCounter timeWaitEntered;
    private final AtomicCounter timeWaitRecycled;
    private final AtomicCounter timeWaitReacks;
    private final AtomicCounter timeWaitRstIgnored;
    private final AtomicCounter timeWaitCurrent;
    private final AtomicCounter noEphemeralPort;

    public TcpLayer(final StackConfig config, final Ipv4Output output, final StackCounters counters, final long nowNs) {
        this.localAddress = config.localAddress();
        this.output = output;
        this.linkFinishesChecksums = output.maxSegmentedPayload() > 0;
        out.wrap(output.buffer(), Ipv4Output.PAYLOAD_OFFSET); // every segment is built there
        this.mtu = config.mtu();
        this.bufferBytes = config.tcpBufferBytes();
        this.timeWaitNs = 2 * config.mslNs();
        this.initialRtoNs = config.initialRtoNs();
        this.minRtoNs = config.minRtoNs();
        this.maxRtoNs = config.maxRtoNs();
        this.maxRetries = config.maxRetries();
        this.synRetries = config.synRetries();
        this.delayedAckNs = config.delayedAckNs();
        this.recoveryProbe = config.recoveryProbe();
        this.keepAliveIdleNs = config.keepAliveIdleNs();
        this.keepAliveIntervalNs = config.keepAliveIntervalNs();
        this.keepAliveProbes = config.keepAliveProbes();
        this.congestionControl = config.congestionControl();
        this.synBacklog = config.synBacklog();
        this.defaultAcceptBacklog = config.acceptBacklog();
        this.synAckRetries = config.synAckRetries();
        this.cookieMode = config.synCookies();
        this.resetOnAcceptOverflow = config.resetOnAcceptOverflow();
        this.ourMss = mtu - Ipv4Header.MIN_LENGTH - TcpHeader.MIN_LENGTH;
        int shift = 0;
        while ((0xFFFFL << shift) < bufferBytes && shift < 14) {
            shift++;
        }
        this.ourWindowScale = shift;
        this.timeWaits = new TimeWaitTable(config.timeWaitMax());
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, nowNs, TICK_NS, TICKS_PER_WHEEL);
        this.challengeAcks = new TokenBucket(config.challengeAcksPerSecond(), config.challengeAcksPerSecond());
        final java.security.SecureRandom random = new java.security.SecureRandom();
        this.ephemeralPorts = new EphemeralPorts(32768, 60999, random.nextLong(), random.nextLong());
        this.cookies = new SynCookieCodec(random::nextLong);
        this.nowNs = nowNs;

        activeOpens = counters.newCounter("tcp.ActiveOpens");
        passiveOpens = counters.newCounter("tcp.PassiveOpens");
        attemptFails = counters.newCounter("tcp.AttemptFails");
        estabResets = counters.newCounter("tcp.EstabResets");
        currEstab = counters.newCounter("tcp.CurrEstab");
        inSegs = counters.newCounter("tcp.InSegs");
        outSegs = counters.newCounter("tcp.OutSegs");
        retransSegs = counters.newCounter("tcp.RetransSegs");
        inErrs = counters.newCounter("tcp.InErrs");
        outRsts = counters.newCounter("tcp.OutRsts");
        badChecksum = counters.newCounter("tcp.rx.bad_checksum");
        checksumTrustedCount = counters.newCounter("tcp.rx.checksum_trusted");
        badHeaderLength = counters.newCounter("tcp.rx.bad_header_length");
        badOptions = counters.newCounter("tcp.rx.bad_options");
        rstToClosed = counters.newCounter("tcp.rx.rst_to_closed");
        closedPort = counters.newCounter("tcp.rx.closed_port");
        drops[DROP_UNACCEPTABLE] = counters.newCounter("tcp.rx.unacceptable");
        drops[DROP_OUT_OF_WINDOW] = counters.newCounter("tcp.rx.out_of_window");
        drops[DROP_SYN_IN_WINDOW] = counters.newCounter("tcp.rx.syn_in_syn_received");
        drops[DROP_NO_ACK] = counters.newCounter("tcp.rx.no_ack");
        drops[DROP_ACK_UNSENT] = counters.newCounter("tcp.rx.ack_of_unsent");
        drops[DROP_DATA_AFTER_FIN] = counters.newCounter("tcp.rx.data_after_fin");
        synBacklogDrops = counters.newCounter("tcp.listen.syn_backlog_drops");
        acceptOverflows = counters.newCounter("tcp.listen.accept_queue_overflows");
        synAckRetransmits = counters.newCounter("tcp.listen.synack_retransmits");
        halfOpenExpired = counters.newCounter("tcp.listen.half_open_expired");
        halfOpenReset = counters.newCounter("tcp.listen.half_open_reset");
        halfOpenPruned = counters.newCounter("tcp.listen.half_open_pruned");
        unprovenDrops = counters.newCounter("tcp.listen.unproven_drops");
        halfOpenCurrent = counters.newCounter("tcp.listen.half_open");
        cookiesSent = counters.newCounter("tcp.syncookies.sent");
        cookiesValidated = counters.newCounter("tcp.syncookies.validated");
        cookiesInvalid = counters.newCounter("tcp.syncookies.invalid");
        cookiesStale = counters.newCounter("tcp.syncookies.stale");
        challengeAcksSent = counters.newCounter("tcp.challenge_acks");
        challengeAcksLimited = counters.newCounter("tcp.challenge_acks_rate_limited");
        retransmittedSyns = counters.newCounter("tcp.rx.retransmitted_syn");
        duplicateData = counters.newCounter("tcp.rx.duplicate_data");
        headerPredicted = counters.newCounter("tcp.rx.header_predicted");
        outOfOrder = counters.newCounter("tcp.rx.out_of_order");
        timeouts = counters.newCounter("tcp.timeouts");
        fastRetransmits = counters.newCounter("tcp.fast_retransmits");
        lossProbes = counters.newCounter("tcp.loss_probes");
        recoveryProbes = counters.newCounter("tcp.recovery_probes");
        rackLosses = counters.newCounter("tcp.rack_losses");
        lostRetransmits = counters.newCounter("tcp.lost_retransmits");
        rtoExpired = counters.newCounter("tcp.rto_expired");
        sackRetransmits = counters.newCounter("tcp.sack_retransmits");
        pawsRejected = counters.newCounter("tcp.rx.paws_rejected");
        keepAliveProbesSent = counters.newCounter("tcp.keepalive.probes");
        keepAliveTimeouts = counters.newCounter("tcp.keepalive.timeouts");
        duplicateAcks = counters.newCounter("tcp.rx.duplicate_acks");
        windowProbes = counters.newCounter("tcp.tx.window_probes");
        timeWaitEntered = counters.newCounter("tcp.timewait.entered");
        timeWaitRecycled = counters.newCounter("tcp.timewait.recycled");
        timeWaitReacks = counters.newCounter("tcp.timewait.fin_reacked");
        timeWaitRstIgnored = counters.newCounter("tcp.timewait.rst_ignored");
        timeWaitCurrent = counters.newCounter("tcp.timewait.current");
        noEphemeralPort = counters.newCounter("tcp.connect.no_ephemeral_port");
    }

    // ------------------------------------------------------------------ application calls

    /**
     * Opens a listener (RFC 9293 §3.10.1 passive OPEN) with the configured SYN backlog.
     *
     * @param acceptBacklog established connections left unaccepted at most
     */
    public Listener listen(final int port, final int acceptBacklog, final Supplier<TcpHandler> handlers) {
        return listen(port, synBacklog, acceptBacklog, handlers);
    }

    /** Opens a listener with the configured SYN backlog and accept backlog. */
    public Listener listen(final int port, final Supplier<TcpHandler> handlers) {
        return listen(port, synBacklog, defaultAcceptBacklog, handlers);
    }

    /** Opens a listener (RFC 9293 §3.10.1 passive OPEN) with both queue bounds given (RFC 4987 §2). */
    public Listener listen(final int port, final int synBacklog, final int acceptBacklog,
        final Supplier<TcpHandler> handlers) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + ": out of range (1..65535)");
        }
        if (synBacklog < 1 || synBacklog > 1_000_000) {
            throw new IllegalArgumentException("SYN backlog " + synBacklog + ": out of range (1..1000000)");
        }
        if (acceptBacklog < 1 || acceptBacklog > 1_000_000) {
            throw new IllegalArgumentException("accept backlog " + acceptBacklog + ": out of range (1..1000000)");
        }
        if (listeners.containsKey(port)) {
            throw new IllegalStateException("port " + port + " already has a listener");
        }
        final Listener listener = new Listener(port, synBacklog, acceptBacklog, synAckRetries,
            java.util.Objects.requireNonNull(handlers, "handlers"));
        listeners.put(port, listener);
        listenerList = java.util.Arrays.copyOf(listenerList, listenerList.length + 1);
        listenerList[listenerList.length - 1] = listener;
        return listener;
    }

    /**
     * Closes a listener (RFC 9293 §3.10.4 CLOSE in LISTEN): new SYNs to its port are refused
     * with RST from now on, its half-open connections are forgotten (their ACKs will be
     * answered with RST, as Linux does); established connections are not affected.
     */
    public void closeListener(final Listener listener) {
        if (!listener.open || listeners.get(listener.port()) != listener) {
            return;
        }
        listener.open = false;
        listeners.remove(listener.port());
        final Listener[] rest = new Listener[listenerList.length - 1];
        int n = 0;
        for (final Listener l : listenerList) {
            if (l != listener) {
                rest[n++] = l;
            }
        }
        listenerList = rest;
        listener.halfOpen.clear();
        updateHalfOpenGauge();
    }

    /** The open listeners (a copy). */
    public Listener[] listeners() {
        return listenerList.clone();
    }

    /**
     * Active open (RFC 9293 §3.10.1): picks an ephemeral port (RFC 6056) and sends SYN.
     *
     * @return the connection, or null if no ephemeral port is free (counted)
     */
    public Connection connect(final int remoteAddress, final int remotePort, final TcpHandler handler) {
        pendingRemoteAddress = remoteAddress;
        pendingRemotePort = remotePort;
        final int port = ephemeralPorts.next(localAddress, remoteAddress, remotePort, portInUse);
        if (port < 0) {
            noEphemeralPort.incrementRelease();
            return null;
        }
        final long key = tupleKey(remoteAddress, remotePort, port);
        final TcpConnection c = new TcpConnection(this, key, remoteAddress, remotePort, port, null, handler,
            takeSendBuffer(), takeReceiveBuffer());
        connections.put(key, c);
        activeOpens.incrementRelease();
        c.open(nowNs);
        rearm(c);
        return c;
    }

    private boolean portInUse(final int port) {
        final long key = tupleKey(pendingRemoteAddress, pendingRemotePort, port);
        return connections.containsKey(key) || timeWaits.find(key) >= 0 || listeners.containsKey(port);
    }

    // ------------------------------------------------------------------ segment arrives

    /**
     * A TCP segment arrived in a validated datagram.
     *
     * @param at     where the TCP header starts in {@code buffer}
     * @param length TCP header plus data, from the IP total length
     * @param checksumTrusted the link vouches for the checksum (an offloading TUN, whose
     *                        kernel may have left only a partial sum in the field): not verified,
     *                        counted as {@code tcp.rx.checksum_trusted}
     */
    public void onSegment(final Ipv4Header ip, final MutableDirectBuffer buffer, final int at, final int length,
        final boolean checksumTrusted, final long nowNs) {
        this.nowNs = nowNs;
        // RFC 9293 §3.1: shorter than the fixed header, or a data offset outside [20, length].
        if (length < TcpHeader.MIN_LENGTH) {
            badHeaderLength.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        in.wrap(buffer, at);
        final int headerLength = in.headerLength();
        if (headerLength < TcpHeader.MIN_LENGTH || headerLength > length) {
            badHeaderLength.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        if (checksumTrusted) {
            checksumTrustedCount.incrementRelease();
        } else if (!in.checksumValid(ip.pseudoHeaderSum(length), length)) {
            badChecksum.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        if (!options.parse(buffer, at + TcpHeader.MIN_LENGTH, headerLength - TcpHeader.MIN_LENGTH)) {
            badOptions.incrementRelease();
            inErrs.incrementRelease();
            return;
        }
        inSegs.incrementPlain();
        final Segment seg = segment;
        seg.remoteAddress = ip.source();
        seg.remotePort = in.sourcePort();
        seg.localPort = in.destinationPort();
        seg.seq = in.seq();
        seg.ack = in.ack();
        seg.flags = in.flags();
        seg.window = in.window();
        seg.mss = options.mss();
        seg.windowScale = options.windowScale();
        seg.sackPermitted = options.sackPermitted();
        seg.options = options;
        seg.data = buffer;
        seg.dataOffset = at + headerLength;
        seg.dataLength = length - headerLength;

        final long key = tupleKey(seg.remoteAddress, seg.remotePort, seg.localPort);
        // A one-entry cache in front of the table (BSD's tcp_last_inpcb): a bulk flow's
        // segments come in runs for the same connection.
        TcpConnection connection = lastConnection;
        if (connection == null || lastKey != key) {
            connection = connections.get(key);
            if (connection != null) {
                lastKey = key;
                lastConnection = connection;
            }
        }
        if (connection != null) {
            connection.onSegment(seg, nowNs);
            return;
        }
        final int timeWait = timeWaits.find(key);
        if (timeWait >= 0 && onSegmentInTimeWait(timeWait, key, seg, nowNs)) {
            return;
        }
        final Listener listener = listeners.get(seg.localPort);
        if (listener != null) {
            onSegmentInListen(listener, key, seg, nowNs);
            return;
        }
        closedPort.incrementRelease();
        replyInClosed(seg, nowNs);
    }

    /**
     * RFC 9293 §3.10.7.4, TIME-WAIT, on a small record: RST ignored (RFC 1337); a
     * retransmitted FIN re-ACKed and the 2×MSL wait restarted; a SYN may reopen the tuple
     * (RFC 9293 §3.10.7.4 note, as Linux): by timestamps when both incarnations have them
     * (RFC 6191 §2: TSval above TS.Recent), else by a sequence number above RCV.NXT. With
     * timestamps, PAWS (RFC 7323 §5.3 R1): an older TSval is an old duplicate, ACKed and
     * dropped, and an old FIN does not restart the wait.
     *
     * @return true if the segment was consumed here
     */
    private boolean onSegmentInTimeWait(final int slot, final long key, final Segment seg, final long nowNs) {
        final int rcvNxt = timeWaits.rcvNxt(slot);
        if (seg.has(TcpHeader.RST)) {
            timeWaitRstIgnored.incrementRelease();
            return true;
        }
        final boolean bothTimestamps = timeWaits.timestamps(slot) && seg.options.hasTimestamps();
        if (seg.has(TcpHeader.SYN) && !seg.has(TcpHeader.ACK) && listeners.containsKey(seg.localPort)
            && (bothTimestamps ? seg.options.tsVal() - timeWaits.tsRecent(slot) > 0 : Seq.gt(seg.seq, rcvNxt))) {
            timeWaits.remove(slot);
            timeWaitCurrent.setRelease(timeWaits.size());
            return false; // handled as a new connection by the listener
        }
        if (bothTimestamps && !seg.has(TcpHeader.SYN) && seg.options.tsVal() - timeWaits.tsRecent(slot) < 0) {
            pawsRejected.incrementRelease();
            timeWaitTimestamps(slot, seg, nowNs);
            emit(seg.remoteAddress, seg.localPort, seg.remotePort, timeWaits.sndNxt(slot), rcvNxt, TcpHeader.ACK,
                0, NO_SYN_OPTIONS, null, null, 0, 0, 0, nowNs);
            return true;
        }
        if (seg.has(TcpHeader.FIN)) {
            timeWaitReacks.incrementRelease();
            timeWaits.restart(slot, nowNs + timeWaitNs);
            timeWaitTimestamps(slot, seg, nowNs);
            emit(seg.remoteAddress, seg.localPort, seg.remotePort, timeWaits.sndNxt(slot), rcvNxt, TcpHeader.ACK,
                0, NO_SYN_OPTIONS, null, null, 0, 0, 0, nowNs);
            return true;
        }
        if (seg.len() > 0) {
            timeWaitTimestamps(slot, seg, nowNs);
            emit(seg.remoteAddress, seg.localPort, seg.remotePort, timeWaits.sndNxt(slot), rcvNxt, TcpHeader.ACK,
                0, NO_SYN_OPTIONS, null, null, 0, 0, 0, nowNs);
        }
        return true;
    }

    /**
     * RFC 7323 §3.2: a connection that agreed timestamps sends them on every segment but a
     * RST, its TIME-WAIT ACKs too (TSecr = TS.Recent, brought forward by the segment's TSval
     * when newer, §4.3). Sets them for the next {@link #emit}.
     */
    private void timeWaitTimestamps(final int slot, final Segment seg, final long nowNs) {
        if (!timeWaits.timestamps(slot)) {
            return;
        }
        // §4.3: only from a segment that starts at or below what we last acknowledged (RCV.NXT).
        if (seg.options.hasTimestamps() && seg.options.tsVal() - timeWaits.tsRecent(slot) >= 0
            && Seq.le(seg.seq, timeWaits.rcvNxt(slot))) {
            timeWaits.tsRecent(slot, seg.options.tsVal());
        }
        setTimestamps(TcpConnection.tsClock(nowNs, timeWaits.tsIss(slot)), timeWaits.tsRecent(slot));
    }

    /**
     * RFC 9293 §3.10.7.2, LISTEN, with the SYN backlog of half-open records and SYN cookies
     * (RFC 4987 §3.2, §3.6); an ACK for a half-open record is §3.10.7.4 in SYN-RECEIVED.
     */
    private void onSegmentInListen(final Listener listener, final long key, final Segment seg, final long nowNs) {
        final HalfOpenTable table = listener.halfOpen;
        final int slot = table.find(key);
        if (slot != HalfOpenTable.NONE) {
            onSegmentInSynReceived(listener, slot, key, seg, nowNs);
            return;
        }
        // §3.10.7.2 first: an incoming RST is ignored.
        if (seg.has(TcpHeader.RST)) {
            rstToClosed.incrementRelease();
            return;
        }
        // Second: an ACK in LISTEN is bad: <SEQ=SEG.ACK><CTL=RST>; unless it carries a cookie.
        if (seg.has(TcpHeader.ACK)) {
            if (!seg.has(TcpHeader.SYN) && listener.cookiesRecentlySent(nowNs)) {
                onCookieAck(listener, key, seg, nowNs);
                return;
            }
            sendReset(seg.remoteAddress, seg.localPort, seg.remotePort, seg.ack, 0, TcpHeader.RST, nowNs);
            drops[DROP_UNACCEPTABLE].incrementRelease();
            return;
        }
        // Third: SYN.
        if (!seg.has(TcpHeader.SYN)) {
            drops[DROP_UNACCEPTABLE].incrementRelease();
            return;
        }
        final int window = Math.min(bufferBytes, 0xFFFF);
        if (cookieMode == SynCookies.ALWAYS || (table.isFull() && cookieMode == SynCookies.ON)) {
            // RFC 4987 §3.6: answer with a cookie and keep nothing.
            final int cookie = cookies.make(key, seg.seq, seg.mss < 0 ? 536 : seg.mss, nowNs);
            listener.cookiesValidUntilNs = nowNs + 2 * SynCookieCodec.PERIOD_NS;
            listener.cookiesSent = true;
            cookiesSent.incrementRelease();
            // The cookie (the ISN) holds only the MSS. With timestamps, the SYN's window scale
            // and SACK-permitted ride in the low bits of our TSval and come back in the ACK's
            // TSecr (as Linux does); without, MSS only, and neither side scales.
            final boolean ts = options.hasTimestamps();
            if (ts) {
                setTimestamps(cookieTsVal(cookie, seg.windowScale, seg.sackPermitted, nowNs), options.tsVal());
            }
            emit(seg.remoteAddress, seg.localPort, seg.remotePort, cookie, seg.seq + 1, TcpHeader.SYN | TcpHeader.ACK,
                window, ts ? synAckOptions(seg.windowScale, seg.sackPermitted, true) : MSS_ONLY, null, null, 0, 0, 0,
                nowNs);
            return;
        }
        if (cookieMode == SynCookies.OFF && table.size() >= table.capacity() - table.capacity() / 4
            && !provenPeers.isProven(seg.remoteAddress, nowNs)) {
            // Without cookies, the last quarter of the backlog is for peers that completed a
            // handshake in the last 10 minutes (as Linux's tcp_conn_request): spoofed sources
            // cannot take it.
            unprovenDrops.incrementRelease();
            synBacklogDrops.incrementRelease();
            return;
        }
        if (table.isFull()) {
            // RFC 4987 §3.4 (the oldest half-open entry makes room): a peer that has not
            // answered a retransmitted SYN-ACK is most likely spoofed. Without this, a flood
            // that filled the backlog held it for the whole SYN-ACK retry time (63 s by
            // default) after the flood had ended. Entries younger than one RTO are kept, so a
            // flood cannot push out handshakes in progress faster than they complete.
            final int victim = table.mostRetransmitted();
            if (victim == HalfOpenTable.NONE) {
                synBacklogDrops.incrementRelease();
                return;
            }
            table.remove(victim);
            halfOpenPruned.incrementRelease();
        }
        // A half-open record, and the SYN-ACK (§3.10.7.2: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>).
        // Data or FIN on a SYN is not queued (§3.10.7.2 allows it); the peer resends it.
        final int iss = isn(seg.localPort, seg.remoteAddress, seg.remotePort, nowNs);
        table.add(key, seg.seq, iss, seg.mss, seg.windowScale, seg.sackPermitted,
            options.hasTimestamps() ? options.tsVal() : 0, options.hasTimestamps(), nowNs, nowNs + initialRtoNs);
        setSynAckTimestamps(options.hasTimestamps(), iss, options.tsVal(), nowNs);
        updateHalfOpenGauge();
        passiveOpens.incrementRelease();
        emit(seg.remoteAddress, seg.localPort, seg.remotePort, iss, seg.seq + 1, TcpHeader.SYN | TcpHeader.ACK,
            window, synAckOptions(seg.windowScale, seg.sackPermitted, options.hasTimestamps()), null, null, 0, 0, 0,
            nowNs);
    }

    /** RFC 9293 §3.10.7.4 in SYN-RECEIVED, for a passive open still held as a half-open record. */
    private void onSegmentInSynReceived(final Listener listener, final int slot, final long key, final Segment seg,
        final long nowNs) {
        final HalfOpenTable table = listener.halfOpen;
        final int irs = table.irs(slot);
        final int iss = table.iss(slot);
        if (seg.has(TcpHeader.SYN) && !seg.has(TcpHeader.ACK)) {
            if (seg.seq == irs) {
                // A retransmitted SYN (our SYN-ACK was lost): the same SYN-ACK again, as Linux.
                retransmittedSyns.incrementRelease();
                setSynAckTimestamps(table.peerTimestamps(slot), iss, table.tsRecent(slot), nowNs);
                emit(seg.remoteAddress, seg.localPort, seg.remotePort, iss, irs + 1, TcpHeader.SYN | TcpHeader.ACK,
                    Math.min(bufferBytes, 0xFFFF), synAckOptions(table.peerWindowScale(slot), table.peerSack(slot),
                    table.peerTimestamps(slot)), null, null, 0, 0, 0, nowNs);
            } else {
                // §3.10.7.4 fourth: a SYN in SYN-RECEIVED of a passive open returns to LISTEN.
                drops[DROP_SYN_IN_WINDOW].incrementRelease();
                table.remove(slot);
                updateHalfOpenGauge();
            }
            return;
        }
        final int rcvWnd = Math.min(bufferBytes, 0xFFFF);
        final boolean inWindow = Seq.inWindow(seg.seq, irs + 1, rcvWnd);
        if (seg.has(TcpHeader.RST)) {
            // §3.10.7.4 second, RFC 5961 §3.2: only an exact sequence number resets; back to LISTEN.
            if (seg.seq == irs + 1) {
                halfOpenReset.incrementRelease();
                table.remove(slot);
                updateHalfOpenGauge();
            } else {
                drops[DROP_OUT_OF_WINDOW].incrementRelease();
            }
            return;
        }
        if (!seg.has(TcpHeader.ACK) || seg.has(TcpHeader.SYN)) {
            drops[seg.has(TcpHeader.ACK) ? DROP_UNACCEPTABLE : DROP_NO_ACK].incrementRelease();
            return;
        }
        if (seg.ack != iss + 1) {
            // §3.10.7.4 fifth, SYN-RECEIVED: an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>.
            sendReset(seg.remoteAddress, seg.localPort, seg.remotePort, seg.ack, 0, TcpHeader.RST, nowNs);
            drops[DROP_UNACCEPTABLE].incrementRelease();
            return;
        }
        if (!inWindow) {
            drops[DROP_OUT_OF_WINDOW].incrementRelease();
            return;
        }
        if (listener.acceptQueueFull()) {
            if (!onAcceptQueueFull(seg, nowNs)) {
                return; // dropped: the SYN-ACK timer keeps the record, the client retries
            }
            table.remove(slot);
            updateHalfOpenGauge();
            return;
        }
        final int mss = table.peerMss(slot);
        final int peerWindowScale = table.peerWindowScale(slot);
        final boolean peerSack = table.peerSack(slot);
        final boolean peerTimestamps = table.peerTimestamps(slot);
        final int tsRecent = table.tsRecent(slot);
        final long rttStartNs = table.retries(slot) == 0 ? table.firstSentNs(slot) : 0; // Karn
        table.remove(slot);
        updateHalfOpenGauge();
        complete(listener, key, seg, iss, irs, mss == 0xFFFF ? -1 : mss, peerWindowScale, peerSack, peerTimestamps,
            tsRecent, rttStartNs, nowNs);
    }

    /** An ACK at a listener that recently sent cookies (RFC 4987 §3.6): a valid one creates the connection. */
    private void onCookieAck(final Listener listener, final long key, final Segment seg, final long nowNs) {
        if (seg.has(TcpHeader.RST)) {
            rstToClosed.incrementRelease();
            return;
        }
        final int mss = cookies.check(key, seg.ack - 1, seg.seq - 1, nowNs);
        if (mss == SynCookieCodec.STALE) {
            cookiesStale.incrementRelease();
            return;
        }
        if (mss == SynCookieCodec.INVALID) {
            cookiesInvalid.incrementRelease();
            return;
        }
        if (listener.acceptQueueFull()) {
            onAcceptQueueFull(seg, nowNs);
            return;
        }
        cookiesValidated.incrementRelease();
        passiveOpens.incrementRelease();
        if (options.hasTimestamps()) {
            // The SYN's options, from the TSecr echoing our cookie TSval (see onSegmentInListen).
            final int bits = options.tsEcr() & COOKIE_TS_MASK;
            final int scale = bits & 0xF;
            complete(listener, key, seg, seg.ack - 1, seg.seq - 1, mss, scale == 0xF ? -1 : scale, (bits & 0x10) != 0,
                true, options.tsVal(), 0, nowNs);
            return;
        }
        complete(listener, key, seg, seg.ack - 1, seg.seq - 1, mss, -1, false, false, 0, 0, nowNs);
    }

    /** Low TSval bits of a cookie SYN-ACK: the peer's window scale (4 bits, 15 = none), SACK-permitted. */
    static final int COOKIE_TS_MASK = 0x1F;

    /**
     * Our clock for this connection (the cookie is its ISS) with the low 5 bits replaced by the
     * SYN's window scale and SACK-permitted, and never ahead of the clock: the connection's
     * later TSvals must not go back (RFC 7323 §5.5), so 32 ms are taken off if need be.
     */
    static int cookieTsVal(final int cookie, final int peerWindowScale, final boolean peerSack, final long nowNs) {
        final int clock = TcpConnection.tsClock(nowNs, cookie);
        int ts = (clock & ~COOKIE_TS_MASK) | (peerWindowScale < 0 ? 0xF : Math.min(peerWindowScale, 14))
            | (peerSack ? 0x10 : 0);
        if (ts - clock > 0) {
            ts -= COOKIE_TS_MASK + 1;
        }
        return ts;
    }

    /**
     * A completing ACK while the accept queue is full: dropped and counted (Linux's
     * {@code ListenOverflows}), or answered with RST if so configured.
     *
     * @return true if a RST was sent (the half-open record is to go)
     */
    private boolean onAcceptQueueFull(final Segment seg, final long nowNs) {
        acceptOverflows.incrementRelease();
        if (!resetOnAcceptOverflow) {
            return false;
        }
        sendReset(seg.remoteAddress, seg.localPort, seg.remotePort, seg.ack, 0, TcpHeader.RST, nowNs);
        return true;
    }

    /**
     * The handshake completes: the connection gets its buffers and handler now, in
     * SYN-RECEIVED, and the segment that completed it is processed as §3.10.7.4 says (it
     * becomes ESTABLISHED; data or FIN on it are taken in).
     */
    private void complete(final Listener listener, final long key, final Segment seg, final int iss, final int irs,
        final int peerMss, final int peerWindowScale, final boolean peerSack, final boolean peerTimestamps,
        final int tsRecent, final long rttStartNs, final long nowNs) {
        final TcpConnection c = new TcpConnection(this, key, seg.remoteAddress, seg.remotePort, seg.localPort,
            listener, listener.newHandler(), takeSendBuffer(), takeReceiveBuffer());
        connections.put(key, c);
        provenPeers.completedHandshake(seg.remoteAddress, nowNs);
        c.passiveHandshakeDone(iss, irs, peerMss, peerWindowScale, peerSack, rttStartNs);
        if (peerTimestamps) {
            c.agreeTimestamps(tsRecent, nowNs);
        }
        c.onSegment(seg, nowNs);
    }

    private void updateHalfOpenGauge() {
        long total = 0;
        for (final Listener l : listenerList) {
            total += l.halfOpen();
        }
        halfOpenCurrent.setRelease(total);
    }

    /** RFC 9293 §3.10.7.1, CLOSED: RST discarded; otherwise answered with RST. */
    private void replyInClosed(final Segment seg, final long nowNs) {
        if (seg.has(TcpHeader.RST)) {
            rstToClosed.incrementRelease();
            return;
        }
        if (seg.has(TcpHeader.ACK)) {
            sendReset(seg.remoteAddress, seg.localPort, seg.remotePort, seg.ack, 0, TcpHeader.RST, nowNs);
        } else {
            sendReset(seg.remoteAddress, seg.localPort, seg.remotePort, 0, seg.seq + seg.len(),
                TcpHeader.RST | TcpHeader.ACK, nowNs);
        }
    }

    // ------------------------------------------------------------------ timers

    /** Runs due connection timers and expires TIME-WAIT records. */
    public int pollTimers(final long nowNs) {
        this.nowNs = nowNs;
        int work = 0;
        // The wheel advances one tick per poll: catch up to now (bounded) so that a late
        // duty cycle, or a test that jumps the clock, runs every due timer.
        for (int i = 0; i < 1 << 20 && wheel.currentTickTime() <= nowNs; i++) {
            final int fired = wheel.poll(nowNs, onTimer, MAX_TIMERS_PER_POLL);
            work += fired;
            if (fired == 0 && wheel.timerCount() == 0) {
                break;
            }
        }
        work += pollHalfOpen(nowNs);
        final int expired = timeWaits.expire(nowNs, MAX_TIMERS_PER_POLL);
        if (expired > 0) {
            timeWaitCurrent.setRelease(timeWaits.size());
        }
        return work + expired;
    }

    /**
     * SYN-ACK retransmission for half-open records (RFC 6298 §5 backoff from the initial RTO,
     * as a SYN-RECEIVED connection would); a record expires after its last retransmission
     * has had its time (RFC 4987 §3.2).
     */
    private int pollHalfOpen(final long nowNs) {
        int work = 0;
        for (final Listener listener : listenerList) {
            final HalfOpenTable table = listener.halfOpen;
            if (table.size() == 0) {
                continue;
            }
            for (int r = table.lists() - 1; r >= 0; r--) {
                for (int slot = table.head(r); slot != HalfOpenTable.NONE && work < MAX_SYN_ACK_TIMERS_PER_POLL
                    && nowNs - table.deadlineNs(slot) >= 0; slot = table.head(r)) {
                    work++;
                    if (r == synAckRetries) {
                        halfOpenExpired.incrementRelease();
                        table.remove(slot);
                        continue;
                    }
                    final long key = table.key(slot);
                    final int remoteAddress = (int) (key >>> 32);
                    final int remotePort = (int) ((key >>> 16) & 0xFFFF);
                    synAckRetransmits.incrementRelease();
                    retransSegs.incrementRelease();
                    setSynAckTimestamps(table.peerTimestamps(slot), table.iss(slot), table.tsRecent(slot), nowNs);
                    emit(remoteAddress, listener.port(), remotePort, table.iss(slot), table.irs(slot) + 1,
                        TcpHeader.SYN | TcpHeader.ACK, Math.min(bufferBytes, 0xFFFF),
                        synAckOptions(table.peerWindowScale(slot), table.peerSack(slot), table.peerTimestamps(slot)),
                        null, null, 0, 0, 0, nowNs);
                    table.retransmitted(slot, nowNs + Math.min(initialRtoNs << (r + 1), maxRtoNs));
                }
            }
        }
        if (work > 0) {
            updateHalfOpenGauge();
        }
        return work;
    }

    private boolean onTimerExpiry(final TimeUnit unit, final long now, final long timerId) {
        final TcpConnection c = timers.remove(timerId);
        if (c != null && c.timerId == timerId) {
            c.timerId = -1;
            c.timerDeadlineNs = Long.MAX_VALUE;
            c.onTimer(now);
        }
        return true;
    }

    /** Earliest deadline among connections and TIME-WAIT records. */
    public long nextDeadlineNs() {
        final long wheelDeadline = wheel.timerCount() == 0 ? Long.MAX_VALUE : wheel.currentTickTime();
        long deadline = Math.min(wheelDeadline, timeWaits.nextDeadlineNs());
        for (final Listener l : listenerList) {
            deadline = Math.min(deadline, l.halfOpen.nextDeadlineNs());
        }
        return deadline;
    }

    /** (Re)schedules the connection's one wheel timer at its earliest deadline. */
    void rearm(final TcpConnection c) {
        final long deadline = c.nextDeadlineNs();
        if (deadline == c.timerDeadlineNs) {
            return;
        }
        if (c.timerId != -1) {
            wheel.cancelTimer(c.timerId);
            timers.remove(c.timerId);
            c.timerId = -1;
        }
        c.timerDeadlineNs = deadline;
        if (deadline != Long.MAX_VALUE) {
            c.timerId = wheel.scheduleTimer(deadline);
            timers.put(c.timerId, c);
        }
    }

    // ------------------------------------------------------------------ connection life cycle

    /**
     * Buffers come from a pool: allocating (and zeroing) 2 × 256 KiB of direct memory per
     * connection, and leaving it to the GC to free, capped the connection rate at a few
     * hundred per second (direct-memory reservation ends in System.gc()).
     */
    private SendBuffer takeSendBuffer() {
        final SendBuffer b = freeSendBuffers.pollFirst();
        if (b != null) {
            return b;
        }
        buffersCreated++;
        return new SendBuffer(bufferBytes);
    }

    private ReceiveBuffer takeReceiveBuffer() {
        final ReceiveBuffer b = freeReceiveBuffers.pollFirst();
        if (b != null) {
            return b;
        }
        buffersCreated++;
        return new ReceiveBuffer(bufferBytes, MAX_OUT_OF_ORDER_RANGES);
    }

    private void releaseBuffers(final TcpConnection c) {
        releaseSendBuffer(c);
        releaseReceiveBuffer(c);
    }

    private void releaseSendBuffer(final TcpConnection c) {
        if (c.sendBuffer != null) {
            c.sendBuffer.clear();
            if (freeSendBuffers.size() < MAX_POOLED_BUFFERS) {
                freeSendBuffers.addFirst(c.sendBuffer);
            }
            c.sendBuffer = null;
        }
    }

    void releaseReceiveBuffer(final TcpConnection c) {
        if (c.receiveBuffer != null) {
            c.receiveBuffer.clear();
            if (freeReceiveBuffers.size() < MAX_POOLED_BUFFERS) {
                freeReceiveBuffers.addFirst(c.receiveBuffer);
            }
            c.receiveBuffer = null;
        }
    }

    /** Send and receive buffers ever allocated: with no connection left, all of them are back in the pool (up to its cap). */
    int buffersCreated() {
        return buffersCreated;
    }

    /** Buffers waiting in the pool (for tests and leak checks). */
    public int pooledBuffers() {
        return freeSendBuffers.size() + freeReceiveBuffers.size();
    }

    void remove(final TcpConnection c) {
        connections.remove(c.key);
        if (lastConnection == c) {
            lastConnection = null;
        }
        if (c.draining) {
            // Closed normally with bytes the application has not taken yet: they stay
            // until it does (TcpConnection.deliver gives the buffer back then).
            releaseSendBuffer(c);
        } else {
            releaseBuffers(c);
        }
        if (c.timerId != -1) {
            wheel.cancelTimer(c.timerId);
            timers.remove(c.timerId);
            c.timerId = -1;
        }
        c.timerDeadlineNs = Long.MAX_VALUE;
    }

    void enterTimeWait(final TcpConnection c, final long nowNs) {
        timeWaitEntered.incrementRelease();
        final long before = timeWaits.recycled();
        timeWaits.add(c.key, c.sndNxt, c.rcvNxt, nowNs + timeWaitNs, c.tsOk, c.tsRecent, c.iss);
        if (timeWaits.recycled() != before) {
            timeWaitRecycled.incrementRelease();
        }
        timeWaitCurrent.setRelease(timeWaits.size());
        c.setState(TcpState.TIME_WAIT);
        c.draining = c.receiveBuffer.readable() > 0;
        remove(c);
        if (!c.draining) {
            c.notifyClosed(CloseReason.NORMAL);
        }
    }

    void gaugeEstablished(final int delta) {
        currEstab.getAndAddRelease(delta);
    }

    /** Closes every connection normally (FIN after queued data); for tools and tests. */
    public void closeAllGracefully() {
        final TcpConnection[] all = connections.values().toArray(new TcpConnection[0]);
        for (final TcpConnection c : all) {
            c.close();
        }
    }

    /** Aborts every connection (the stack is stopping). */
    public void closeAll() {
        final TcpConnection[] all = connections.values().toArray(new TcpConnection[0]);
        for (final TcpConnection c : all) {
            c.abortWithReset(CloseReason.STACK_CLOSED, nowNs);
        }
    }

    // ------------------------------------------------------------------ output

    int isn(final int localPort, final int remoteAddress, final int remotePort, final long nowNs) {
        return isnSource.isn(localAddress, localPort, remoteAddress, remotePort, nowNs);
    }

    /** Tests only: replaces the RFC 6528 generator (to start just below 2^32, or to replay a run). */
    void isnSource(final IsnSource source) {
        this.isnSource = source;
    }

    /** The configured congestion control for a connection that starts with this SMSS. */
    CongestionControl newCongestionControl(final int smss) {
        return congestionControl == StackConfig.CongestionControlKind.CUBIC ? new Cubic(smss) : new NewReno(smss);
    }

    /** RFC 9293 §3.7.1 / RFC 6691: the peer's MSS (536 if it sent none), capped by our MTU. */
    int effectiveMss(final int peerMss) {
        return Math.max(1, Math.min(peerMss < 0 ? 536 : peerMss, ourMss));
    }

    long nowNs() {
        return nowNs;
    }

    /**
     * A segment without data for a connection.
     *
     * @param synOptions for a SYN: {@link #MSS_ONLY} or the window scale shift to offer; else
     *                   {@link #NO_SYN_OPTIONS}
     */
    void sendControl(final TcpConnection c, final int seq, final int ack, final int flags, final int synOptions,
        final long nowNs) {
        final int field = windowField(c, flags);
        if ((flags & TcpHeader.ACK) != 0) {
            c.ackSent(ack);
        }
        if (c.tsOk || (synOptions & SYN_OPT_TIMESTAMPS) != 0 && synOptions != NO_SYN_OPTIONS) {
            setTimestamps(c.tsValue(nowNs), c.tsRecent);
        }
        emit(c.remoteAddress, c.localPort, c.remotePort, seq, ack, flags, field, synOptions, c.sackOk ? c : null,
            null, 0, 0, 0, nowNs);
    }

    void sendData(final TcpConnection c, final int seq, final int flags, final int bufferOffset, final int length,
        final long nowNs) {
        final int field = windowField(c, flags);
        c.ackSent(c.rcvNxt);
        c.dataSent(length);
        if (c.tsOk) {
            setTimestamps(c.tsValue(nowNs), c.tsRecent);
        }
        // The caller sized the data with segmentMss(): room for the SACK blocks is left.
        final int mss = c.segmentMss();
        emit(c.remoteAddress, c.localPort, c.remotePort, seq, c.rcvNxt, flags, field, NO_SYN_OPTIONS,
            c.sackOk ? c : null, c.sendBuffer, bufferOffset, length, length > mss ? mss : 0, nowNs);
    }

    /**
     * The most data one segment of {@code c} may carry: its MSS, or with a link that
     * segments (TSO) as many whole MSS as fit in what the link takes, leaving room for the
     * largest TCP header.
     */
    int maxSegmentData(final int sendMss) {
        final int max = output.maxSegmentedPayload() - TcpHeader.MAX_LENGTH;
        return max < 2 * sendMss ? sendMss : max - max % sendMss;
    }

    void sendReset(final int remoteAddress, final int localPort, final int remotePort, final int seq, final int ack,
        final int flags, final long nowNs) {
        outRsts.incrementRelease();
        emit(remoteAddress, localPort, remotePort, seq, ack, flags, 0, NO_SYN_OPTIONS, null, null, 0, 0, 0, nowNs);
    }

    /** Our SYN's options (active open): MSS, window scale, SACK-permitted, timestamps. */
    int ourSynOptions() {
        return SYN_OPT_WINDOW_SCALE | ourWindowScale | SYN_OPT_SACK_PERMITTED | SYN_OPT_TIMESTAMPS;
    }

    /** The timestamps option goes on the next segment emitted (RFC 7323 §3.2). */
    private void setTimestamps(final int tsVal, final int tsEcr) {
        tsPending = true;
        tsPendingVal = tsVal;
        tsPendingEcr = tsEcr;
    }

    /** A SYN-ACK echoes the SYN's TSval (RFC 7323 §3.2), from the clock the connection will use. */
    private void setSynAckTimestamps(final boolean peerTimestamps, final int iss, final int peerTsVal,
        final long nowNs) {
        if (peerTimestamps) {
            setTimestamps(TcpConnection.tsClock(nowNs, iss), peerTsVal);
        }
    }

    /** The SYN-ACK's options: window scale and SACK-permitted only if the SYN offered them (RFC 7323 §2.2, RFC 2018 §2). */
    private int synAckOptions(final int peerWindowScale, final boolean peerSack, final boolean peerTimestamps) {
        return (peerWindowScale >= 0 ? SYN_OPT_WINDOW_SCALE | ourWindowScale : 0)
            | (peerSack ? SYN_OPT_SACK_PERMITTED : 0) | (peerTimestamps ? SYN_OPT_TIMESTAMPS : 0);
    }

    /**
     * The window field for a segment of {@code c}: RCV.WND shifted right by our scale, except
     * on a SYN, whose window is never scaled (RFC 7323 §2.2). Records what the peer will
     * read, in bytes, as the last advertised window.
     */
    private static int windowField(final TcpConnection c, final int flags) {
        final int window = c.windowToAdvertise();
        if ((flags & TcpHeader.SYN) != 0) {
            final int field = Math.min(window, 0xFFFF);
            c.lastAdvertisedWindow = field; // RCV.NXT is not known yet on our SYN: no edge to keep
            return field;
        }
        final int field = window >>> c.rcvWindowScale;
        c.windowAdvertised(field << c.rcvWindowScale);
        return field;
    }

    /** RFC 5961 §3.2/§4.2/§5.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, rate-limited (§7). */
    void challengeAck(final TcpConnection c, final long nowNs) {
        if (!challengeAcks.tryAcquire(nowNs)) {
            challengeAcksLimited.incrementRelease();
            return;
        }
        challengeAcksSent.incrementRelease();
        c.sendAck(nowNs);
    }

    private void emit(final int remoteAddress, final int localPort, final int remotePort, final int seq, final int ack,
        final int flags, final int window, final int synOptions, final TcpConnection sackFrom, final SendBuffer data,
        final int dataOffset, final int dataLength, final int gsoSize, final long nowNs) {
        final MutableDirectBuffer o = output.buffer();
        final int at = Ipv4Output.PAYLOAD_OFFSET;
        int p = at + TcpHeader.MIN_LENGTH;
        if (synOptions != NO_SYN_OPTIONS) {
            o.putByte(p, (byte) TcpOptions.KIND_MSS);
            o.putByte(p + 1, (byte) TcpOptions.MSS_LENGTH);
            o.putShort(p + 2, (short) ourMss, java.nio.ByteOrder.BIG_ENDIAN);
            p += 4;
            if ((synOptions & SYN_OPT_WINDOW_SCALE) != 0) {
                // NOP, window scale (RFC 7323 §2.2): four bytes, keeping the header 32-bit aligned.
                o.putByte(p, (byte) TcpOptions.KIND_NOP);
                o.putByte(p + 1, (byte) TcpOptions.KIND_WINDOW_SCALE);
                o.putByte(p + 2, (byte) TcpOptions.WINDOW_SCALE_LENGTH);
                o.putByte(p + 3, (byte) (synOptions & 0xF));
                p += 4;
            }
            if ((synOptions & SYN_OPT_TIMESTAMPS) != 0 && tsPending) {
                p += putTimestamps(o, p);
            }
            if ((synOptions & SYN_OPT_SACK_PERMITTED) != 0) {
                o.putByte(p, (byte) TcpOptions.KIND_NOP);   // RFC 2018 §2, padded to four bytes
                o.putByte(p + 1, (byte) TcpOptions.KIND_NOP);
                o.putByte(p + 2, (byte) TcpOptions.KIND_SACK_PERMITTED);
                o.putByte(p + 3, (byte) 2);
                p += 4;
            }
        } else {
            final boolean withTimestamps = tsPending;
            if (withTimestamps) {
                p += putTimestamps(o, p);
            }
            if (sackFrom != null && sackFrom.receiveBuffer != null
                && (sackFrom.receiveBuffer.hasOutOfOrder() || sackFrom.dsackPending)) {
                p += writeSackBlocks(o, p, sackFrom, maxSackBlocks(sackFrom));
            }
        }
        tsPending = false;
        final int headerLength = p - at;
        final long fixedHeaderSum = out.writeFixed(localPort, remotePort, seq, ack, headerLength, flags, window);
        if (dataLength > 0) {
            data.copyOut(dataOffset, o, at + headerLength, dataLength);
        }
        final int segmentLength = headerLength + dataLength;
        final long pseudo = Ipv4Header.pseudoHeaderSum(localAddress, remoteAddress, Ipv4Header.PROTO_TCP, segmentLength);
        if (gsoSize > 0 || linkFinishesChecksums) {
            // TSO, or checksum offload: the link (the kernel) finishes the checksum of each
            // segment from the pseudo-header sum, folded and not complemented (Linux's
            // CHECKSUM_PARTIAL). The pcap then holds the partial sum, as tcpdump on a host
            // with checksum offload shows.
            out.checksum(~Checksum.finish(pseudo) & 0xFFFF);
            if (output.sendSegmented(remoteAddress, segmentLength, headerLength, gsoSize, nowNs)) {
                outSegs.incrementPlain();
            }
            return;
        }
        out.fillChecksum(pseudo, segmentLength, fixedHeaderSum);
        if (output.send(Ipv4Header.PROTO_TCP, remoteAddress, segmentLength, nowNs)) {
            outSegs.incrementPlain();
        }
    }

    /**
     * Bytes of the SACK option the next segment of {@code c} carries (RFC 2018 §3: NOP, NOP,
     * kind, length, 8 per block; at most 3 blocks beside timestamps, 4 without): 0 unless
     * SACK was agreed and out-of-order data is held.
     */
    static int sackOptionLength(final TcpConnection c) {
        if (!c.sackOk || c.receiveBuffer == null || !(c.receiveBuffer.hasOutOfOrder() || c.dsackPending)) {
            return 0;
        }
        return 4 + 8 * Math.min(c.receiveBuffer.outOfOrderRangeCount() + (c.dsackPending ? 1 : 0), maxSackBlocks(c));
    }

    /**
     * RFC 2018 §3: the blocks that fit in the 40 bytes of options: 4, or 3 beside the
     * timestamps option (RFC 7323 §3.2: on every segment once agreed). One rule for both
     * {@link #sackOptionLength}, which sizes the data, and {@link #emit}, which writes them.
     */
    private static int maxSackBlocks(final TcpConnection c) {
        return c.tsOk ? 3 : TcpOptions.MAX_SACK_BLOCKS;
    }

    /**
     * RFC 2018 §3-4: up to four SACK blocks for the out-of-order data held, the block with the
     * most recently received segment first, the others after it in sequence order. On every
     * segment while out-of-order data is held, data segments too: their data was shortened
     * to leave the room ({@link TcpConnection#segmentMss()}). A pending D-SACK (RFC 2883 §4)
     * goes first, once, and the out-of-order blocks after it.
     *
     * @return bytes written (NOP, NOP, kind, length, 8 per block)
     */
    private static int writeSackBlocks(final MutableDirectBuffer o, final int p, final TcpConnection c,
        final int maxBlocks) {
        final ReceiveBuffer rb = c.receiveBuffer;
        final int ranges = rb.outOfOrderRangeCount();
        final int dsack = c.dsackPending ? 1 : 0;
        final int n = Math.min(ranges + dsack, maxBlocks);
        int first = 0;
        final int latest = c.lastOutOfOrderSeq - c.rcvNxt;
        for (int i = 0; i < ranges; i++) {
            if (latest >= rb.outOfOrderRangeStart(i) && latest < rb.outOfOrderRangeEnd(i)) {
                first = i;
                break;
            }
        }
        o.putInt(p, TcpOptions.KIND_NOP << 24 | TcpOptions.KIND_NOP << 16 | TcpOptions.KIND_SACK << 8 | (2 + 8 * n),
            java.nio.ByteOrder.BIG_ENDIAN);
        if (dsack == 1) {
            o.putInt(p + 4, c.dsackStart, java.nio.ByteOrder.BIG_ENDIAN);
            o.putInt(p + 8, c.dsackEnd, java.nio.ByteOrder.BIG_ENDIAN);
            c.dsackPending = false;
        }
        if (ranges > 0 && n > dsack) {
            putSackBlock(o, p + 4 + 8 * dsack, c, first);
        }
        for (int i = 0, k = 1 + dsack; i < ranges && k < n; i++) {
            if (i != first) {
                putSackBlock(o, p + 4 + 8 * k, c, i);
                k++;
            }
        }
        return 4 + 8 * n;
    }

    /** NOP, NOP, timestamps (RFC 7323 §3.2, Appendix A layout): 12 bytes. */
    private int putTimestamps(final MutableDirectBuffer o, final int p) {
        // One word for NOP, NOP, kind, length: the checksum reads the options back in words.
        o.putInt(p, TcpOptions.KIND_NOP << 24 | TcpOptions.KIND_NOP << 16 | TcpOptions.KIND_TIMESTAMPS << 8
            | TcpOptions.TIMESTAMPS_LENGTH, java.nio.ByteOrder.BIG_ENDIAN);
        o.putInt(p + 4, tsPendingVal, java.nio.ByteOrder.BIG_ENDIAN);
        o.putInt(p + 8, tsPendingEcr, java.nio.ByteOrder.BIG_ENDIAN);
        return TIMESTAMPS_SPACE;
    }

    private static void putSackBlock(final MutableDirectBuffer o, final int at, final TcpConnection c, final int i) {
        o.putInt(at, c.rcvNxt + c.receiveBuffer.outOfOrderRangeStart(i), java.nio.ByteOrder.BIG_ENDIAN);
        o.putInt(at + 4, c.rcvNxt + c.receiveBuffer.outOfOrderRangeEnd(i), java.nio.ByteOrder.BIG_ENDIAN);
    }

    // ------------------------------------------------------------------ counting

    void countDrop(final int reason) {
        drops[reason].incrementRelease();
    }

    void countAttemptFail() {
        attemptFails.incrementRelease();
    }

    void countEstabReset() {
        estabResets.incrementRelease();
    }

    void countRetransmit() {
        retransSegs.incrementRelease();
    }

    void countRetransmittedSyn() {
        retransmittedSyns.incrementRelease();
    }

    void countDuplicateData() {
        duplicateData.incrementRelease();
    }

    /** A segment taken by header prediction (Linux's TCPHPHits); per packet, so a plain store. */
    void countHeaderPredicted() {
        headerPredicted.incrementPlain();
    }

    void countOutOfOrder() {
        outOfOrder.incrementRelease();
    }

    void countTimeout() {
        timeouts.incrementRelease();
    }

    void countKeepAliveProbe() {
        keepAliveProbesSent.incrementRelease();
    }

    void countKeepAliveTimeout() {
        keepAliveTimeouts.incrementRelease();
    }

    void countPawsRejected() {
        pawsRejected.incrementRelease();
    }

    void countSackRetransmit() {
        sackRetransmits.incrementRelease();
    }

    void countFastRetransmit() {
        fastRetransmits.incrementRelease();
    }

    void countLossProbe() {
        lossProbes.incrementRelease();
    }

    /** A loss found by RACK's reordering timer (RFC 8985 §6.3). */
    void countRackLoss() {
        rackLosses.incrementRelease();
    }

    /** A loss probe in SACK recovery (StackConfig#recoveryProbe). */
    void countRecoveryProbe() {
        recoveryProbes.incrementRelease();
    }

    void countLostRetransmit() {
        lostRetransmits.incrementRelease();
    }

    void countRtoExpired() {
        rtoExpired.incrementRelease();
    }

    void countDuplicateAck() {
        duplicateAcks.incrementRelease();
    }

    void countWindowProbe() {
        windowProbes.incrementRelease();
    }

    // ------------------------------------------------------------------ introspection

    /** Connections held (not counting TIME-WAIT records). */
    public int connectionCount() {
        return connections.size();
    }

    /** TIME-WAIT records held. */
    public int timeWaitCount() {
        return timeWaits.size();
    }

    /** Timers scheduled on the wheel. */
    public long timerCount() {
        return wheel.timerCount();
    }

    /** The demultiplexing key: the local address is always the stack's own. */
    static long tupleKey(final int remoteAddress, final int remotePort, final int localPort) {
        return ((long) remoteAddress << 32) | ((remotePort & 0xFFFFL) << 16) | (localPort & 0xFFFFL);
    }

    // ------------------------------------------------------------------ visitors (tcpstack ss)

    /**
     * Visits every connection held, with its {@link #tupleKey} (TIME-WAIT records are
     * {@link #forEachTimeWait}'s). Allocates nothing (Agrona's {@code forEachLong} walks the
     * map's arrays). Stack thread; the visitor must not open, close or abort connections.
     */
    public void forEachConnection(final org.agrona.collections.LongObjConsumer<TcpConnection> visitor) {
        connections.forEachLong(visitor);
    }

    /** Visits every TIME-WAIT record, oldest first. Allocates nothing. Stack thread. */
    public void forEachTimeWait(final TimeWaitVisitor visitor) {
        timeWaits.forEach(visitor);
    }

    /** Visits the open listeners without copying them (as {@link #listeners()} does). Stack thread. */
    public void forEachListener(final java.util.function.Consumer<Listener> visitor) {
        for (final Listener l : listenerList) {
            visitor.accept(l);
        }
    }

    /** One TIME-WAIT record: its {@link #tupleKey} and when its 2×MSL wait ends (stack clock, ns). */
    @FunctionalInterface
    public interface TimeWaitVisitor {
        void onTimeWait(long key, long expiresNs);
    }
}
