package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segmentation offload under loss (issue 5): {@code --offload on} and no {@code --impair}, so
 * the stack sends TSO super-segments and takes the kernel's GSO packets whole, while the
 * kernel on the namespace side drops and duplicates packets ({@link KernelSideFaults}). A
 * packet dropped there is a whole super-segment, up to 64 KiB of data lost at once: the SACK
 * recovery must resend a run of segments, not one.
 */
class TsoLossyServeIT {
    private static final String STACK = "10.7.0.2";

    @TempDir
    static Path dir;
    static String ns;
    static ServeProcess serve;
    static Path counters;
    static KernelSideFaults faults;

    @BeforeAll
    static void startStack() throws Exception {
        Host.assumeRootAndTun();
        faults = KernelSideFaults.probe();
        ns = Host.namespaceName();
        counters = dir.resolve("tso-lossy.counters");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--msl", "1",
            "--offload", "on");
        assertThat(serve.awaitReady(30)).as(serve.output()).startsWith("ready:");
        faults.apply(ns, "tun0", STACK, dir);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (serve != null) {
            assertThat(serve.interruptAndWait(20)).isZero();
        }
        if (ns != null) {
            Host.deleteNamespace(ns);
        }
    }

    @Test
    void fiftyMebibytesOut_inTsoSuperSegments_byteExact_underLoss() throws Exception {
        Host.fetchBytesByteExact(ns, STACK, 50L * 1024 * 1024, dir, 180);
        assertThat(counter("tun.tx.gso_packets")).as("TSO super-segments sent").isPositive();
        assertThat(counter("tcp.fast_retransmits") + counter("tcp.sack_retransmits")).isPositive();
        assertThat(faults.faultsSoFar()).as("packets the kernel dropped or duplicated").isPositive();
    }

    @Test
    void twentyMebibytesEchoed_gsoInTsoOut_byteExact_underLoss() throws Exception {
        Host.echoByteExact(ns, STACK, 20 * 1024 * 1024, 13, dir, 180);
        assertThat(counter("tun.rx.gso_packets")).as("the kernel's GSO packets taken whole").isPositive();
        assertThat(counter("tcp.rx.bad_checksum")).isZero();
    }

    private static long counter(final String name) {
        return Host.counter(counters, name);
    }
}
