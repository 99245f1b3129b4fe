package io.tcpstack.experiments.synflood;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class AnalysisTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1000 * MS;

    static Config config() {
        return new Config(Path.of("out"), 20_000, 10, 5, 5, 1024, 5, List.of("on"), List.of("stack"), 100, 3000, 0, 1,
            List.of("java", "-cp", "x", "Main"), null);
    }

    static Attempt ok(final long startNs, final long connectUs) {
        return new Attempt(startNs, connectUs * 1000, 200_000, true, "");
    }

    static Attempt failed(final long startNs) {
        return new Attempt(startNs, -1, -1, false, "connect-timeout");
    }

    static Sample sample(final long tNs, final double halfOpen, final double cookiesSent, final double old) {
        final double[] v = new double[Metric.values().length];
        Arrays.fill(v, Double.NaN);
        v[Metric.HALF_OPEN.ordinal()] = halfOpen;
        v[Metric.COOKIES_SENT.ordinal()] = cookiesSent;
        v[Metric.HEAP_OLD.ordinal()] = old;
        v[Metric.RSS.ordinal()] = 100 << 20;
        return new Sample(tNs, v);
    }

    /** 20 s at 100/s: baseline 5 s at 1 ms, flood 10 s at 2 ms with the given failures, after 5 s. */
    static RunResult run(final String cookies, final int floodFailures, final long lastFailureAfterNs) {
        final List<Attempt> attempts = new ArrayList<>();
        int failuresLeft = floodFailures;
        for (long t = 0; t < 20 * S; t += 10 * MS) {
            if (t < 5 * S) {
                attempts.add(ok(t, 1000));
            } else if (t <= 15 * S) {
                attempts.add(failuresLeft-- > 0 ? failed(t) : ok(t, 2000));
            } else {
                attempts.add(t <= 15 * S + lastFailureAfterNs ? failed(t) : ok(t, 1000));
            }
        }
        final List<Sample> samples = new ArrayList<>();
        for (long t = -S / 2; t <= 20 * S; t += 100 * MS) {
            final boolean flooding = t >= 5 * S;
            samples.add(sample(t, flooding ? 1024 : 3, flooding ? (t - 5 * S) / MS : 0, 2 << 20));
        }
        return new RunResult("stack-cookies-" + cookies, "tcpstack, cookies " + cookies, "stack", cookies, 1024,
            List.of("settings"), 5 * S, 15 * S, new SynFlooder.Result(200_000, 200_000, 0, 0, 5 * S, 5 * S + 199_999 * 50_000L), attempts,
            samples, null);
    }

    @Test
    void phasesAndPercentiles() {
        final Analysis.Summary s = Analysis.summarize(run("on", 0, -1), config());
        assertThat(s.baseline().attempts()).isEqualTo(500);
        assertThat(s.flood().attempts()).isEqualTo(1001);
        assertThat(s.after().attempts()).isEqualTo(499);
        assertThat(s.flood().successPct()).isEqualTo(100.0);
        assertThat(s.baseline().connectUs(99)).isBetween(999L, 1001L);
        assertThat(s.flood().connectUs(99)).isBetween(1998L, 2002L);
        assertThat(s.maxHalfOpenInFlood()).isEqualTo(1024);
        assertThat(s.floodDeltas().get(Metric.COOKIES_SENT)).isEqualTo(15_000);
        assertThat(s.buckets()).hasSize(40);
        assertThat(s.buckets().get(0).stats().attempts()).isEqualTo(50);
        assertThat(s.checks()).extracting(Analysis.Check::met).containsExactly(true, true, true);
    }

    @Test
    void cookiesOn_missesWhenMoreThanOnePercentFail() {
        final Analysis.Summary s = Analysis.summarize(run("on", 11, -1), config());
        assertThat(s.flood().successPct()).isLessThan(99.0);
        assertThat(s.checks().get(1).met()).isFalse();
        assertThat(s.flood().errors()).containsEntry("connect-timeout", 11);
    }

    @Test
    void cookiesOff_checksBoundMemoryAndRecovery() {
        final Analysis.Summary back = Analysis.summarize(run("off", 900, 500 * MS), config());
        assertThat(back.checks()).extracting(Analysis.Check::what).containsExactly("flood at 20,000 SYN/s or more for 10 s (within 0.5 %)",
            "half-open count held at its bound (1024, +2; unproven sources get 3/4)", "memory flat: old generation grows < 4 MiB over the flood",
            "service returns within 1 s of the flood's end");
        assertThat(back.recoveryNs()).isEqualTo(510 * MS);
        assertThat(back.checks()).extracting(Analysis.Check::met).containsExactly(true, true, true, true);

        final Analysis.Summary late = Analysis.summarize(run("off", 900, 1500 * MS), config());
        assertThat(late.recoveryNs()).isEqualTo(1510 * MS);
        assertThat(late.checks().get(3).met()).isFalse();

        final Analysis.Summary never = Analysis.summarize(run("off", 900, 10 * S), config());
        assertThat(never.recoveryNs()).isEqualTo(-1);
        assertThat(never.firstSuccessAfterNs()).isEqualTo(-1);
        assertThat(never.checks().get(3).measured()).isEqualTo("not within the 5 s after the flood");
    }

    @Test
    void aConnectThatNeededASynRetransmissionIsNotYetService() {
        final List<Attempt> a = List.of(ok(10 * S + 1 * MS, 1_005_000), ok(10 * S + 2 * MS, 1_001_000),
            ok(10 * S + 3 * MS, 300), ok(10 * S + 4 * MS, 200));
        assertThat(Analysis.recoveryNs(a, 10 * S)).isEqualTo(3 * MS);
        assertThat(Analysis.firstSuccessAfter(a, 10 * S)).isEqualTo(1 * MS);
    }

    @Test
    void recoveryIsFromTheLastFailure() {
        final List<Attempt> a = List.of(ok(10 * S + 1, 1), failed(10 * S + 2 * MS), ok(10 * S + 3 * MS, 1),
            failed(10 * S + 4 * MS), ok(10 * S + 5 * MS, 1), ok(10 * S + 6 * MS, 1));
        assertThat(Analysis.recoveryNs(a, 10 * S)).isEqualTo(5 * MS);
        assertThat(Analysis.firstSuccessAfter(a, 10 * S)).isEqualTo(1);
    }

    @Test
    void sampleAtTakesTheLastOneBefore() {
        final List<Sample> s = List.of(sample(0, 1, 0, 0), sample(100, 2, 0, 0), sample(200, 3, 0, 0));
        assertThat(Analysis.sampleAt(s, 150).get(Metric.HALF_OPEN)).isEqualTo(2);
        assertThat(Analysis.sampleAt(s, -5).get(Metric.HALF_OPEN)).isEqualTo(1);
        assertThat(Analysis.sampleAt(s, 999).get(Metric.HALF_OPEN)).isEqualTo(3);
        assertThat(Analysis.max(s, Metric.HALF_OPEN, 50, 150)).isEqualTo(2);
        assertThat(Analysis.max(s, Metric.KERNEL_REQSK, 0, 999)).isNaN();
    }
}
