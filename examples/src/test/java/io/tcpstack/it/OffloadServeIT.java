package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * {@code serve --offload on} against the Linux kernel through a real TUN opened with
 * {@code IFF_VNET_HDR} and checksum + TSO4 offloads (issue 5): the kernel hands over TCP
 * packets of up to 64 KiB with partial checksums, which the stack takes whole and does not
 * verify, and the stack sends packets of up to 64 KiB for the kernel to segment (TSO).
 * Byte-exact both ways, and the GSO packets counted each way.
 */
class OffloadServeIT {
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
        counters = dir.resolve("offload.counters");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--msl", "1",
            "--offload", "on");
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
    void tenMebibytesOut_byteExact_sentAsTsoPackets() throws Exception {
        final long tsoBefore = counter("tun.tx.gso_packets");
        final long n = 10L * 1024 * 1024;
        final Path file = dir.resolve("out");
        final Host.Result r = Host.inNamespace(ns, 120, "curl", "-sS", "--max-time", "100", "-o", file.toString(),
            "-w", "%{http_code} %{size_download}", "http://" + STACK + "/bytes/" + n);
        assertThat(r.out()).as(r.out()).isEqualTo("200 " + n);
        assertThat(Host.run(60, "sha256sum", file.toString()).out()).startsWith(TcpServeIT.expectedSha256(n));
        Files.delete(file);
        assertThat(counter("tun.rx.csum_partial")).as("the kernel's ACKs came with partial checksums").isPositive();
        assertThat(counter("tun.tx.gso_packets") - tsoBefore).as("super-segments for the kernel to cut").isPositive();
        assertThat(counter("tun.tx.errors")).isZero();
        assertThat(counter("tcp.rx.bad_checksum")).isZero();
    }

    @Test
    void twentyMebibytesIn_andBackOut_throughEcho_byteExact_inboundAsGsoPackets() throws Exception {
        final long gsoBefore = counter("tun.rx.gso_packets");
        final long trustedBefore = counter("tcp.rx.checksum_trusted");
        final Path in = dir.resolve("echo-in");
        final Path out = dir.resolve("echo-out");
        final byte[] data = new byte[20 * 1024 * 1024];
        new Random(7).nextBytes(data);
        Files.write(in, data);
        final Host.Result r = Host.inNamespace(ns, 120, "bash", "-c",
            "timeout 100 socat -b 65536 -t 10 - TCP:" + STACK + ":7 < " + in + " > " + out);
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(Files.size(out)).isEqualTo(data.length);
        assertThat(Files.mismatch(in, out)).isEqualTo(-1);
        Files.delete(in);
        Files.delete(out);
        assertThat(counter("tun.rx.gso_packets") - gsoBefore).as("super-segments from the kernel's TSO").isPositive();
        assertThat(counter("tcp.rx.checksum_trusted") - trustedBefore).isPositive();
        assertThat(counter("tcp.rx.bad_checksum")).isZero();
        assertThat(counter("tun.rx.errors")).isZero();
    }

    @Test
    void discard_fiftyMebibytesIn_asGsoPackets() {
        final long gsoBefore = counter("tun.rx.gso_packets");
        final Host.Result r = Host.inNamespace(ns, 60, "bash", "-c",
            "head -c 52428800 /dev/zero | timeout 30 socat -u - TCP:" + STACK + ":9 && echo sent");
        assertThat(r.out().trim()).isEqualTo("sent");
        assertThat(counter("tun.rx.gso_packets") - gsoBefore).isPositive();
    }

    @Test
    void ping_stillAnswered() {
        final Host.Result r = Host.inNamespace(ns, 20, "ping", "-c", "2", "-i", "0.2", "-W", "2", STACK);
        assertThat(r.exitCode()).as(r.out()).isZero();
    }

    private static long counter(final String name) {
        return Host.counter(counters, name);
    }
}
