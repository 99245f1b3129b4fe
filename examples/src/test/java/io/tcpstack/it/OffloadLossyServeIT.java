package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * {@code --offload on} under {@code --impair} (1 % loss, 1 % duplication, 5 % reordering both
 * ways): the kernel's GSO packets, partial checksums and all, lost, duplicated and reordered
 * whole, and still every byte through the echo service exactly once.
 */
class OffloadLossyServeIT {
    private static final String STACK = "10.7.0.2";

    @TempDir
    static Path dir;
    static String ns;
    static ServeProcess serve;
    static Path counters;

    @BeforeAll
    static void startStack() throws Exception {
        Host.assumeRootAndTun();
        ns = Host.namespaceName();
        counters = dir.resolve("offload-lossy.counters");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--msl", "1",
            "--offload", "on", "--impair", "loss=1%,duplicate=1%,reorder=5%,seed=11");
        assertThat(serve.awaitReady(30)).as(serve.output()).startsWith("ready:");
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
    void twentyMebibytesEchoed_byteExact_withGsoPacketsLostAndReordered() throws Exception {
        Host.echoByteExact(ns, STACK, 20 * 1024 * 1024, 11, dir, 180);
        assertThat(counter("tun.rx.gso_packets")).isPositive();
        assertThat(counter("link.impair.dropped")).isPositive();
        assertThat(counter("link.impair.reordered")).isPositive();
        assertThat(counter("tcp.rx.bad_checksum")).as("held and duplicated frames keep their flag").isZero();
        assertThat(counter("tun.tx.gso_packets")).as("no TSO behind the impairment").isZero();
    }

    private static long counter(final String name) {
        return Host.counter(counters, name);
    }
}
