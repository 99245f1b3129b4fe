package io.tcpstack.tcp;

import org.agrona.DirectBuffer;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;
import io.tcpstack.wire.TcpHeader;

/**
 * The transmission control block of one connection and its state machine (RFC 9293 §3.3.1
 * field names, §3.10 event processing). It does no I/O and reads no clock: segments and
 * the time arrive from {@link TcpLayer}, which also builds and sends what this asks for.
 * Stack thread only.
 */
public final class TcpConnection implements Connection {
    private static final int NO_SAMPLE = 0;
    /** RFC 8985 §7.2 WCDelAckT: the longest a peer may hold back an ACK. */
    private static final long WORST_CASE_DELAYED_ACK_NS = 200_000_000L;
    /** The shortest probe timeout, as Linux's tcp_schedule_loss_probe. */
    private static final long MIN_PTO_NS = 10_000_000L;

    final TcpLayer layer;
    final long key;
    final int remoteAddress;
    final int remotePort;
    final int localPort;
    final Listener listener;   // non-null for a passive open until established
    TcpHandler handler;
    TcpState state = TcpState.CLOSED;

    // RFC 9293 §3.3.1 send sequence variables
    int iss;
    int sndUna;
    int sndNxt;
    int sndWnd;
    int sndWl1;
    int sndWl2;
    int maxSndWnd;
    /**
     * The highest SND.NXT so far (BSD's snd_max): a retransmission timeout rewinds SND.NXT
     * to SND.UNA; data below this was sent before, so it is not timed (Karn).
     */
    int sndMax;
    // receive sequence variables (RCV.WND is derived from the receive buffer)
    int irs;
    int rcvNxt;
    int lastAdvertisedWindow;
    /** RCV.NXT + the window last advertised: the right edge the peer knows (valid once set). */
    private int rcvAdvertisedEdge;
    private boolean rcvEdgeAdvertised;

    int sendMss;
    /** RFC 7323 §2: the shift applied to the peer's windows, and to ours (0 when not agreed). */
    int sndWindowScale;
    int rcvWindowScale;
    /** RFC 7323 §5.5: how long TS.Recent stays valid without being updated: 24 days. */
    static final long PAWS_IDLE_LIMIT_NS = java.util.concurrent.TimeUnit.DAYS.toNanos(24);
    /** We offered window scaling and SACK in our SYN (active open). */
    private boolean offeredWindowScale;
    /**
     * RFC 7323 §3-5: timestamps agreed; TS.Recent (the peer's TSval to echo) and Last.ACK.sent
     * (the ACK field we sent last), for its update rule.
     */
    boolean tsOk;
    int tsRecent;
    /** When TS.Recent was last set (RFC 7323 §5.5: after 24 days of idle it is no longer valid). */
    long tsRecentSetNs;
    int lastAckSent;
    /** RFC 2018: both SYNs carried SACK-permitted. */
    boolean sackOk;
    /**
     * RFC 2883 §4: a segment arrived whose data (or part of it) was already received below
     * RCV.NXT; the next ACK's first SACK block reports that part [dsackStart, dsackEnd), once.
     */
    boolean dsackPending;
    int dsackStart;
    int dsackEnd;
    /** The sequence number of the latest out-of-order segment taken in (its SACK block goes first). */
    int lastOutOfOrderSeq;
    /**
     * RFC 6675 scoreboard: what the peer's SACK blocks say it holds above SND.UNA, as sorted,
     * disjoint [start, end) sequence ranges; and the highest sequence number retransmitted in
     * this recovery.
     */
    private static final int MAX_SACKED_RANGES = 8;
    final int[] sackedStart = new int[MAX_SACKED_RANGES];
    final int[] sackedEnd = new int[MAX_SACKED_RANGES];
    int sackedRanges;
    int highRxt;
    /** RFC 6675 RescueRxt: RecoveryPoint when the rescue retransmission went; valid if {@link #rescueSent}. */
    int rescueRxt;
    boolean rescueSent;
    /** SND.NXT when this recovery last retransmitted: data at or above it went after every retransmission. */
    int rxtSndNxt;
    /** The peer has sent a SACK block on this connection: agreeing to SACK is not sending it. */
    boolean peerSacked;
    /** From the layer's pool; returned (and set to null) when the connection leaves the table. */
    SendBuffer sendBuffer;
    ReceiveBuffer receiveBuffer;

    // FIN bookkeeping: the application asked for it; it has been sent (its sequence number)
    boolean finQueued;
    boolean finSent;
    int finSeq;
    boolean peerFinReceived;
    boolean heldFin;
    int heldFinSeq;
    boolean wantWritable;
    boolean closedNotified;
    boolean peerClosedNotified;
    /**
     * The connection ended normally (TIME-WAIT or CLOSED) while received bytes still wait for
     * the application: it keeps its receive buffer, and hears onPeerClosed and onClosed, until
     * it has taken them.
     */
    boolean draining;
    /** Zero-window probes sent since the last ACK (Linux's probes_out): the peer is gone past maxRetries. */
    int probesUnanswered;

    // RFC 5681 / RFC 6582 congestion control and loss recovery
    CongestionControl cc;
    int dupAcks;
    /** Bytes sent by Limited Transmit since the last new ACK: not part of FlightSize at recovery. */
    int limitedTransmitBytes;
    boolean inRecovery;
    boolean partialAckSeen;
    int recover;
    // RFC 9937 Proportional Rate Reduction, for recovery with SACK: bytes delivered to the
    // peer and bytes sent since recovery began, the flight it began with (RecoverFS), and
    // the window the last ACK set (pipe + SndCnt) that sackRecoveryRoom() measures the pipe against.
    int prrDelivered;
    int prrOut;
    int recoverFs;
    int prrWindow;
    long lastSendNs;

    // RFC 9293 §3.7.4 Nagle (Minshall's variant, as Linux) and §3.8.6.2.1 sender SWS avoidance
    boolean noDelay;
    /**
     * Inside the application's onData: send() and shutdownOutput() only queue, and the
     * stack transmits when the callback returns, so a response written in pieces (and the
     * FIN after it) leaves in as few segments as the window allows, the FIN on the last
     * (as Linux's autocorking). A request answered with "head, body, close" was three
     * segments, and the client often closed before our FIN came: TIME-WAIT piled up on it.
     */
    private boolean corked;
    /** The end of the last segment sent shorter than the MSS. */
    int sndSml;
    /** Held back by SWS avoidance with nothing in flight: when to send anyway (the override timeout). */
    long overrideDeadlineNs = Long.MAX_VALUE;

    // RFC 9293 §3.8.4 keep-alive (off unless the stack is configured for it)
    long lastHeardNs;
    long keepAliveDeadlineNs = Long.MAX_VALUE;
    int keepAliveProbes;

    // RFC 6298 retransmission state
    long srttNs;
    long rttvarNs;
    long rtoNs;
    int retries;
    long retransmitDeadlineNs = Long.MAX_VALUE;
    long persistDeadlineNs = Long.MAX_VALUE;
    long persistBackoffNs;
    int rttSeq;
    long rttStartNs = NO_SAMPLE;

    // RFC 9293 §3.8.6.3 delayed ACK: bytes taken in since our last ACK, and its deadline
    int unackedBytes;
    long delayedAckDeadlineNs = Long.MAX_VALUE;
    /** RFC 8985 §7 tail loss probe: when the PTO fires; the probe episode in progress. */
    long probeDeadlineNs = Long.MAX_VALUE;
    boolean probeOut;          // TLP.end_seq is set: a probe was sent and not yet resolved
    boolean probeWasRetransmission; // TLP.is_retrans
    int probeStart;            // first byte of a retransmitted probe
    int probeEnd;              // TLP.end_seq: SND.NXT when the probe went
    /**
     * RFC 8985 §6 RACK, by sequence: when the reordering window after an ACK that SACKed data
     * above a hole runs out, unSACKed bytes below {@link #rackLost} are deemed lost. Outside
     * recovery and before any RTO nothing has been resent below the highest SACKed byte, so
     * a lower sequence number was sent earlier: sequence order stands in for RACK's per-segment
     * transmission times. RACK.min_RTT is the lowest RTT sample of the connection.
     */
    long rackDeadlineNs = Long.MAX_VALUE;
    int rackLost;
    boolean rackLostSet;
    long minRttNs = Long.MAX_VALUE;
    /**
     * RFC 8985 §6.2 step 4: RACK.reo_wnd_mult, raised by one for a D-SACK (a needless resend:
     * the window was too short for this path's reordering) at most once a round trip (until
     * SND.UNA passes {@link #rackDsackRoundEnd}), back to 1 after 16 recoveries without one.
     */
    int rackReoWndMult = 1;
    int rackDsackRoundEnd;
    boolean rackDsackRound;
    int rackRecoveriesSinceDsack;
    /** Bytes a loss probe may send beyond cwnd (one segment, while the PTO handler runs). */
    private int probeAllowance;

    // timer wheel registration
    long timerId = -1;
    long timerDeadlineNs = Long.MAX_VALUE;

    TcpConnection(final TcpLayer layer, final long key, final int remoteAddress, final int remotePort,
        final int localPort, final Listener listener, final TcpHandler handler, final SendBuffer sendBuffer,
        final ReceiveBuffer receiveBuffer) {
        this.layer = layer;
        this.key = key;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.localPort = localPort;
        this.listener = listener;
        this.handler = handler;
        this.sendBuffer = sendBuffer;
        this.receiveBuffer = receiveBuffer;
        this.rtoNs = layer.initialRtoNs;
        this.cc = new NewReno(536);
    }

    // ---------------------------------------------------------------- opens

    /**
     * Passive open: the listener's half-open record (or SYN cookie) held the handshake until
     * the ACK that completes it arrived; the connection starts in SYN-RECEIVED with what the
     * record kept, and that ACK is then processed as RFC 9293 §3.10.7.4 says.
     *
     * @param rttStartNs when the (never retransmitted) SYN-ACK was sent, or 0 for no RTT sample
     */
    void passiveHandshakeDone(final int iss, final int irs, final int peerMss, final int peerWindowScale,
        final boolean peerSack, final long rttStartNs) {
        sackOk = peerSack;
        if (peerWindowScale >= 0) {
            // RFC 7323 §2.3: a shift above 14 is used as 14.
            sndWindowScale = Math.min(peerWindowScale, 14);
            rcvWindowScale = layer.ourWindowScale;
        }
        this.irs = irs;
        rcvNxt = irs + 1;
        this.iss = iss;
        sndUna = iss;
        sndNxt = iss + 1;
        sndWl1 = irs;
        sndWl2 = iss;
        sndMax = sndNxt;
        lastAckSent = rcvNxt; // the SYN-ACK's
        sendMss = layer.effectiveMss(peerMss);
        setState(TcpState.SYN_RECEIVED);
        rttSeq = iss;          // the handshake gives the first RTT sample, as on Linux
        this.rttStartNs = rttStartNs;
    }

    /** Active open: send SYN (RFC 9293 §3.10.1, CLOSED → SYN-SENT). */
    void open(final long nowNs) {
        iss = layer.isn(localPort, remoteAddress, remotePort, nowNs);
        sndUna = iss;
        sndNxt = iss + 1;
        sendMss = layer.effectiveMss(-1);
        sndMax = sndNxt;
        setState(TcpState.SYN_SENT);
        rttSeq = iss;
        rttStartNs = nowNs;
        offeredWindowScale = true;
        layer.sendControl(this, iss, 0, TcpHeader.SYN, layer.ourSynOptions(), nowNs);
        armRetransmit(nowNs);
    }

    /** SYN-ACK of a simultaneous open: window scale if both SYNs carried it. */
    private void sendSynAck(final long nowNs) {
        layer.sendControl(this, iss, rcvNxt, TcpHeader.SYN | TcpHeader.ACK,
            offeredWindowScale ? layer.ourSynOptions() : TcpLayer.MSS_ONLY, nowNs);
    }

    // ---------------------------------------------------------------- segment arrives

    void onSegment(final Segment seg, final long nowNs) {
        if (keepAliveDeadlineNs != Long.MAX_VALUE) {
            heardFromPeer(nowNs);
        }
        switch (state) {
            case SYN_SENT -> onSegmentInSynSent(seg, nowNs);
            case CLOSED, LISTEN, TIME_WAIT -> { } // not held as connections
            default -> onSegmentSynchronized(seg, nowNs);
        }
        if (receiveBuffer != null) {
            receiveBuffer.settle(); // text lent from the segment's buffer, which the link reuses
        }
        if (isLive()) {
            layer.rearm(this);
        }
    }

    /** RFC 9293 §3.10.7.3, SYN-SENT. */
    private void onSegmentInSynSent(final Segment seg, final long nowNs) {
        final boolean hasAck = seg.has(TcpHeader.ACK);
        // First: the ACK bit. Acceptable only if ISS < SEG.ACK <= SND.NXT.
        if (hasAck && (Seq.le(seg.ack, iss) || Seq.gt(seg.ack, sndNxt))) {
            if (!seg.has(TcpHeader.RST)) {
                layer.sendReset(remoteAddress, localPort, remotePort, seg.ack, 0, TcpHeader.RST, nowNs);
            }
            layer.countDrop(TcpLayer.DROP_UNACCEPTABLE);
            return;
        }
        // Second: RST. With an acceptable ACK the connection was refused; without ACK, drop.
        if (seg.has(TcpHeader.RST)) {
            if (hasAck) {
                layer.countAttemptFail();
                terminate(CloseReason.REFUSED);
            } else {
                layer.countDrop(TcpLayer.DROP_UNACCEPTABLE);
            }
            return;
        }
        // Fourth: SYN.
        if (!seg.has(TcpHeader.SYN)) {
            layer.countDrop(TcpLayer.DROP_UNACCEPTABLE);
            return;
        }
        irs = seg.seq;
        rcvNxt = seg.seq + 1;
        sendMss = layer.effectiveMss(seg.mss);
        final boolean scaling = offeredWindowScale && seg.windowScale >= 0;
        sackOk = offeredWindowScale && seg.sackPermitted;
        if (offeredWindowScale && seg.options.hasTimestamps()) {
            agreeTimestamps(seg.options.tsVal(), nowNs);
        }
        if (hasAck) {
            sampleRtt(seg.ack, nowNs);
            sndUna = seg.ack;
        }
        if (Seq.gt(sndUna, iss)) {
            // Our SYN is acknowledged: ESTABLISHED, send the ACK of theirs. The SYN-ACK's
            // window is never scaled; scaling applies from the next segment (RFC 7323 §2.2).
            updateWindow(seg);
            agreeWindowScale(scaling, seg.windowScale);
            retries = 0;
            retransmitDeadlineNs = Long.MAX_VALUE;
            final int sndNxtBefore = sndNxt;
            establish();
            if (isLive()) {
                transmit(nowNs);
                if (sndNxt == sndNxtBefore) {
                    sendAck(nowNs); // nothing sent by the application carried the ACK of their SYN
                }
            }
        } else {
            // Simultaneous open (RFC 9293 §3.5, Figure 8): SYN-RECEIVED, send SYN,ACK.
            agreeWindowScale(scaling, seg.windowScale);
            setState(TcpState.SYN_RECEIVED);
            sndWnd = seg.window;
            sndWl1 = seg.seq;
            sndWl2 = seg.ack;
            sendSynAck(nowNs);
        }
    }

    private void agreeWindowScale(final boolean scaling, final int peerShift) {
        sndWindowScale = scaling ? Math.min(peerShift, 14) : 0;
        rcvWindowScale = scaling ? layer.ourWindowScale : 0;
    }

    /** RFC 9293 §3.10.7.4, SYN-RECEIVED through LAST-ACK. */
    private void onSegmentSynchronized(final Segment seg, final long nowNs) {
        if (state == TcpState.ESTABLISHED && predictedData(seg, nowNs)) {
            return;
        }
        // A retransmitted SYN in SYN-RECEIVED (its SYN-ACK was lost): answer with the same
        // SYN-ACK, as Linux does, rather than the bare ACK of the acceptability rule.
        if (state == TcpState.SYN_RECEIVED && seg.has(TcpHeader.SYN) && !seg.has(TcpHeader.ACK) && seg.seq == irs) {
            layer.countRetransmittedSyn();
            sendSynAck(nowNs);
            return;
        }
        // RFC 7323 §5.3 R1, PAWS: a TSval older than TS.Recent is an old duplicate: ACK, drop.
        // RSTs are judged by their sequence number alone (§5.3, note).
        if (!seg.has(TcpHeader.RST) && pawsRejects(seg, nowNs)) {
            noteDuplicate(seg);
            sendAck(nowNs);
            layer.countPawsRejected();
            return;
        }
        // First: sequence number check (§3.10.7.4 table).
        final int rcvWnd = receiveWindow();
        if (!acceptable(seg, rcvWnd)) {
            if (!seg.has(TcpHeader.RST)) {
                noteDuplicate(seg);
                sendAck(nowNs);
                if (oldSegmentAck(seg, nowNs)) {
                    return;
                }
            }
            layer.countDrop(TcpLayer.DROP_OUT_OF_WINDOW);
            return;
        }
        takeTsRecent(seg, nowNs);
        // Second: RST. RFC 5961 §3.2: only an exact RCV.NXT match resets; otherwise challenge ACK.
        if (seg.has(TcpHeader.RST)) {
            if (seg.seq != rcvNxt) {
                layer.challengeAck(this, nowNs);
                return;
            }
            onReset();
            return;
        }
        // Fourth: SYN in a synchronized state. RFC 5961 §4.2: challenge ACK, whatever its sequence.
        if (seg.has(TcpHeader.SYN)) {
            if (state == TcpState.SYN_RECEIVED && listener != null) {
                // RFC 9293 §3.10.7.4: a passive open in SYN-RECEIVED returns to LISTEN.
                layer.countDrop(TcpLayer.DROP_SYN_IN_WINDOW);
                terminate(CloseReason.RESET_BY_PEER);
                return;
            }
            layer.challengeAck(this, nowNs);
            return;
        }
        // Fifth: the ACK field. Without ACK, drop.
        if (!seg.has(TcpHeader.ACK)) {
            layer.countDrop(TcpLayer.DROP_NO_ACK);
            return;
        }
        if (state == TcpState.SYN_RECEIVED) {
            if (Seq.lt(sndUna, seg.ack) && Seq.le(seg.ack, sndNxt)) {
                sampleRtt(seg.ack, nowNs);
                sndUna = seg.ack;
                retries = 0;
                retransmitDeadlineNs = Long.MAX_VALUE;
                sndWnd = seg.window << sndWindowScale;
                maxSndWnd = Math.max(maxSndWnd, sndWnd);
                sndWl1 = seg.seq;
                sndWl2 = seg.ack;
                establish();
                if (state == TcpState.CLOSED) {
                    return;
                }
            } else {
                layer.sendReset(remoteAddress, localPort, remotePort, seg.ack, 0, TcpHeader.RST, nowNs);
                layer.countDrop(TcpLayer.DROP_UNACCEPTABLE);
                return;
            }
        } else if (!onAck(seg, nowNs)) {
            return;
        }
        // Sixth: URG is not implemented: the urgent pointer is ignored, data delivered in line.
        // Seventh: segment text.
        boolean ackNow = false;
        if (seg.dataLength > 0) {
            if (state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1 || state == TcpState.FIN_WAIT_2) {
                ackNow = receiveText(seg);
            } else {
                layer.countDrop(TcpLayer.DROP_DATA_AFTER_FIN);
                ackNow = true;
            }
        }
        // Eighth: FIN, processed once every byte before it has arrived; a FIN that came with
        // or after out-of-order data is held until the gap is filled (§3.10.7.4, as Linux).
        boolean finNow = false;
        if (seg.has(TcpHeader.FIN) && !peerFinReceived) {
            final int finAt = seg.seq + seg.dataLength;
            if (!Seq.lt(finAt, rcvNxt)) {
                heldFin = true;    // taken below at once, or when the bytes before it arrive
                heldFinSeq = finAt;
            }
        }
        if (heldFin && rcvNxt == heldFinSeq && !peerFinReceived) {
            heldFin = false;
            rcvNxt++;
            peerFinReceived = true;
            finNow = true;
        }
        acknowledgeAndDeliver(seg.has(TcpHeader.FIN) || ackNow, seg.dataLength > 0, finNow, nowNs);
    }

    /**
     * The end of a segment's processing, once its text is in: the ACK now or delayed, the
     * application's turn, the peer's FIN if it was taken, then whatever may be sent.
     *
     * @param ackNow  acknowledge at once (a FIN, out-of-order or duplicate text)
     * @param hadText the segment carried text (delayed-ACK rules apply)
     * @param finNow  the peer's FIN was taken with this segment
     */
    private void acknowledgeAndDeliver(final boolean ackNow, final boolean hadText, final boolean finNow,
        final long nowNs) {
        boolean ackAfterDelivery = false;
        if (ackNow) {
            sendAck(nowNs);
        } else if (hadText && layer.delayedAckNs == 0) {
            ackAfterDelivery = true; // at once, but after the application had its chance to answer
        } else if (hadText) {
            // RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2: at least every second full-sized segment,
            // and never later than the delay. Data the application sends in answer
            // (transmit() below) carries the ACK and cancels the delay.
            if (unackedBytes >= 2 * layer.ourMss) {
                sendAck(nowNs);
            } else if (delayedAckDeadlineNs == Long.MAX_VALUE) {
                delayedAckDeadlineNs = nowNs + layer.delayedAckNs;
            }
        }
        deliver();
        if (finNow) {
            onPeerFin(nowNs);
        }
        if (state != TcpState.CLOSED && state != TcpState.TIME_WAIT) {
            sendAfterAck(nowNs);
        }
        if (ackAfterDelivery && unackedBytes > 0 && isLive()) {
            sendAck(nowNs); // nothing the application sent carried it
        }
    }

    /**
     * RFC 7323 §5.3 R1, PAWS: timestamps agreed and the segment's TSval older than TS.Recent.
     * §5.5: a TS.Recent older than 24 days is invalid (the peer's clock may have wrapped its
     * sign bit meanwhile): then the test is not applied (as Linux).
     */
    private boolean pawsRejects(final Segment seg, final long nowNs) {
        return tsOk && seg.options.hasTimestamps() && nowNs - tsRecentSetNs <= PAWS_IDLE_LIMIT_NS
            && seg.options.tsVal() - tsRecent < 0;
    }

    /**
     * RFC 7323 §4.3 (3): TS.Recent follows the segment that covers Last.ACK.sent, for a
     * segment PAWS let through (its TSval is not older, or TS.Recent had gone invalid, §5.5).
     */
    private void takeTsRecent(final Segment seg, final long nowNs) {
        if (tsOk && seg.options.hasTimestamps() && !Seq.gt(seg.seq, lastAckSent)
            && (seg.options.tsVal() - tsRecent >= 0 || nowNs - tsRecentSetNs > PAWS_IDLE_LIMIT_NS)) {
            tsRecent = seg.options.tsVal();
            tsRecentSetNs = nowNs;
        }
    }

    /**
     * Header prediction (Van Jacobson's, as BSD's tcp_input and Linux's tcp_rcv_established
     * fast path have it): the segment a bulk transfer into us is made of, the next in-order
     * text with an ACK of nothing new and the window as it was, while nothing of ours is in
     * flight and nothing is held out of order. Every test of the general path (RFC 9293
     * §3.10.7.4) is then known to pass or not to apply: it is acceptable (SEG.SEQ = RCV.NXT,
     * all of it within RCV.WND), carries no RST, SYN or FIN, its ACK is the duplicate of
     * SND.UNA that a segment with text does not count as (RFC 5681 §2), it brings no SACK
     * blocks; what is left is PAWS and TS.Recent (RFC 7323 §5.3, §4.3, done as there), the
     * send window's WL1/WL2, and the text. Anything else, and a segment PAWS would reject,
     * goes the general way.
     *
     * @return false if the segment is not the predicted one; then nothing was done
     */
    private boolean predictedData(final Segment seg, final long nowNs) {
        if ((seg.flags & ~TcpHeader.PSH) != TcpHeader.ACK || seg.seq != rcvNxt || seg.ack != sndUna
            || seg.dataLength == 0 || sndNxt != sndUna || (seg.window << sndWindowScale) != sndWnd
            || inRecovery || sackedRanges > 0 || probeOut || heldFin || dsackPending
            || !receiveBuffer.isEmpty() || seg.dataLength > receiveWindow()
            || sackOk && seg.options.sackBlocks() > 0) {
            return false;
        }
        if (pawsRejects(seg, nowNs)) {
            return false; // the general path drops it and says so
        }
        takeTsRecent(seg, nowNs);
        if (Seq.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && Seq.le(sndWl2, seg.ack))) {
            updateWindow(seg);
        }
        probesUnanswered = 0;
        rackDeadlineNs = Long.MAX_VALUE;
        layer.countHeaderPredicted();
        acknowledgeAndDeliver(receiveText(seg), true, false, nowNs);
        return true;
    }

    /** §3.10.7.4 acceptability test: four cases on SEG.LEN and RCV.WND. */
    /**
     * RFC 2883 §4 (1): the data of {@code seg} below RCV.NXT was received before; the next
     * ACK reports it in a D-SACK block (with SACK agreed). The sender learns a retransmission
     * was needless: RACK widens its reordering window on it (RFC 8985 §6.2).
     */
    private void noteDuplicate(final Segment seg) {
        if (!sackOk || seg.dataLength == 0 || !Seq.lt(seg.seq, rcvNxt)) {
            return;
        }
        dsackStart = seg.seq;
        dsackEnd = Seq.lt(seg.seq + seg.dataLength, rcvNxt) ? seg.seq + seg.dataLength : rcvNxt;
        dsackPending = true;
    }

    /**
     * A segment wholly below RCV.NXT (a duplicate, or a pure ACK whose sequence number is a
     * byte we already took) has its data dropped and is answered with an ACK, but its ACK
     * field is still read, as BSD's tcp_input does ("drop any data, but keep on processing
     * for RST or ACK"; RFC 9293 §3.10.7.4 trims a segment to the window before processing).
     * Dropping it whole let two stacks that had each taken the other's zero-window probe byte
     * drop each other's ACKs for good, both windows open, until both timed out (a lossy
     * two-stack seed). The ACK is checked as any other (RFC 5961 §5.2 range); the send window
     * is updated only by a newer segment (SND.WL1/WL2), which an old one is not.
     *
     * @return true if the segment was handled here (counted as an old segment, not a drop)
     */
    private boolean oldSegmentAck(final Segment seg, final long nowNs) {
        if (!seg.has(TcpHeader.ACK) || seg.has(TcpHeader.SYN) || state == TcpState.SYN_RECEIVED
            || Seq.gt(seg.seq + seg.dataLength, rcvNxt)) {
            return false;
        }
        layer.countDrop(TcpLayer.DROP_OUT_OF_WINDOW);
        if (onAck(seg, nowNs) && isLive()) {
            sendAfterAck(nowNs);
        }
        return true;
    }

    /**
     * What an ACK lets out, whichever path it came by: new data (and in SACK recovery NextSeg
     * rules 3 and 4 after it), then the application's turn to write into the space it freed.
     * The old-segment path had only the first: an ACK that freed the send buffer there never
     * told the application, which waited for an onWritable that no later ACK would bring (a
     * lossy two-stack seed, 13730, stuck with its buffer empty and half its data unwritten).
     */
    private void sendAfterAck(final long nowNs) {
        transmit(nowNs);
        if (inRecovery && sackOk) {
            sackRecoveryRule3(nowNs); // after rule (2), new data, had its turn
            sackRescueRetransmission(nowNs); // rule (4), if (1)-(3) left room
        }
        notifyWritable();
    }

    private boolean acceptable(final Segment seg, final int rcvWnd) {
        final int segLen = seg.len();
        if (segLen == 0) {
            return rcvWnd == 0 ? seg.seq == rcvNxt : Seq.inWindow(seg.seq, rcvNxt, rcvWnd);
        }
        if (rcvWnd == 0) {
            return false;
        }
        return Seq.inWindow(seg.seq, rcvNxt, rcvWnd) || Seq.inWindow(seg.seq + segLen - 1, rcvNxt, rcvWnd);
    }

    /**
     * The ACK processing of ESTABLISHED and later (§3.10.7.4 "fifth", with RFC 5961 §5.2's
     * blind-ACK check). Returns false if the segment is to be dropped.
     */
    private boolean onAck(final Segment seg, final long nowNs) {
        if (Seq.gt(seg.ack, sndMax)) {
            // Acknowledges something not yet sent: ACK and drop. Not yet sent means beyond the
            // highest SND.NXT: after a go-back-N rewind, data up to SND.MAX was sent and may be
            // acknowledged (BSD tests against snd_max). Testing the rewound SND.NXT dropped every
            // such ACK, each answered by an ACK: an ACK storm while the connection timed out.
            sendAck(nowNs);
            layer.countDrop(TcpLayer.DROP_ACK_UNSENT);
            return false;
        }
        if (Seq.lt(seg.ack, sndUna - maxSndWnd)) {
            // RFC 5961 §5.2: too old to be a legitimate duplicate: challenge ACK, drop.
            layer.challengeAck(this, nowNs);
            return false;
        }
        final int sackedBefore = sackedBytes();
        final boolean withSack = sackOk && seg.options.sackBlocks() > 0;
        peerSacked |= withSack;
        if (withSack && Seq.le(seg.options.sackRight(0), seg.ack)) {
            onDsack(); // RFC 2883 §4: a first block below the cumulative ACK reports a duplicate
        }
        final boolean newSackInfo = withSack && updateScoreboard(seg.options, seg.ack);
        if (!withSack && sackedRanges > 0 && Seq.gt(seg.ack, sndUna)) {
            // RFC 6675 §5 Update(): ranges at or below the cumulative ACK leave the scoreboard
            // with every ACK, not only those with blocks (left there, they kept the tail
            // loss probe off: it waits for an empty scoreboard).
            pruneScoreboard(seg.ack);
        }
        // RFC 9937 DeliveredData: bytes newly acknowledged, cumulatively or selectively (a
        // SACKed range the cumulative ACK now covers moves from one to the other, counted once).
        final int delivered = (Seq.gt(seg.ack, sndUna) ? seg.ack - sndUna : 0) + sackedBytes() - sackedBefore;
        final boolean recovering = inRecovery && sackOk;
        // A duplicate ACK acknowledges nothing new and carries no data, SYN or FIN while data
        // is outstanding, and then: with SACK blocks, it SACKs something new (RFC 6675 §2);
        // without, it leaves the window as it was (RFC 5681 §2). A receiver whose window grows
        // with every segment it takes (Linux's autotuning does) sends no RFC 5681 duplicates
        // at all: with the window rule alone the losses it SACKs waited for the RTO.
        final boolean duplicate = seg.ack == sndUna && seg.dataLength == 0
            && !seg.has(TcpHeader.SYN | TcpHeader.FIN) && sndNxt != sndUna
            && (withSack ? newSackInfo : (seg.window << sndWindowScale) == sndWnd);
        if (Seq.gt(seg.ack, sndUna)) {
            if (rttStartNs == NO_SAMPLE && tsOk && seg.options.hasTimestamps() && seg.options.tsEcr() != 0) {
                // RFC 7323 §4.1: the echoed timestamp dates the segment even after a retransmission.
                addRttSample(Math.max(tsClock(nowNs, iss) - seg.options.tsEcr(), 1) * 1_000_000L);
            } else {
                sampleRtt(seg.ack, nowNs);
            }
            final int ackedSeq = seg.ack - sndUna;
            int acked = ackedSeq;
            if (finSent && seg.ack == finSeq + 1) {
                acked--; // the FIN's sequence number is not a byte in the buffer
            }
            acked = Math.min(acked, sendBuffer.size());
            sendBuffer.release(acked);
            sndUna = seg.ack;
            if (Seq.lt(sndNxt, sndUna)) {
                sndNxt = sndUna;
            }
            retries = 0;
            // RFC 6298 §5.3: restart the timer if data is outstanding, else stop it.
            retransmitDeadlineNs = sndUna == sndNxt ? Long.MAX_VALUE : nowNs + rtoNs;
            if (acked > 0) {
                wantWritable = true;
            }
            if (recovering) {
                // SafeACK (RFC 9937, the per-ACK step): SND.UNA advances and no further loss is indicated;
                // conservatively, any new SACK information may indicate it.
                proportionalRateReduction(delivered, !newSackInfo);
            }
            onNewAck(seg.ack, ackedSeq, nowNs);
            if (probeOut) {
                onAckDuringProbe(seg);
            }
            schedulePto(nowNs); // RFC 8985 §7.2: an ACK of new data restarts the PTO
        } else {
            if (recovering) {
                proportionalRateReduction(delivered, false);
            }
            if (duplicate) {
                onDuplicateAck(delivered, nowNs);
            } else if (recovering && newSackInfo) {
                sackRecoverySend(nowNs); // RFC 6675 §5 (B)-(C): every ACK in recovery, one with data too
            }
        }
        // Send window update (§3.10.7.4): only from a segment newer than the last update.
        if (Seq.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && Seq.le(sndWl2, seg.ack))) {
            updateWindow(seg);
        }
        probesUnanswered = 0; // RFC 1122 §4.2.2.17: the peer answers, the zero window may last
        if (inRecovery) {
            scheduleRecoveryProbe(nowNs); // each ACK in recovery restarts it (StackConfig#recoveryProbe)
        } else if (sackedRanges > 0) {
            armRack(nowNs);
        } else {
            rackDeadlineNs = Long.MAX_VALUE;
        }
        final boolean finAcked = finSent && sndUna == finSeq + 1;
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    setState(TcpState.FIN_WAIT_2);
                }
            }
            case CLOSING -> {
                if (finAcked) {
                    layer.enterTimeWait(this, nowNs);
                    return false;
                }
            }
            case LAST_ACK -> {
                if (finAcked) {
                    terminate(CloseReason.NORMAL);
                    return false;
                }
            }
            default -> { }
        }
        return true;
    }

    /** RFC 6582 §3.2 steps 3 and 5, or RFC 5681 §3.1 growth outside recovery. */
    private void onNewAck(final int ack, final int ackedSeq, final long nowNs) {
        dupAcks = 0;
        limitedTransmitBytes = 0;
        if (!inRecovery) {
            cc.onAck(ackedSeq, nowNs, srttNs);
            return;
        }
        if (Seq.gt(ack, recover)) {
            // Full acknowledgment: everything out when recovery began is acknowledged.
            inRecovery = false;
            rackLostSet = false;
            cc.onRecoveryEnd(sndNxt - sndUna);
            return;
        }
        // Partial acknowledgment: the next hole is lost too; resend it at once.
        if (sackOk && !peerSacked && !Seq.gt(highRxt, sndUna)) {
            // A peer that agreed to SACK but has sent no block (a middlebox that strips them,
            // a broken stack): RFC 6675 finds no hole with an empty scoreboard, and the next
            // one waited for the RTO. RFC 6582 §3.2 step 5, as without SACK: the segment at
            // the new SND.UNA is presumed lost and resent at once.
            retransmitFirstUnacknowledged(nowNs, Integer.MAX_VALUE);
            highRxt = sndUna + Math.min(segmentMss(), Math.max(0, sndNxt - sndUna));
            rxtSndNxt = sndNxt;
        }
        if (sackOk) {
            // RFC 6675 §5 step (C), as for any ACK in recovery. No RFC 6582 deflation: cwnd
            // stays ssthresh and the pipe alone decides. Deflating by what a partial ACK
            // covered left cwnd at one segment below the pipe: nothing went out until the RTO.
            sackRecoverySend(nowNs);
        } else {
            cc.onPartialAck(ackedSeq);
            retransmitFirstUnacknowledged(nowNs, Integer.MAX_VALUE);
        }
        if (!partialAckSeen) {
            partialAckSeen = true;
            retransmitDeadlineNs = nowNs + rtoNs; // step 5: reset the timer on the first one only
        }
    }

    /** RFC 5681 §3.2 and RFC 6582 §3.2 steps 2 and 4: fast retransmit and recovery. */
    private void onDuplicateAck(final int delivered, final long nowNs) {
        dupAcks++;
        layer.countDuplicateAck();
        if (inRecovery) {
            if (sackOk) {
                sackRecoverySend(nowNs); // RFC 6675 §5 step (C): the pipe, not inflation
            } else {
                cc.onDuplicateAckInRecovery(); // transmit() below may send new data now
            }
            return;
        }
        // Step 2: the third duplicate, or with SACK IsLost(HighACK + 1) (RFC 6675 §5 step 2:
        // more than two segments' worth, or three discontiguous ranges, SACKed above SND.UNA),
        // and the ACK covers more than the last recovery point (otherwise these duplicates
        // are likely echoes of our retransmissions: step 1A).
        final boolean lost = dupAcks == 3 || (sackOk && dupAcks < 3 && Seq.gt(lostBoundary(), sndUna));
        if (lost && Seq.gt(sndUna, recover)) {
            enterFastRecovery(delivered, nowNs);
        }
    }

    /**
     * RFC 8985 §6.2 step 5 / §6.3: the peer SACKed data above a hole, too little for
     * DupThresh: the reordering timer is armed, once, for RACK.reo_wnd. Holes below the
     * highest SACKed byte were sent before it (see {@link #rackLost}), so when the window runs
     * out with them still unSACKed they are lost. This is what finds the loss of a whole
     * flight whose tail loss probe alone was SACKed (§7.4): one SACKed segment is no
     * DupThresh, and the RTO came instead.
     */
    private void armRack(final long nowNs) {
        if (!sackOk || inRecovery || retries > 0 || sackedRanges == 0 || rackDeadlineNs != Long.MAX_VALUE
            || !Seq.gt(sndUna, recover)) {
            return;
        }
        if (!Seq.gt(sackedStart[0], sndUna) && sackedRanges == 1) {
            return; // no hole below SACKed data
        }
        rackDeadlineNs = nowNs + reorderingWindowNs();
    }

    /**
     * RFC 8985 §6.2 step 4, outside recovery with fewer than DupThresh segments SACKed:
     * RACK.reo_wnd = min(RACK.reo_wnd_mult × RACK.min_RTT / 4, SRTT). The timer wheel's
     * tick (about 1 ms) is the effective floor.
     */
    private long reorderingWindowNs() {
        final long minRtt = minRttNs != Long.MAX_VALUE ? minRttNs : srttNs;
        final long window = rackReoWndMult * minRtt / 4;
        return srttNs > 0 ? Math.min(window, srttNs) : window;
    }

    /** RFC 8985 §6.2 step 4: a D-SACK widens RACK's reordering window, once per round trip. */
    private void onDsack() {
        if (rackDsackRound && !Seq.gt(sndUna, rackDsackRoundEnd)) {
            return;
        }
        rackDsackRound = true;
        rackDsackRoundEnd = sndNxt;
        rackRecoveriesSinceDsack = 0;
        if (rackReoWndMult < 64) {
            rackReoWndMult++;
        }
    }

    /**
     * RFC 8985 §6.3: the reordering window ran out. Every unSACKed byte below the highest
     * SACKed one is deemed lost, and recovery starts as for DupThresh (RFC 8985 §9.3: a loss
     * found by RACK is a congestion event like any other).
     */
    private void onRackTimeout(final long nowNs) {
        rackDeadlineNs = Long.MAX_VALUE;
        if (!sackOk || inRecovery || retries > 0 || sackedRanges == 0 || !Seq.gt(sndUna, recover)) {
            return;
        }
        final int highest = sackedEnd[sackedRanges - 1];
        if (unsackedBytes(sndUna, highest) == 0) {
            return;
        }
        rackLost = highest;
        rackLostSet = true;
        layer.countRackLoss();
        enterFastRecovery(0, nowNs);
    }

    /**
     * RFC 5681 §3.2 step 2, RFC 6582 §3.2 step 2, RFC 6675 §5 steps 4.1-4.4: loss found (by
     * DupThresh, or by RACK's timer): ssthresh from FlightSize, the first hole resent, then
     * more as the pipe allows.
     *
     * @param delivered the bytes the ACK that found the loss delivered (RFC 9937 DeliveredData), 0 when
     *                  RACK's timer found it
     */
    private void enterFastRecovery(final int delivered, final long nowNs) {
        rackDeadlineNs = Long.MAX_VALUE;
        if (++rackRecoveriesSinceDsack >= 16) {
            rackReoWndMult = 1; // RFC 8985 §6.2 step 4: 16 recoveries without a D-SACK
            rackRecoveriesSinceDsack = 0;
        }
        dupAcks = 3;
        inRecovery = true;
        partialAckSeen = false;
        recover = sndNxt - 1;
        // RFC 5681 §3.2 step 2: FlightSize without what Limited Transmit sent.
        cc.onFastRetransmit(sndNxt - sndUna - limitedTransmitBytes);
        layer.countFastRetransmit();
        if (sackOk) {
            // RFC 9937, on entering recovery: RecoverFS is the flight before this ACK less what was SACKed
            // before it (those bytes are never delivered again in this recovery).
            prrDelivered = 0;
            prrOut = 0;
            recoverFs = Math.max(1, sndNxt - sndUna - sackedBytes() + delivered);
            highRxt = sndUna; // nothing resent yet in this recovery: the pipe must not count an old HighRxt
            prrWindow = pipe() + segmentMss(); // the fast retransmit, if nothing was delivered (RACK's timer)
            proportionalRateReduction(delivered, false);
        }
        // RFC 6675 §5 step (4.3): the segment at HighACK + 1, which ends where the data the
        // peer SACKed begins; HighRxt its last byte.
        final int firstHole = sackOk && sackedRanges > 0 && Seq.gt(sackedStart[0], sndUna)
            ? sackedStart[0] - sndUna : Integer.MAX_VALUE;
        retransmitFirstUnacknowledged(nowNs, firstHole);
        highRxt = sndUna + Math.min(Math.min(segmentMss(), sndNxt - sndUna), firstHole);
        rxtSndNxt = sndNxt;
        if (sackOk) {
            sackRecoverySend(nowNs); // RFC 6675 §5 step (4.4): more if pipe allows
        }
    }

    /**
     * RFC 2018 §3 / RFC 6675 §4: merges the SACK blocks of an ACK into the scoreboard. Blocks
     * outside (SND.UNA, SND.NXT] are ignored (RFC 2018 §8 caution); ranges at or below the
     * cumulative ACK are dropped.
     */
    private boolean updateScoreboard(final io.tcpstack.wire.TcpOptions options, final int ack) {
        final int una = Seq.gt(ack, sndUna) ? ack : sndUna;
        pruneScoreboard(una);
        boolean news = false;
        for (int b = 0; b < options.sackBlocks(); b++) {
            int left = options.sackLeft(b);
            final int right = options.sackRight(b);
            if (!Seq.lt(left, right) || !Seq.gt(right, una) || Seq.gt(right, sndNxt)) {
                continue;
            }
            if (Seq.lt(left, una)) {
                left = una;
            }
            news |= addSacked(left, right);
        }
        return news;
    }

    private void pruneScoreboard(final int una) {
        int kept = 0;
        for (int i = 0; i < sackedRanges; i++) {
            if (Seq.gt(sackedEnd[i], una)) {
                sackedStart[kept] = Seq.lt(sackedStart[i], una) ? una : sackedStart[i];
                sackedEnd[kept] = sackedEnd[i];
                kept++;
            }
        }
        sackedRanges = kept;
    }

    /**
     * Inserts [left, right), merging with the ranges it overlaps or touches; keeps the lowest
     * ranges when full. Returns false if the scoreboard held all of it already.
     */
    private boolean addSacked(int left, int right) {
        int i = 0;
        while (i < sackedRanges && Seq.lt(sackedEnd[i], left)) {
            i++;
        }
        if (i < sackedRanges && !Seq.gt(sackedStart[i], left) && !Seq.lt(sackedEnd[i], right)) {
            return false;
        }
        int j = i;
        while (j < sackedRanges && !Seq.gt(sackedStart[j], right)) {
            if (Seq.lt(sackedStart[j], left)) {
                left = sackedStart[j];
            }
            if (Seq.gt(sackedEnd[j], right)) {
                right = sackedEnd[j];
            }
            j++;
        }
        final int removed = j - i;
        if (removed == 0 && sackedRanges == MAX_SACKED_RANGES) {
            if (i == MAX_SACKED_RANGES) {
                return true; // above every range kept, and no room: forget it (the peer repeats it)
            }
            sackedRanges--; // drop the highest range to make room
        }
        final int tail = sackedRanges - j;
        final int shift = 1 - removed;
        System.arraycopy(sackedStart, j, sackedStart, j + shift, tail);
        System.arraycopy(sackedEnd, j, sackedEnd, j + shift, tail);
        sackedStart[i] = left;
        sackedEnd[i] = right;
        sackedRanges += shift;
        return true;
    }

    /**
     * RFC 6675 §4 IsLost() as a boundary: an unSACKed byte below it is deemed lost, since
     * more than (DupThresh - 1) × SMSS bytes, or DupThresh discontiguous ranges, were SACKed
     * above it (DupThresh 3). SACKed bytes above a byte only grow as the byte gets lower, so
     * one boundary divides lost from not lost; or, if higher, the RACK boundary
     * ({@link #rackLost}). SND.UNA when nothing is deemed lost.
     */
    int lostBoundary() {
        final int rack = rackLostSet && Seq.gt(rackLost, sndUna) ? rackLost : sndUna;
        int above = 0;
        for (int i = sackedRanges - 1; i >= 0; i--) {
            above += sackedEnd[i] - sackedStart[i];
            if (above > 2 * sendMss || sackedRanges - i >= 3) {
                return Seq.gt(rack, sackedStart[i]) ? rack : sackedStart[i];
            }
        }
        return rack;
    }

    /** Bytes in [from, to) the peer has not SACKed. */
    private int unsackedBytes(final int from, final int to) {
        if (!Seq.lt(from, to)) {
            return 0;
        }
        int bytes = to - from;
        for (int i = 0; i < sackedRanges; i++) {
            final int a = Seq.gt(sackedStart[i], from) ? sackedStart[i] : from;
            final int b = Seq.lt(sackedEnd[i], to) ? sackedEnd[i] : to;
            if (Seq.lt(a, b)) {
                bytes -= b - a;
            }
        }
        return bytes;
    }

    /**
     * RFC 6675 §4 SetPipe(): the bytes deemed still in the network. Every unSACKed byte
     * between SND.UNA and SND.NXT counts once if not deemed lost, and once more if it was
     * retransmitted in this recovery (below HighRxt).
     */
    int pipe() {
        final int lost = lostBoundary();
        final int from = Seq.gt(lost, sndUna) ? lost : sndUna;
        final int rxtEnd = Seq.lt(highRxt, sndNxt) ? highRxt : sndNxt;
        return unsackedBytes(from, sndNxt) + unsackedBytes(sndUna, rxtEnd);
    }

    /** Bytes the peer has SACKed above SND.UNA: the scoreboard's ranges (pruned at SND.UNA). */
    private int sackedBytes() {
        int bytes = 0;
        for (int i = 0; i < sackedRanges; i++) {
            bytes += sackedEnd[i] - sackedStart[i];
        }
        return bytes;
    }

    /**
     * RFC 9937, on every ACK that starts or continues recovery with SACK: how much may
     * be sent in answer (SndCnt), set as the window {@link #sackRecoveryRoom} measures the
     * pipe (RFC 6675 SetPipe) against. While the pipe is above ssthresh, sending follows
     * delivery in the proportion ssthresh / RecoverFS, so that the flight comes down to
     * ssthresh evenly over the recovery's round trip; once below, the reduction bound lets
     * it grow back towards ssthresh by what was delivered (PRR-CRB), one SMSS more on a
     * SafeACK (PRR-SSRB). RFC 6675 alone lets nothing but the first retransmission out until
     * half the flight is SACKed, then a burst: if the one ACK that closes the hole is lost in
     * that silence, nothing is in flight to draw another, and the RTO comes.
     */
    private void proportionalRateReduction(final int delivered, final boolean safeAck) {
        detectLostRetransmissions(); // the pipe PRR measures is the one after this ACK's loss marking
        if (delivered < 0) {
            prrDelivered += delivered; // a range evicted from a full scoreboard: counted again when ACKed
        }
        if (delivered <= 0) {
            return; // nothing delivered, nothing changes
        }
        prrDelivered += delivered;
        final int pipe = pipe();
        final int ssthresh = cc.ssthresh();
        long sndCnt;
        if (pipe > ssthresh) {
            sndCnt = ((long) prrDelivered * ssthresh + recoverFs - 1) / recoverFs - prrOut; // CEIL
        } else {
            sndCnt = Math.max(prrDelivered - prrOut, delivered);
            if (safeAck) {
                sndCnt += segmentMss();
            }
            sndCnt = Math.min(ssthresh - pipe, sndCnt);
        }
        if (sndCnt < 0) {
            sndCnt = 0;
        }
        if (prrOut == 0 && sndCnt == 0) {
            sndCnt = segmentMss(); // the fast retransmit goes whatever the proportion says
        }
        prrWindow = (int) Math.min((long) pipe + sndCnt, Integer.MAX_VALUE);
    }

    /**
     * What recovery with SACK lets out: the window the last ACK set by Proportional Rate
     * Reduction (RFC 9937; it replaces RFC 6675 §5's cwnd = ssthresh) less the pipe. Data
     * sent since that ACK is in the pipe, so the room shrinks as it goes out.
     */
    private int sackRecoveryRoom() {
        return Math.max(0, prrWindow - pipe());
    }

    /** A data segment of {@code length} bytes went out: RFC 9937 prr_out, in recovery. */
    void dataSent(final int length) {
        if (inRecovery) {
            prrOut += length;
        }
    }

    /**
     * RFC 6675 §5 step (C): while cwnd − pipe ≥ 1 SMSS, send NextSeg(), with PRR's window for
     * cwnd (RFC 9937) and a segment sent if it fits the room (a 100-byte hole needs 100 bytes
     * of it, not an SMSS: PRR counts bytes where Linux counts packets). Here rule (1), the
     * lost holes above HighRxt; rule (2), new data, is {@link #transmit}'s, which asks the
     * same room; rules (3) and (4) are {@link #sackRecoveryRule3} and
     * {@link #sackRescueRetransmission}, after it.
     */
    private void sackRecoverySend(final long nowNs) {
        detectLostRetransmissions();
        for (int guard = 0; guard < 64; guard++) {
            if (!retransmitNextHole(nowNs, lostBoundary(), sackRecoveryRoom())) {
                return;
            }
        }
    }

    /**
     * A retransmission lost in recovery: data first sent after this recovery's latest
     * retransmission is SACKed, yet holes below HighRxt are still unSACKed, so the copies
     * sent into them were lost too (Linux's tcp_mark_lost_retrans; RACK, RFC 8985 §6.2, says
     * the same by send time). HighRxt goes back to SND.UNA and rule (1) resends them; RFC 6675
     * alone would wait for the RTO, with its backoff.
     */
    private void detectLostRetransmissions() {
        if (sackedRanges == 0 || !Seq.gt(highRxt, sndUna) || !Seq.gt(sackedEnd[sackedRanges - 1], rxtSndNxt)) {
            return;
        }
        if (unsackedBytes(sndUna, highRxt) > 0) {
            highRxt = sndUna;
            rxtSndNxt = sndNxt;
            layer.countLostRetransmit();
        }
    }

    /**
     * RFC 6675 §4 NextSeg() rule (3), once rules (1) and (2) had nothing to send and room is
     * left: an unSACKed hole above HighRxt and below the highest SACKed byte, not yet deemed
     * lost, is sent again (SHOULD). Without it a loss near the tail, with too little SACKed
     * above it to be deemed lost and no new data to send, waited for the RTO.
     */
    private void sackRecoveryRule3(final long nowNs) {
        for (int guard = 0; guard < 64 && sackedRanges > 0; guard++) {
            if (!retransmitNextHole(nowNs, sackedEnd[sackedRanges - 1], sackRecoveryRoom())) {
                return;
            }
        }
    }

    /**
     * RFC 6675 §4 NextSeg() rule (4), the rescue retransmission: when rules (1) to (3) sent
     * nothing and room is left, one segment that holds the highest unSACKed byte outstanding
     * goes again, once per recovery (HighACK > RescueRxt), HighRxt unchanged. It keeps the
     * ACK clock going when the tail of the window is lost and there is no new data: without
     * it, a loss there waited for the RTO.
     */
    private void sackRescueRetransmission(final long nowNs) {
        if (rescueSent && !Seq.gt(sndUna, rescueRxt)) {
            return;
        }
        final boolean finOut = finSent && Seq.gt(sndNxt, finSeq);
        int end = sndNxt - (finOut ? 1 : 0);
        for (int i = sackedRanges - 1; i >= 0; i--) {
            if (!Seq.lt(sackedEnd[i], end) && Seq.lt(sackedStart[i], end)) {
                end = sackedStart[i]; // the top is SACKed: the highest unSACKed byte is below it
            }
        }
        if (!Seq.gt(end, sndUna) || (Seq.gt(highRxt, sndUna) && !Seq.gt(end, highRxt))) {
            return; // nothing unSACKed, or already resent in this recovery
        }
        final int from = Seq.gt(end - segmentMss(), sndUna) ? end - segmentMss() : sndUna;
        if (end - from > sackRecoveryRoom()) {
            return;
        }
        rescueSent = true;
        rescueRxt = recover;
        rxtSndNxt = sndNxt;
        rttStartNs = NO_SAMPLE;
        layer.countRetransmit();
        layer.countSackRetransmit();
        layer.sendData(this, from, TcpHeader.ACK, from - sndUna, end - from, nowNs);
    }

    /**
     * RFC 6675 §4 NextSeg() rules (1) and (3): the first byte above SND.UNA and above what
     * this recovery already retransmitted (HighRxt) that the peer has not SACKed and that lies
     * below {@code limit} (the lost boundary for rule 1, the highest SACKed byte for rule 3),
     * sent again as one segment up to the next SACKed range.
     *
     * @param room what recovery may send now ({@link #sackRecoveryRoom}): a segment larger
     *             waits for more, rather than going out cut short
     * @return false if there was no such byte, or its segment did not fit in {@code room}
     */
    private boolean retransmitNextHole(final long nowNs, final int limit, final int room) {
        if (sackedRanges == 0) {
            return false;
        }
        int from = Seq.gt(highRxt, sndUna) ? highRxt : sndUna;
        for (int i = 0; i < sackedRanges; i++) {
            if (!Seq.gt(sackedStart[i], from) && Seq.lt(from, sackedEnd[i])) {
                from = sackedEnd[i];
            }
        }
        if (!Seq.lt(from, limit)) {
            return false;
        }
        int holeEnd = limit;
        for (int i = 0; i < sackedRanges; i++) {
            if (Seq.gt(sackedStart[i], from)) {
                holeEnd = Seq.lt(sackedStart[i], limit) ? sackedStart[i] : limit;
                break;
            }
        }
        final boolean finOut = finSent && Seq.gt(sndNxt, finSeq);
        final int dataEnd = sndNxt - (finOut ? 1 : 0);
        final int length = Math.min(segmentMss(), Math.min(holeEnd - from, dataEnd - from));
        if (length <= 0 || length > room) {
            return false;
        }
        rttStartNs = NO_SAMPLE;
        layer.countRetransmit();
        layer.countSackRetransmit();
        layer.sendData(this, from, TcpHeader.ACK, from - sndUna, length, nowNs);
        highRxt = from + length;
        rxtSndNxt = sndNxt;
        return true;
    }

    /**
     * Sends the first unacknowledged segment again (fast retransmit, partial ACK), SND.NXT
     * unchanged: at most SMSS and {@code maxLength} bytes of data.
     */
    private void retransmitFirstUnacknowledged(final long nowNs, final int maxLength) {
        final boolean finOut = finSent && Seq.gt(sndNxt, finSeq);
        final int dataOut = sndNxt - sndUna - (finOut ? 1 : 0);
        final int length = Math.min(Math.min(segmentMss(), dataOut), maxLength);
        rttStartNs = NO_SAMPLE; // Karn: no sample across a retransmission
        layer.countRetransmit();
        if (length > 0) {
            final int flags = TcpHeader.ACK | (finOut && length == dataOut ? TcpHeader.FIN : 0);
            layer.sendData(this, sndUna, flags, 0, length, nowNs);
        } else if (finOut) {
            layer.sendControl(this, finSeq, rcvNxt, TcpHeader.FIN | TcpHeader.ACK, TcpLayer.NO_SYN_OPTIONS, nowNs);
        }
    }

    /** SND.WND from a segment: scaled (RFC 7323 §2.3), except the SYN-ACK's, before scaling is agreed. */
    private void updateWindow(final Segment seg) {
        sndWnd = seg.window << sndWindowScale;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
        if (sndWnd > 0) {
            persistDeadlineNs = Long.MAX_VALUE;
            persistBackoffNs = 0;
        }
    }

    /**
     * Trims the text to the receive window (§3.10.7.4) and stores it, in order or not.
     *
     * @return true if the ACK must go at once (RFC 5681 §4.2, RFC 9293 §3.8.6.3): the
     *         segment was out of order, a duplicate, or filled (part of) a gap
     */
    private boolean receiveText(final Segment seg) {
        int offset = seg.seq - rcvNxt;   // may be negative: part already received
        int dataOffset = seg.dataOffset;
        int length = seg.dataLength;
        if (offset < 0) {
            noteDuplicate(seg);
            dataOffset -= offset;
            length += offset;
            offset = 0;
        }
        final int room = receiveBuffer.window() - offset;
        if (length > room) {
            length = Math.max(room, 0);
        }
        if (length <= 0) {
            layer.countDuplicateData();
            return true;
        }
        final boolean gaps = receiveBuffer.outOfOrderRangeCount() > 0;
        // In order into an empty buffer: lent, not copied; onSegment settles it.
        final int advanced = offset == 0 && receiveBuffer.isEmpty()
            ? receiveBuffer.lend(seg.data, dataOffset, length)
            : receiveBuffer.write(offset, seg.data, dataOffset, length);
        if (advanced > 0) {
            rcvNxt += advanced;
            unackedBytes += advanced;
            return gaps || offset > 0;
        }
        layer.countOutOfOrder();
        lastOutOfOrderSeq = rcvNxt + offset;
        return true;
    }

    /**
     * The peer's FIN was taken in (RCV.NXT passed it). The application hears of it
     * ({@code onPeerClosed}) only after every byte before the FIN was delivered: in CLOSE-WAIT
     * that may be later, when it resumes reading.
     */
    private void onPeerFin(final long nowNs) {
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> {
                setState(TcpState.CLOSE_WAIT);
                notifyPeerClosedIfDrained();
            }
            case FIN_WAIT_1 -> {
                if (finSent && sndUna == finSeq + 1) {
                    if (receiveBuffer.readable() == 0) {
                        notifyPeerClosed();
                    }
                    layer.enterTimeWait(this, nowNs);
                } else {
                    setState(TcpState.CLOSING); // simultaneous close (§3.6, Figure 13)
                    notifyPeerClosedIfDrained();
                }
            }
            case FIN_WAIT_2 -> {
                if (receiveBuffer.readable() == 0) {
                    notifyPeerClosed();
                }
                layer.enterTimeWait(this, nowNs);
            }
            default -> { }
        }
    }

    /** The last bytes of a connection that already ended were taken: now it may say so. */
    private void finishDraining() {
        draining = false;
        layer.releaseReceiveBuffer(this);
        notifyPeerClosed();
        notifyClosed(CloseReason.NORMAL);
    }

    private void notifyPeerClosedIfDrained() {
        final boolean afterFin = state == TcpState.CLOSE_WAIT || state == TcpState.CLOSING || state == TcpState.LAST_ACK;
        if (peerFinReceived && afterFin && receiveBuffer.readable() == 0) {
            notifyPeerClosed();
        }
    }

    /**
     * Tells the application once. Entering TIME-WAIT gives the buffers back, so bytes the
     * application has not consumed by then are lost (it closed its side first and left them).
     */
    private void notifyPeerClosed() {
        if (!peerClosedNotified) {
            peerClosedNotified = true;
            handler.onPeerClosed(this);
        }
    }

    private void onReset() {
        switch (state) {
            case SYN_RECEIVED -> {
                if (listener == null) {
                    layer.countAttemptFail();
                    terminate(CloseReason.REFUSED);
                } else {
                    terminate(CloseReason.RESET_BY_PEER); // back to LISTEN: the listener stays
                }
            }
            case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> {
                layer.countEstabReset();
                terminate(CloseReason.RESET_BY_PEER);
            }
            default -> terminate(CloseReason.RESET_BY_PEER);
        }
    }

    private void establish() {
        cc = layer.newCongestionControl(sendMss);
        sndSml = sndUna;
        if (layer.keepAliveIdleNs > 0) {
            lastHeardNs = layer.nowNs();
            keepAliveDeadlineNs = lastHeardNs + layer.keepAliveIdleNs;
        }
        recover = iss; // RFC 6582 §3.2 step 1
        setState(TcpState.ESTABLISHED);
        handler.onConnected(this);
    }

    // ---------------------------------------------------------------- delivery and sending

    /** Hands in-order bytes to the application until it stops consuming. */
    private void deliver() {
        while (isLive() || draining) {
            final int contiguous = receiveBuffer.readableContiguous();
            if (contiguous == 0) {
                if (draining) {
                    finishDraining();
                } else {
                    notifyPeerClosedIfDrained();
                }
                return;
            }
            corked = true;
            final int consumed;
            try {
                consumed = handler.onData(this, receiveBuffer.readBuffer(), receiveBuffer.readOffset(), contiguous);
            } finally {
                corked = false;
            }
            if (consumed <= 0) {
                return;
            }
            receiveBuffer.consume(Math.min(consumed, contiguous));
            if (consumed < contiguous) {
                return;
            }
        }
    }

    /** RCV.WND: free receive-buffer space, at most what the window field can say (RFC 7323 §2.3). */
    int receiveWindow() {
        return Math.min(receiveBuffer.window(), 0xFFFF << rcvWindowScale);
    }

    /**
     * The window to advertise: RFC 9293 §3.8.6.2.2 (RFC 1122 §4.2.3.3) receiver SWS
     * avoidance. The right edge RCV.NXT + RCV.WND moves only when the space freed beyond it
     * is at least min(half the buffer, SMSS); until then the window offered keeps the old
     * edge, so an application that reads a few bytes at a time does not draw tiny segments.
     */
    int windowToAdvertise() {
        final int free = receiveWindow();
        if (!rcvEdgeAdvertised) {
            return free;
        }
        final int held = rcvAdvertisedEdge - rcvNxt;
        if (held < 0 || free - held >= Math.min(receiveBuffer.capacity() / 2, sendMss)) {
            return free;
        }
        return Math.min(held, free);
    }

    /** Records a window the peer will read, in bytes (after scaling), with RCV.NXT as sent. */
    void windowAdvertised(final int bytes) {
        lastAdvertisedWindow = bytes;
        rcvAdvertisedEdge = rcvNxt + bytes;
        rcvEdgeAdvertised = true;
    }

    /** Sends what the send window and the MSS allow, and the FIN once all data is out. */
    void transmit(final long nowNs) {
        transmit(nowNs, false);
    }

    /**
     * Whether a segment of {@code length} < SMSS may go now (RFC 9293 §3.8.6.2.1 and §3.7.4):
     * when it is all the data queued and no small segment is unacknowledged (Nagle, in
     * Minshall's form, as Linux; always with noDelay or a FIN queued), or when it is at least
     * half the largest window the peer offered, or when the override timeout fired.
     */
    private boolean maySendSmall(final int length, final int unsent, final boolean force) {
        if (force) {
            return true;
        }
        if (length == unsent) {
            return noDelay || finQueued || !Seq.gt(sndSml, sndUna);
        }
        return length >= maxSndWnd / 2;
    }

    /**
     * RFC 5681 §3.2 step 1 (Limited Transmit, RFC 3042): on the first and second duplicate
     * ACK, one segment each of data never sent before may go beyond cwnd, which stays as it
     * is. With a small window a single loss otherwise brings fewer than three duplicates and
     * waits for the RTO (seen against Linux at 1 % loss: 200 ms stalls, cwnd ~3 segments).
     */
    private int limitedTransmitRoom(final int mss) {
        return !inRecovery && dupAcks > 0 && sndNxt == sndMax ? Math.min(dupAcks, 2) * mss : 0;
    }

    private void transmit(final long nowNs, final boolean force) {
        if (state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT && state != TcpState.FIN_WAIT_1
            && state != TcpState.CLOSING && state != TcpState.LAST_ACK) {
            return;
        }
        if (sndNxt == sndUna && lastSendNs != 0 && nowNs - lastSendNs > rtoNs) {
            cc.onIdleRestart(); // RFC 5681 §4.1: idle for longer than an RTO
        }
        // With a link that segments (TSO), one segment may carry many MSS of data.
        final int mss = segmentMss();
        final int maxSegmentData = layer.maxSegmentData(mss);
        for (int guard = 0; guard < 1024; guard++) {
            final int inFlight = sndNxt - sndUna - (finSent && Seq.gt(sndNxt, finSeq) ? 1 : 0);
            final int unsent = sendBuffer.size() - inFlight;
            // RFC 5681 §3.1: at most min(cwnd, rwnd) outstanding; in recovery with SACK, RFC
            // 6675 §5 rule (2): new data only as far as cwnd − pipe lets it.
            final int limited = limitedTransmitRoom(mss);
            final int windowLeft = inRecovery && sackOk
                ? Math.min(sndUna + sndWnd - sndNxt, sackRecoveryRoom())
                : sndUna + Math.min(sndWnd, cc.cwnd() + limited + probeAllowance) - sndNxt;
            if (unsent > 0 && windowLeft > 0) {
                int length = Math.min(Math.min(unsent, windowLeft), maxSegmentData);
                if (length > mss && length != unsent) {
                    length -= length % mss; // TSO: whole segments; a small tail waits as usual
                }
                if (length < mss && !maySendSmall(length, unsent, force)) {
                    if (sndNxt == sndUna && overrideDeadlineNs == Long.MAX_VALUE) {
                        // No ACK will come to move things on: the SWS override timeout will.
                        overrideDeadlineNs = nowNs + Math.max(rtoNs / 2, layer.minRtoNs);
                    }
                    return;
                }
                overrideDeadlineNs = Long.MAX_VALUE;
                if (length < mss) {
                    sndSml = sndNxt + length;
                }
                final boolean last = length == unsent;
                // Once the FIN is queued no data is added: the last byte is the one before it,
                // whether the FIN goes for the first time or again after a go-back-N rewind.
                final boolean fin = last && finQueued;
                int flags = TcpHeader.ACK | (last ? TcpHeader.PSH : 0);
                if (fin) {
                    flags |= TcpHeader.FIN;
                }
                layer.sendData(this, sndNxt, flags, inFlight, length, nowNs);
                lastSendNs = nowNs;
                if (limited > 0) {
                    limitedTransmitBytes += length;
                }
                if (rttStartNs == NO_SAMPLE && !Seq.lt(sndNxt, sndMax)) {
                    rttSeq = sndNxt; // new data only: never time a retransmission (Karn)
                    rttStartNs = nowNs;
                }
                sndNxt += length;
                if (Seq.gt(sndNxt, sndMax)) {
                    sndMax = sndNxt;
                }
                if (probeAllowance > 0) {
                    probeAllowance = 0; // one segment only
                } else {
                    // RFC 8985 §7.2: after new data that is not itself a probe, with SND.NXT
                    // past it. Armed before, a flight of one segment (with TSO, often a whole
                    // window) found nothing out and never got a PTO: its loss waited for the RTO.
                    schedulePto(nowNs);
                }
                if (fin) {
                    markFinSent();
                }
                armRetransmit(nowNs);
                continue;
            }
            if (unsent == 0 && finQueued && (!finSent || sndNxt == finSeq)) {
                layer.sendControl(this, sndNxt, rcvNxt, TcpHeader.FIN | TcpHeader.ACK, TcpLayer.NO_SYN_OPTIONS, nowNs);
                markFinSent();
                armRetransmit(nowNs);
            } else if (unsent > 0 && sndWnd == 0 && sndNxt == sndUna && persistDeadlineNs == Long.MAX_VALUE) {
                // §3.8.6.1: a zero window with data waiting: start the persist timer.
                persistBackoffNs = rtoNs;
                persistDeadlineNs = nowNs + persistBackoffNs;
            }
            return;
        }
    }

    private void markFinSent() {
        if (finSent) {
            sndNxt = finSeq + 1; // sent again after a rewind: same number, same state
            return;
        }
        finSeq = sndNxt;
        sndNxt++;
        if (Seq.gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        finSent = true;
        if (state == TcpState.ESTABLISHED) {
            setState(TcpState.FIN_WAIT_1);
        } else if (state == TcpState.CLOSE_WAIT) {
            setState(TcpState.LAST_ACK);
        }
    }

    /** Every segment we send carries ACK = RCV.NXT: nothing is owed any more. */
    void ackSent(final int ack) {
        lastAckSent = ack;
        unackedBytes = 0;
        delayedAckDeadlineNs = Long.MAX_VALUE;
    }

    /**
     * A pure ACK. Its sequence number is SND.MAX, not SND.NXT (as BSD's tcp_output): after a
     * go-back-N rewind SND.NXT may lie below the peer's RCV.NXT, and a segment carrying it is
     * unacceptable there (RFC 9293 §3.10.7.4), so its ACK would never be read; two sides
     * rewound at once then answered each other's ACKs with ACKs until both timed out.
     */
    void sendAck(final long nowNs) {
        layer.sendControl(this, ackSeq(), rcvNxt, TcpHeader.ACK, TcpLayer.NO_SYN_OPTIONS, nowNs);
    }

    /**
     * The sequence number of a pure ACK: SND.MAX, unless that lies beyond the peer's window
     * (a zero-window probe's byte, or a window the peer shrank), where a receiver must find
     * it unacceptable (RFC 9293 §3.10.7.4: with RCV.WND 0 only SEG.SEQ = RCV.NXT is) and so
     * would never read its ACK field; then SND.UNA, which the peer's RCV.NXT is at (Linux's
     * tcp_acceptable_seq uses the window's edge for the same reason). Found by a lossy
     * two-stack seed where both sides' readers stalled: each side's ACKs carried the other's
     * probe byte, so neither learned what the other had received, and one side timed out.
     */
    int ackSeq() {
        return Seq.gt(sndMax, sndUna + sndWnd) ? sndUna : sndMax;
    }

    private void armRetransmit(final long nowNs) {
        if (retransmitDeadlineNs == Long.MAX_VALUE) {
            retransmitDeadlineNs = nowNs + rtoNs;
        }
    }

    private void notifyWritable() {
        if (wantWritable && isLive() && sendBuffer.free() > 0) {
            wantWritable = false;
            handler.onWritable(this);
        }
    }

    /** RFC 6298 §2: SRTT, RTTVAR and RTO from a sample, only for data never retransmitted (Karn). */
    private void sampleRtt(final int ack, final long nowNs) {
        if (rttStartNs == NO_SAMPLE || !Seq.gt(ack, rttSeq)) {
            return;
        }
        final long r = Math.max(nowNs - rttStartNs, 1);
        rttStartNs = NO_SAMPLE;
        addRttSample(r);
    }

    private void addRttSample(final long r) {
        minRttNs = Math.min(minRttNs, r);
        if (srttNs == 0) {
            srttNs = r;
            rttvarNs = r / 2;
        } else {
            rttvarNs = (3 * rttvarNs + Math.abs(srttNs - r)) / 4;
            srttNs = (7 * srttNs + r) / 8;
        }
        rtoNs = Math.min(Math.max(srttNs + Math.max(layer.clockGranularityNs, 4 * rttvarNs), layer.minRtoNs),
            layer.maxRtoNs);
    }

    /**
     * Data bytes the next segment may carry: SMSS less the SACK option it will carry while
     * out-of-order data is held (RFC 2018 §4: SACK on every ACK then, data segments too; RFC
     * 6691: options come out of the MSS, as Linux's tcp_current_mss). The timestamps option
     * is already taken out of {@link #sendMss}.
     */
    int segmentMss() {
        return Math.max(1, sendMss - TcpLayer.sackOptionLength(this));
    }

    /**
     * Timestamps agreed (RFC 7323 §3.2): every segment from now on carries them, which takes
     * 12 bytes from each segment's data.
     */
    void agreeTimestamps(final int peerTsVal, final long nowNs) {
        tsOk = true;
        tsRecent = peerTsVal;
        tsRecentSetNs = nowNs;
        sendMss = Math.max(1, sendMss - TcpLayer.TIMESTAMPS_SPACE);
    }

    /** Our TSval now: a 1 ms clock (RFC 7323 §5.4) with a per-connection offset (§7.1). */
    int tsValue(final long nowNs) {
        return tsClock(nowNs, iss);
    }

    static int tsClock(final long nowNs, final int iss) {
        return (int) (nowNs / 1_000_000L) + Integer.rotateLeft(iss * 0x9E3779B9, 16);
    }

    // ---------------------------------------------------------------- timers

    /**
     * Earliest of the retransmission, loss-probe, RACK reordering, persist, delayed-ACK,
     * SWS-override and keep-alive deadlines.
     */
    long nextDeadlineNs() {
        return Math.min(Math.min(Math.min(retransmitDeadlineNs, persistDeadlineNs), delayedAckDeadlineNs),
            Math.min(Math.min(overrideDeadlineNs, keepAliveDeadlineNs), Math.min(probeDeadlineNs, rackDeadlineNs)));
    }

    void onTimer(final long nowNs) {
        if (delayedAckDeadlineNs != Long.MAX_VALUE && nowNs - delayedAckDeadlineNs >= 0 && isLive()) {
            sendAck(nowNs);
        }
        if (retransmitDeadlineNs != Long.MAX_VALUE && nowNs - retransmitDeadlineNs >= 0) {
            probeDeadlineNs = Long.MAX_VALUE;
            onRetransmitTimeout(nowNs);
        } else if (isLive() && probeDeadlineNs != Long.MAX_VALUE && nowNs - probeDeadlineNs >= 0) {
            onProbeTimeout(nowNs);
        }
        if (isLive() && rackDeadlineNs != Long.MAX_VALUE && nowNs - rackDeadlineNs >= 0) {
            onRackTimeout(nowNs);
        }
        if (isLive() && persistDeadlineNs != Long.MAX_VALUE && nowNs - persistDeadlineNs >= 0) {
            onPersistTimeout(nowNs);
        }
        if (isLive() && overrideDeadlineNs != Long.MAX_VALUE && nowNs - overrideDeadlineNs >= 0) {
            overrideDeadlineNs = Long.MAX_VALUE;
            transmit(nowNs, true);
        }
        if (isLive() && keepAliveDeadlineNs != Long.MAX_VALUE && nowNs - keepAliveDeadlineNs >= 0) {
            onKeepAliveTimeout(nowNs);
        }
        if (isLive()) {
            layer.rearm(this);
        }
    }

    /** Still held by the layer (not CLOSED, not handed over to a TIME-WAIT record). */
    boolean isLive() {
        return state != TcpState.CLOSED && state != TcpState.TIME_WAIT;
    }

    /**
     * RFC 8985 §7.2: arms the probe timeout (PTO) while data is out and nothing else is
     * repairing it: not in fast recovery or after an RTO, not with SACKed data (then the
     * duplicate ACKs do the work), not while a probe is unresolved. PTO = 2 SRTT, plus the
     * peer's worst-case delayed ACK (WCDelAckT, 200 ms) when one segment is out, at least
     * 10 ms (as Linux: the timer's tick and the peer's ACK compression), and only if it
     * comes before the RTO.
     */
    private void schedulePto(final long nowNs) {
        probeDeadlineNs = Long.MAX_VALUE;
        if (!sackOk || inRecovery || retries > 0 || sackedRanges > 0 || probeOut || sndNxt == sndUna || finSent
            || srttNs == 0 || (state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT)) {
            return;
        }
        long pto = 2 * srttNs;
        if (sndNxt - sndUna <= sendMss) {
            pto += WORST_CASE_DELAYED_ACK_NS;
        }
        pto = Math.max(pto, MIN_PTO_NS);
        if (retransmitDeadlineNs != Long.MAX_VALUE && nowNs + pto - retransmitDeadlineNs >= 0) {
            return; // the RTO comes first
        }
        probeDeadlineNs = nowNs + pto;
    }

    /**
     * {@link io.tcpstack.api.StackConfig.Builder#recoveryProbe}, beyond RFC 8985 §7.2 (which
     * arms no PTO in recovery): in SACK recovery, PTO = max(2 SRTT, 10 ms) after the latest
     * ACK, if that comes before the RTO. Nothing without SACK, after an RTO, or with our FIN
     * out (as for the tail loss probe).
     */
    private void scheduleRecoveryProbe(final long nowNs) {
        probeDeadlineNs = Long.MAX_VALUE;
        if (!layer.recoveryProbe || !sackOk || !inRecovery || retries > 0 || sndNxt == sndUna || finSent
            || srttNs == 0) {
            return;
        }
        final long pto = Math.max(2 * srttNs, MIN_PTO_NS);
        if (retransmitDeadlineNs != Long.MAX_VALUE && nowNs + pto - retransmitDeadlineNs >= 0) {
            return; // the RTO comes first
        }
        probeDeadlineNs = nowNs + pto;
    }

    /**
     * The recovery probe fired: no ACK for a PTO in SACK recovery. The highest segment sent
     * goes again (as RFC 8985 §7.3 resends it when there is no new data), beyond cwnd, HighRxt
     * and the pipe unchanged; a receiver that has it answers at once with a D-SACK (RFC 5681
     * §4.2, RFC 2883), one that lacks it with SACK blocks. Once per silence: the next ACK
     * re-arms it, else the RTO follows.
     */
    private void onRecoveryProbeTimeout(final long nowNs) {
        if (!layer.recoveryProbe || !sackOk || retries > 0 || sndNxt == sndUna || finSent) {
            return;
        }
        final int start = Seq.gt(sndNxt - segmentMss(), sndUna) ? sndNxt - segmentMss() : sndUna;
        if (rttStartNs != NO_SAMPLE && !Seq.lt(rttSeq, start)) {
            rttStartNs = NO_SAMPLE; // Karn
        }
        layer.sendData(this, start, TcpHeader.ACK | TcpHeader.PSH, start - sndUna, sndNxt - start, nowNs);
        layer.countRetransmit();
        layer.countRecoveryProbe();
    }

    /**
     * RFC 8985 §7.3: the PTO fired. One segment goes: new data if there is any and the peer's
     * window takes it (beyond cwnd), else the last segment sent again. Its ACK, or the SACK
     * blocks it draws, starts the recovery a lost tail would otherwise wait an RTO for; and a
     * peer that is holding back its ACK answers a duplicate at once. Then the RTO is armed.
     */
    private void onProbeTimeout(final long nowNs) {
        probeDeadlineNs = Long.MAX_VALUE;
        if (inRecovery) {
            onRecoveryProbeTimeout(nowNs);
            return;
        }
        if (retries > 0 || sackedRanges > 0 || probeOut || sndNxt == sndUna || finSent) {
            return;
        }
        final int mss = segmentMss();
        final int before = sndNxt;
        final int unsent = sendBuffer.size() - (sndNxt - sndUna);
        if (unsent > 0 && sndNxt == sndMax && Seq.le(sndNxt + Math.min(mss, unsent), sndUna + sndWnd)) {
            probeAllowance = mss;
            transmit(nowNs, true);
            probeAllowance = 0;
        }
        probeOut = true;
        probeWasRetransmission = sndNxt == before;
        if (probeWasRetransmission) {
            probeStart = Seq.gt(sndNxt - mss, sndUna) ? sndNxt - mss : sndUna;
            if (rttStartNs != NO_SAMPLE && !Seq.lt(rttSeq, probeStart)) {
                rttStartNs = NO_SAMPLE; // Karn
            }
            layer.sendData(this, probeStart, TcpHeader.ACK | TcpHeader.PSH, probeStart - sndUna, sndNxt - probeStart, nowNs);
            layer.countRetransmit();
        }
        probeEnd = sndNxt;
        layer.countLossProbe();
        retransmitDeadlineNs = nowNs + rtoNs;
    }

    /**
     * RFC 8985 §7.4: an ACK while a probe is out. A D-SACK of a retransmitted probe says
     * nothing was lost (RFC 2883): the episode ends. An ACK beyond the probe without one says
     * the probe itself repaired a loss, which must count as congestion (§7.4.2): cwnd and
     * ssthresh are reduced as for a fast recovery entered and left at once.
     */
    private void onAckDuringProbe(final Segment seg) {
        if (probeWasRetransmission && seg.options.sackBlocks() > 0) {
            final int left = seg.options.sackLeft(0);
            final int right = seg.options.sackRight(0);
            if (Seq.le(right, seg.ack) && Seq.lt(left, probeEnd) && Seq.gt(right, probeStart)) {
                probeOut = false;
                return;
            }
        }
        if (Seq.ge(seg.ack, probeEnd)) {
            probeOut = false;
            if (probeWasRetransmission) {
                cc.onFastRetransmit(cc.cwnd()); // the window the loss happened in, halved
                cc.onRecoveryEnd(sndNxt - sndUna);
            }
        }
    }

    /** RFC 6298 §5.4–5.7: retransmit the earliest unacknowledged segment, back off, give up at the limit. */
    private void onRetransmitTimeout(final long nowNs) {
        final int limit = state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED
            ? layer.synRetries : layer.maxRetries;
        if (retries >= limit) {
            if (state == TcpState.SYN_SENT || (state == TcpState.SYN_RECEIVED && listener == null)) {
                layer.countAttemptFail();
            }
            layer.countTimeout();
            abortWithReset(CloseReason.TIMEOUT, nowNs);
            return;
        }
        retries++;
        layer.countRtoExpired();
        probeOut = false;
        rtoNs = Math.min(rtoNs * 2, layer.maxRtoNs);   // §5.5: back off the timer
        rttStartNs = NO_SAMPLE;                       // Karn: no sample from retransmitted data
        retransmitDeadlineNs = nowNs + rtoNs;
        layer.countRetransmit();
        switch (state) {
            case SYN_SENT -> layer.sendControl(this, iss, 0, TcpHeader.SYN, layer.ourSynOptions(), nowNs);
            case SYN_RECEIVED -> sendSynAck(nowNs);
            default -> {
                if (finSent && sndUna == finSeq) {
                    // Only the FIN is outstanding: send it again.
                    layer.sendControl(this, finSeq, rcvNxt, TcpHeader.FIN | TcpHeader.ACK, TcpLayer.NO_SYN_OPTIONS, nowNs);
                    return;
                }
                // RFC 5681 §3.1 / RFC 6582 §4: a timeout collapses the window to one segment
                // and ends any fast recovery; a lost zero-window probe is not congestion.
                if (sndWnd != 0) {
                    cc.onRetransmitTimeout(sndNxt - sndUna);
                    inRecovery = false;
                    rackLostSet = false;
                    rackDeadlineNs = Long.MAX_VALUE;
                    dupAcks = 0;
                    limitedTransmitBytes = 0;
                    recover = sndNxt - 1;
                    sackedRanges = 0; // RFC 6675 §5.1: after a timeout, start the scoreboard afresh
                    highRxt = sndUna;
                }
                // Go back to SND.UNA and send again from there, the FIN after the data, with its
                // own sequence number: a FIN once sent is not taken back (reverting the state
                // made a later ACK of the FIN look like one of data, and a FIN from the peer
                // like a passive close instead of a simultaneous one).
                sndNxt = sndUna;
                final int savedWnd = sndWnd;
                if (sndWnd == 0) {
                    sndWnd = 1; // a lost probe: resend one byte
                }
                transmit(nowNs, true); // a retransmission waits for neither Nagle nor SWS
                sndWnd = savedWnd;
                if (sndNxt == sndUna) {
                    retransmitDeadlineNs = Long.MAX_VALUE;
                }
            }
        }
    }

    /**
     * RFC 9293 §3.8.4, RFC 1122 §4.2.3.6: after the idle time with nothing heard, probe with
     * <SEQ=SND.NXT-1> (the peer answers with an ACK), every interval; give up after the
     * configured number of unanswered probes. The deadline is not moved on each arriving
     * segment: when it fires, it first checks when the peer was last heard.
     */
    private void onKeepAliveTimeout(final long nowNs) {
        final long idleUntil = lastHeardNs + layer.keepAliveIdleNs;
        if (keepAliveProbes == 0 && idleUntil - nowNs > 0) {
            keepAliveDeadlineNs = idleUntil; // heard from since: wait out the idle time again
            return;
        }
        if (keepAliveProbes >= layer.keepAliveProbes) {
            layer.countKeepAliveTimeout();
            abortWithReset(CloseReason.TIMEOUT, nowNs);
            return;
        }
        keepAliveProbes++;
        layer.countKeepAliveProbe();
        layer.sendControl(this, sndNxt - 1, rcvNxt, TcpHeader.ACK, TcpLayer.NO_SYN_OPTIONS, nowNs);
        keepAliveDeadlineNs = nowNs + layer.keepAliveIntervalNs;
    }

    /** Any segment from the peer: it is alive (keep-alive restarts from here). */
    void heardFromPeer(final long nowNs) {
        lastHeardNs = nowNs;
        if (keepAliveProbes > 0) {
            keepAliveProbes = 0;
            keepAliveDeadlineNs = nowNs + layer.keepAliveIdleNs;
        }
    }

    /**
     * §3.8.6.1: probe a zero window with one byte, backing off like the RTO, for as long as
     * the receiver answers (RFC 1122 §4.2.2.17: the sender MUST NOT close the connection
     * while it acknowledges the probes). The probe is the persist timer's alone: SND.NXT
     * stays at SND.UNA and no retransmission is armed (BSD's persist mode), so probes do not
     * use up maxRetries, and when the window opens, transmit() sends from the probed byte on.
     * SND.MAX covers the byte, so an ACK of it is accepted. Unanswered past maxRetries (as
     * Linux's probes_out), the connection times out.
     */
    private void onPersistTimeout(final long nowNs) {
        persistDeadlineNs = Long.MAX_VALUE;
        if (sndWnd != 0 || sendBuffer.size() == 0 || sndNxt != sndUna) {
            return;
        }
        if (probesUnanswered >= layer.maxRetries) {
            layer.countTimeout();
            abortWithReset(CloseReason.TIMEOUT, nowNs);
            return;
        }
        probesUnanswered++;
        layer.countWindowProbe();
        layer.sendData(this, sndNxt, TcpHeader.ACK, 0, 1, nowNs);
        if (Seq.gt(sndNxt + 1, sndMax)) {
            sndMax = sndNxt + 1;
        }
        persistBackoffNs = Math.min(persistBackoffNs * 2, layer.maxRtoNs);
        persistDeadlineNs = nowNs + persistBackoffNs;
    }

    // ---------------------------------------------------------------- endings

    void abortWithReset(final CloseReason reason, final long nowNs) {
        if (state.isSynchronized() || state == TcpState.SYN_SENT) {
            layer.sendReset(remoteAddress, localPort, remotePort, sndNxt, 0, TcpHeader.RST, nowNs);
        }
        terminate(reason);
    }

    /** Removes the connection and tells the application, once. */
    void terminate(final CloseReason reason) {
        final boolean wasLive = isLive();
        setState(TcpState.CLOSED);
        // A normal end (LAST-ACK done) keeps bytes the application has not taken yet.
        draining = wasLive && reason == CloseReason.NORMAL && receiveBuffer != null && receiveBuffer.readable() > 0;
        layer.remove(this);
        if (!draining) {
            notifyClosed(reason);
        }
    }

    void notifyClosed(final CloseReason reason) {
        if (!closedNotified) {
            closedNotified = true;
            handler.onClosed(this, reason);
        }
    }

    /** Every state change goes through here, so the CurrEstab gauge (RFC 4022) stays right. */
    void setState(final TcpState next) {
        final boolean was = state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT;
        final boolean is = next == TcpState.ESTABLISHED || next == TcpState.CLOSE_WAIT;
        state = next;
        if (was != is) {
            layer.gaugeEstablished(is ? 1 : -1);
        }
    }

    // ---------------------------------------------------------------- Connection (application side)

    @Override
    public int send(final DirectBuffer source, final int offset, final int length) {
        if (finQueued || !isLive()) {
            throw new IllegalStateException("connection is closed for sending (" + state + ")");
        }
        final int taken = sendBuffer.append(source, offset, length);
        if (taken < length) {
            wantWritable = true;
        }
        if (taken > 0 && !corked) {
            transmit(layer.nowNs());
            if (isLive()) {
                layer.rearm(this);
            }
        }
        return taken;
    }

    @Override
    public void noDelay(final boolean on) {
        noDelay = on;
        if (on && isLive()) {
            transmit(layer.nowNs());
            layer.rearm(this);
        }
    }

    @Override
    public int sendSpace() {
        return finQueued || !isLive() ? 0 : sendBuffer.free();
    }

    @Override
    public int sendQueued() {
        return isLive() ? sendBuffer.size() : 0;
    }

    @Override
    public void shutdownOutput() {
        if (finQueued || state == TcpState.CLOSED) {
            return;
        }
        finQueued = true;
        if (state == TcpState.SYN_SENT) {
            terminate(CloseReason.NORMAL); // RFC 9293 §3.10.4: CLOSE in SYN-SENT deletes the TCB
            return;
        }
        if (corked) {
            return; // sent with the data when onData returns
        }
        transmit(layer.nowNs());
        if (isLive()) {
            layer.rearm(this);
        }
    }

    @Override
    public void close() {
        shutdownOutput();
    }

    @Override
    public void abort() {
        if (draining) {
            draining = false; // the application drops what it had not read
            layer.releaseReceiveBuffer(this);
            notifyClosed(CloseReason.ABORTED);
            return;
        }
        if (isLive()) {
            abortWithReset(CloseReason.ABORTED, layer.nowNs());
        }
    }

    @Override
    public void resumeReading() {
        deliver();
        if (isLive()) {
            transmit(layer.nowNs()); // what the application sent from onData
            layer.rearm(this);
        }
        if (isLive() && windowToAdvertise() > lastAdvertisedWindow && lastAdvertisedWindow < sendMss) {
            sendAck(layer.nowNs()); // window update after the application made room (§3.8.6.2.2)
        }
    }

    @Override
    public TcpState state() {
        return state;
    }

    @Override
    public int remoteAddress() {
        return remoteAddress;
    }

    @Override
    public int remotePort() {
        return remotePort;
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public long srttNs() {
        return srttNs;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + state + " :" + localPort + " <-> " + io.tcpstack.wire.IpAddress.format(remoteAddress)
            + ":" + remotePort + "]";
    }
}
