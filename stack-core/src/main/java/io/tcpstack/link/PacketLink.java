package io.tcpstack.link;

import org.agrona.DirectBuffer;

/**
 * A point-to-point link that carries raw IPv4 packets (no link-layer header): the TUN
 * device in production, {@link MemoryLink} in tests.
 *
 * <p>Both {@link #poll} and {@link #send} are called by the stack thread only.
 */
public interface PacketLink extends AutoCloseable {
    /**
     * Hands at most {@code limit} received packets to {@code handler}, without blocking.
     *
     * @return the number of packets handed over
     */
    int poll(FrameHandler handler, int limit);

    /**
     * Sends one packet (a single {@code write()} on a TUN).
     *
     * @return {@code true} if the packet was handed to the link, {@code false} if it was
     *         dropped (the link counts why)
     */
    boolean send(DirectBuffer buffer, int offset, int length);

    /**
     * Whether received packets wait to be polled. Any thread; it must see what the link's
     * producer published. Links that cannot tell say {@code false}: a parked stack thread
     * then finds their packets only when its park times out.
     */
    default boolean hasPending() {
        return false;
    }

    /**
     * When the link next has work for {@link #poll} that no arrival brings: a packet it
     * holds back for a delay and hands over (or sends) once this time comes, in nanoseconds
     * of the clock the stack runs on; {@link Long#MAX_VALUE} if it holds none (the default:
     * links that only pass packets on). A parked stack thread wakes by then. Stack thread.
     */
    default long nextDueNs() {
        return Long.MAX_VALUE;
    }

    /**
     * Asks the link to run {@code waker} (from its own thread) after it made a received
     * packet visible to {@link #poll}, so a parked stack thread can be woken at once. Links
     * without a thread of their own ignore it.
     */
    default void onArrival(final Runnable waker) {
    }

    /**
     * The largest TCP/IPv4 packet, in bytes, {@link #sendSegmented} takes (TSO: the link cuts
     * it into MTU-sized segments), or 0 if the link cannot segment (the default). Fixed for
     * the link's life: the stack reads it once, when it is built over the link.
     */
    default int segmentationMax() {
        return 0;
    }

    /**
     * Sends one TCP/IPv4 packet larger than the MTU for the link to cut into segments of
     * {@code segmentPayload} data bytes each (the last may be shorter), every one with the
     * IP and TCP header of this packet, sequence numbers, lengths, IDs and checksums fixed
     * up. The IP header must be complete; the TCP checksum field must hold the pseudo-header
     * sum (RFC 9293 §3.1, with the whole packet's TCP length), folded and not complemented:
     * the link finishes it per segment. Only if {@link #segmentationMax()} &gt; 0. A packet
     * within the MTU (data no more than {@code segmentPayload}, or {@code segmentPayload} 0)
     * is sent as it is, the link finishing only its checksum.
     *
     * @param headerLength   IP plus TCP header bytes
     * @param segmentPayload data bytes per segment (the MSS), or 0 for a packet within the MTU
     * @return as {@link #send}
     */
    default boolean sendSegmented(final DirectBuffer buffer, final int offset, final int length,
        final int headerLength, final int segmentPayload) {
        throw new UnsupportedOperationException("this link cannot segment");
    }

    /** The largest packet, in bytes, this link carries (the interface MTU). */
    int mtu();

    @Override
    void close();
}
