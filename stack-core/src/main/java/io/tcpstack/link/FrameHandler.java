package io.tcpstack.link;

import org.agrona.MutableDirectBuffer;

/**
 * Receives one raw IPv4 packet from a {@link PacketLink}.
 *
 * <p>The buffer is only valid for the duration of the call: it is a slot of the link's
 * inbound ring, handed over without a copy. The handler may rewrite bytes in place but
 * must not keep a reference past its return.
 */
@FunctionalInterface
public interface FrameHandler {
    /**
     * @param buffer the buffer holding the packet
     * @param offset where the IPv4 header starts
     * @param length the number of bytes the link received (may be larger or smaller than
     *               what the IPv4 header claims: validating that is the stack's job)
     */
    void onFrame(MutableDirectBuffer buffer, int offset, int length);

    /**
     * {@link #onFrame(MutableDirectBuffer, int, int, int)} flag: the link vouches for the
     * transport checksum (an offloading TUN: the local kernel left a partial checksum for the
     * device to finish, or validated it already), so the stack does not verify it.
     */
    int CHECKSUM_TRUSTED = 1;

    /**
     * A packet with what the link knows about it. Links without offloads call the
     * three-argument form; this default ignores the flags, so handlers that cannot use them
     * (and lambdas) verify everything as usual.
     *
     * @param flags 0 or {@link #CHECKSUM_TRUSTED}
     */
    default void onFrame(final MutableDirectBuffer buffer, final int offset, final int length, final int flags) {
        onFrame(buffer, offset, length);
    }
}
