package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * SYN cookies against the Linux kernel through a real TUN (RFC 4987 §3.6): with
 * {@code --syn-cookies always} every connection is made from a cookie the kernel's ACK
 * returns, with no half-open state kept, and the connections work as any other.
 */
class SynCookiesIT {
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
        counters = dir.resolve("cookies.counters");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--msl", "1",
            "--syn-cookies", "always", "--syn-backlog", "1", "--pcap", dir.resolve("cookies.pcap").toString());
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
    void everyConnectionComesFromACookie_andCarriesDataByteExact() throws Exception {
        final long before = counter("tcp.syncookies.validated");
        final int n = 1_000_000;
        final Path file = dir.resolve("bytes");
        final Host.Result r = Host.inNamespace(ns, 60, "curl", "-sS", "--max-time", "50", "-o", file.toString(),
            "-w", "%{http_code} %{size_download}", "http://" + STACK + "/bytes/" + n);
        assertThat(r.out()).as(r.out()).isEqualTo("200 " + n);
        assertThat(Host.run(30, "sha256sum", file.toString()).out()).startsWith(TcpServeIT.expectedSha256(n));

        // 50 more, sequentially, each fetching /: every one validated from its cookie.
        final Host.Result loop = Host.inNamespace(ns, 60, "bash", "-c",
            "ok=0; for i in $(seq 50); do curl -sS --max-time 5 -o /dev/null -w '%{http_code}\\n' http://" + STACK
                + "/ | grep -q 200 && ok=$((ok+1)); done; echo $ok");
        assertThat(loop.out().trim()).as(loop.out()).isEqualTo("50");

        assertThat(counter("tcp.syncookies.validated") - before).isEqualTo(51);
        assertThat(counter("tcp.syncookies.invalid")).isZero();
        assertThat(counter("tcp.listen.half_open")).as("no half-open state at all").isZero();
        assertThat(counter("tcp.listen.synack_retransmits")).isZero();

        // Linux's SYNs carry timestamps: the cookie SYN-ACK brought its window scale and
        // SACK-permitted back in TSecr, so the connections use all three (as a kernel's would).
        final Host.Result scaled = Host.run(60, "tshark", "-r", dir.resolve("cookies.pcap").toString(), "-Y",
            "ip.src == " + STACK + " && tcp.flags.syn == 0 && tcp.options.timestamp.tsval", "-T", "fields",
            "-e", "frame.number");
        assertThat(scaled.out().lines().count()).as("segments with timestamps from cookie connections").isPositive();
        final Host.Result synAcks = Host.run(60, "tshark", "-r", dir.resolve("cookies.pcap").toString(), "-Y",
            "ip.src == " + STACK + " && tcp.flags.syn == 1 && tcp.options.wscale.shift && tcp.options.sack_perm",
            "-T", "fields", "-e", "frame.number");
        assertThat(synAcks.out().lines().count()).as("cookie SYN-ACKs with window scale and SACK-permitted").isGreaterThanOrEqualTo(51);
    }

    private static long counter(final String name) {
        return Host.counter(counters, name);
    }
}
