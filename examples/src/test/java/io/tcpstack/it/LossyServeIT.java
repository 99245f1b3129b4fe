package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tcpstack.stats.StackCounters;

/**
 * The TCP under loss against the Linux kernel through a real TUN (issue 5). This kernel has
 * no {@code sch_netem} ("Specified qdisc kind is unknown"), so the faults come from the
 * stack's own {@code --impair}: 1 % loss, 1 % duplication and 5 % reordering of every packet
 * both ways between the TUN and the stack. Byte-exact transfers, loss recovery by fast
 * retransmit (not only timeouts), and SACK blocks on the wire.
 */
class LossyServeIT {
    private static final String STACK = "10.7.0.2";

    @TempDir
    static Path dir;
    static String ns;
    static ServeProcess serve;
    static Path counters;
    static Path pcap;

    @BeforeAll
    static void startStack() throws Exception {
        Host.assumeRootAndTun();
        ns = Host.namespaceName();
        counters = dir.resolve("lossy.counters");
        pcap = dir.resolve("lossy.pcap");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--msl", "1",
            "--impair", "loss=1%,duplicate=1%,reorder=5%,seed=5", "--pcap", pcap.toString());
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
    void fiftyMebibytesOut_byteExact_underLoss() throws Exception {
        final long n = 50L * 1024 * 1024;
        final Path file = dir.resolve("out");
        final Host.Result r = Host.inNamespace(ns, 200, "curl", "-sS", "--max-time", "180", "-o", file.toString(),
            "-w", "%{http_code} %{size_download}", "http://" + STACK + "/bytes/" + n);
        assertThat(r.out()).as(r.out()).isEqualTo("200 " + n);
        assertThat(Host.run(60, "sha256sum", file.toString()).out()).startsWith(TcpServeIT.expectedSha256(n));
        Files.delete(file);
        assertThat(counter("tcp.fast_retransmits") + counter("tcp.sack_retransmits"))
            .as("losses repaired by fast retransmit / SACK, not only by timeouts").isPositive();
        assertThat(counter("link.impair.dropped")).isPositive();
    }

    @Test
    void fiftyMebibytesIn_andBackOut_throughEcho_byteExact_underLoss() throws Exception {
        final Path in = dir.resolve("echo-in");
        final Path out = dir.resolve("echo-out");
        final byte[] data = new byte[50 * 1024 * 1024];
        new Random(5).nextBytes(data);
        Files.write(in, data);
        final Host.Result r = Host.inNamespace(ns, 240, "bash", "-c",
            "timeout 220 socat -b 65536 -t 20 - TCP:" + STACK + ":7 < " + in + " > " + out);
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(Files.size(out)).isEqualTo(data.length);
        assertThat(Files.mismatch(in, out)).isEqualTo(-1);
        Files.delete(in);
        Files.delete(out);
        // The stack took in reordered and lost data from the kernel: it said so with SACK
        // blocks (RFC 2018), seen in its own capture.
        final Host.Result sack = Host.run(120, "tshark", "-r", pcap.toString(), "-Y",
            "ip.src == " + STACK + " && tcp.options.sack_le", "-T", "fields", "-e", "frame.number");
        assertThat(sack.out().lines().count()).as("ACKs with SACK blocks from the stack").isPositive();
    }

    private static long counter(final String name) {
        final CountersReader reader = StackCounters.openReader(counters);
        final long[] value = {-1};
        reader.forEach((id, label) -> {
            if (label.equals(name)) {
                value[0] = reader.getCounterValue(id);
            }
        });
        return value[0];
    }
}
