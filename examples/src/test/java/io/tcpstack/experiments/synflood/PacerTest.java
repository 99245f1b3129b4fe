package io.tcpstack.experiments.synflood;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The flood's schedule, in simulated time: no sleeping, no clock. */
class PacerTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    /** Drives the pacer every {@code stepNs} as a sender that sends everything due. */
    private static long drive(final Pacer p, final long startNs, final long stepNs, final long untilNs) {
        long sent = 0;
        p.start(startNs);
        for (long t = startNs; t <= untilNs && !p.finished(t); t += stepNs) {
            final long due = p.due(t);
            p.claim(due);
            sent += due;
        }
        return sent;
    }

    @Test
    void sendsAtTheRate_andStopsAtTheCount() {
        final Pacer p = new Pacer(20_000, 200_000, 10 * S, 200);
        assertThat(drive(p, 5 * S, 50_000, 6 * S - 50_000)).isEqualTo(20_000); // [0, 1 s): exactly rate × 1 s
        final Pacer q = new Pacer(20_000, 200_000, 10 * S, 200);
        assertThat(drive(q, 0, 50_000, 20 * S)).isEqualTo(200_000);
        assertThat(q.finished(10 * S - 1)).isTrue(); // the count ran out before the time
        assertThat(q.skipped()).isZero();
    }

    @Test
    void firstPacketAtOnce_nextOneAfterOneInterval() {
        final Pacer p = new Pacer(1000, 10, S, 10);
        p.start(100);
        assertThat(p.due(100)).isEqualTo(1);
        p.claim(1);
        assertThat(p.due(100 + MS - 1)).isZero();
        assertThat(p.nanosUntilDue(100)).isEqualTo(MS);
        assertThat(p.due(100 + MS)).isEqualTo(1);
    }

    @Test
    void stopsAtTheTimeLimit_evenWithPacketsLeft() {
        final Pacer p = new Pacer(1000, 1_000_000, 2 * S, 1000);
        final long sent = drive(p, 0, MS / 2, 100 * S);
        assertThat(sent).isEqualTo(2000);
        assertThat(p.finished(2 * S)).isTrue();
        assertThat(p.due(2 * S)).isZero();
    }

    @Test
    void aStalledSenderSkipsInsteadOfBursting() {
        final Pacer p = new Pacer(10_000, 100_000, 10 * S, 50);
        p.start(0);
        p.claim(p.due(0));
        // 100 ms without running: 1000 packets owed; at most 50 may go at once, the rest is skipped.
        final long due = p.due(100 * MS);
        assertThat(due).isEqualTo(50);
        assertThat(p.skipped()).isEqualTo(1001 - 1 - 50);
        p.claim(due);
        assertThat(p.due(100 * MS)).isZero();
        assertThat(p.claimed() + p.skipped()).isEqualTo(1001);
    }

    @Test
    void nothingDueBeforeStart_andBadSettingsRefused() {
        assertThat(new Pacer(10, 10, S, 1).due(0)).isZero();
        assertThatThrownBy(() -> new Pacer(0, 10, S, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pacer(10, -1, S, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pacer(10, 10, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pacer(10, 10, S, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
