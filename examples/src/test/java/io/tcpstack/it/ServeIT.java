package io.tcpstack.it;

import static io.tcpstack.testing.TestPackets.echoRequest;
import static io.tcpstack.testing.TestPackets.fixIpChecksum;
import static io.tcpstack.testing.TestPackets.ipv4;
import static io.tcpstack.testing.TestPackets.pattern;
import static io.tcpstack.testing.TestPackets.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.tcpstack.testing.TestPackets;
import io.tcpstack.tun.PacketSocket;

/**
 * {@code tcpstack serve} on a real TUN in a namespace this test creates, with the Linux
 * kernel as the peer: ping, fragments, a flood, closed TCP ports, malformed packets, the
 * pcap, and a clean stop. The namespace is removed even if a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeIT {
    private static final String STACK = "10.7.0.2";
    private static final Pattern RECEIVED = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

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
        counters = dir.resolve("serve.counters");
        pcap = dir.resolve("serve.pcap");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--pcap", pcap.toString());
        final String ready = serve.awaitReady(30);
        assertThat(ready).as("ready line; output so far:%n%s", serve.output())
            .isEqualTo("ready: stack 10.7.0.2 on tun0 in netns " + ns);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (serve != null) {
            serve.close();
        }
        if (ns != null) {
            Host.deleteNamespace(ns);
        }
    }

    private static int[] pingCounts(final String output) {
        final Matcher m = RECEIVED.matcher(output);
        assertThat(m.find()).as("ping summary in:%n%s", output).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    @Test
    @Order(1)
    void ping20_allAnswered() {
        final Host.Result r = Host.inNamespace(ns, 30, "ping", "-n", "-c", "20", "-i", "0.05", "-W", "2", STACK);
        assertThat(pingCounts(r.out())).as(r.out()).containsExactly(20, 20);
        assertThat(r.out()).contains("from 10.7.0.2");
    }

    @Test
    @Order(2)
    void ping1472_fillsTheMtuExactly() {
        final Host.Result r = Host.inNamespace(ns, 30, "ping", "-n", "-c", "5", "-i", "0.05", "-W", "2", "-M", "do",
            "-s", "1472", STACK);
        assertThat(pingCounts(r.out())).as(r.out()).containsExactly(5, 5);
        assertThat(r.out()).contains("1480 bytes from 10.7.0.2");
    }

    @Test
    @Order(3)
    void ping4000_isReassembledAndTheReplyFragmented_rfc791_3_2() {
        final Host.Result r = Host.inNamespace(ns, 30, "ping", "-n", "-c", "5", "-i", "0.05", "-W", "2",
            "-s", "4000", STACK);
        assertThat(pingCounts(r.out())).as(r.out()).containsExactly(5, 5);
        assertThat(r.out()).contains("4008 bytes from 10.7.0.2");
        assertThat(counter("ip.reasm.datagrams")).isGreaterThanOrEqualTo(5);
        assertThat(counter("ip.tx.fragments")).isGreaterThanOrEqualTo(15);
    }

    @Test
    @Order(4)
    void floodPing10000_atMostOneInAThousandLost() {
        final Host.Result r = Host.inNamespace(ns, 120, "ping", "-n", "-q", "-f", "-c", "10000", "-W", "1", STACK);
        final int[] counts = pingCounts(r.out());
        assertThat(counts[0]).as(r.out()).isEqualTo(10000);
        assertThat(counts[1]).as("received, of 10000 (≤ 0.1%% loss)%n%s", r.out()).isGreaterThanOrEqualTo(9990);
    }

    @Test
    @Order(5)
    void tcpConnect_isRefusedAtOnce_rfc9293_3_10_7_1() {
        final long before = counter("tcp.OutRsts");
        final Host.Result r = Host.inNamespace(ns, 10, "bash", "-c", "exec 3<>/dev/tcp/" + STACK + "/81");
        assertThat(r.exitCode()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("Connection refused");
        assertThat(r.elapsedMs()).as("refused, not timed out").isLessThan(2000);
        assertThat(counter("tcp.OutRsts")).isGreaterThan(before);
    }

    /** Malformed packets sent from the namespace, each with the counter that must take it. */
    static Map<String, byte[]> malformed() {
        final Map<String, byte[]> m = new LinkedHashMap<>();
        final byte[] good = echoRequest(7, 7, pattern(32));
        m.put("ip.rx.truncated", Arrays.copyOf(good, 12));
        m.put("ip.rx.bad_version", fixIpChecksum(set(good.clone(), 0, 0x55)));
        m.put("ip.rx.bad_header_length", set(good.clone(), 0, 0x44));
        m.put("ip.rx.bad_total_length", Arrays.copyOf(good, good.length - 3));
        m.put("ip.rx.bad_checksum", set(good.clone(), 11, good[11] ^ 0x22));
        m.put("ip.rx.not_for_us", fixIpChecksum(set(good.clone(), 19, 3)));
        m.put("ip.rx.bad_source", fixIpChecksum(set(good.clone(), 12, 127)));
        m.put("ip.rx.options_unsupported", withOptions(good));
        m.put("icmp.rx.truncated", ipv4(TestPackets.HOST, TestPackets.STACK, 1, 9, 0, new byte[] {8, 0, 0, 0}));
        m.put("icmp.rx.bad_checksum", set(good.clone(), 30, good[30] ^ 0x08));
        final byte[] syn = tcp(TestPackets.HOST, TestPackets.STACK, 999, 80, 1, 0, 2, new byte[0]);
        m.put("tcp.rx.bad_checksum", set(syn.clone(), 37, syn[37] ^ 0x77));
        m.put("tcp.rx.bad_header_length", set(syn.clone(), 32, 0x30));
        m.put("ip.reasm.bad_fragment", ipv4(TestPackets.HOST, TestPackets.STACK, 1, 11, 0x2000, new byte[13]));
        m.put("ip.rx.unknown_protocol", ipv4(TestPackets.HOST, TestPackets.STACK, 132, 12, 0, pattern(16)));
        return m;
    }

    @Test
    @Order(6)
    void malformedPackets_eachDroppedAndCounted_whilePingsStillSucceed() throws Exception {
        final Map<String, byte[]> cases = malformed();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(12);
        final Map<String, Long> before = new HashMap<>();
        cases.keySet().forEach(name -> before.put(name, counter(name)));
        try (PacketSocket socket = PacketSocket.open(ns, "tun0")) {
            for (final Map.Entry<String, byte[]> c : cases.entrySet()) {
                final byte[] packet = c.getValue();
                final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(packet.length));
                direct.putBytes(0, packet);
                assertThat(socket.send(direct, 0, packet.length)).as(c.getKey()).isTrue();
            }
        }
        final Host.Result r = Host.inNamespace(ns, 30, "ping", "-n", "-c", "3", "-i", "0.1", "-W", "2", STACK);
        assertThat(pingCounts(r.out())).as(r.out()).containsExactly(3, 3);
        for (final String name : cases.keySet()) {
            assertThat(counter(name) - before.get(name)).as(name).isEqualTo(1);
        }
    }

    @Test
    @Order(7)
    void countersAreReadLiveFromTheMappedFile_byAnotherProcess() {
        final long before = counter("icmp.echo.replies");
        Host.inNamespace(ns, 10, "ping", "-n", "-c", "1", "-W", "2", STACK);
        assertThat(counter("icmp.echo.replies")).isEqualTo(before + 1);
        assertThat(counter("tun.rx.packets")).isGreaterThan(0);
    }

    @Test
    @Order(8)
    void statCommand_readsTheCountersFromAnotherProcess_withRates() {
        final Host.Result r = Host.run(30, ServeProcess.javaBinary(), "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            "io.tcpstack.cli.Main", "stat", "--counters", counters.toString(), "--interval", "200", "--count", "2");
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("icmp\\.echo\\.replies\\s+[\\d,]+\\n")
            .containsPattern("icmp\\.echo\\.replies\\s+[\\d,]+\\s+[\\d,.]+/s");
    }

    @Test
    @Order(100)
    void sigint_stopsCleanly_printsCounters_removesNamespace_andThePcapReadsBackInTshark() throws Exception {
        final int exit = serve.interruptAndWait(20);
        final String output = serve.output();
        assertThat(exit).as(output).isZero();
        assertThat(output).contains("stopped after").containsPattern("icmp\\.echo\\.replies\\s+[\\d,]+");
        assertThat(Host.namespaceExists(ns)).as("namespace removed").isFalse();
        assertThat(Host.run(10, "ip", "-o", "link", "show", "type", "tun").out()).doesNotContain("tun0");

        assertThat(Files.size(pcap)).isGreaterThan(24);
        final Host.Result tshark = Host.run(120, "tshark", "-n", "-r", pcap.toString(), "-Y", "icmp.type == 0 && ip.src == 10.7.0.2");
        assertThat(tshark.exitCode()).as(tshark.out()).isZero();
        assertThat(tshark.out().lines().filter(l -> l.contains("Echo (ping) reply")).count())
            .as("echo replies seen by tshark").isGreaterThanOrEqualTo(20);
        final Host.Result requests = Host.run(120, "tshark", "-n", "-r", pcap.toString(), "-Y", "icmp.type == 8", "-T", "fields", "-e", "ip.src");
        assertThat(requests.out()).contains("10.7.0.1");
    }

    private static long counter(final String name) {
        return Host.counter(counters, name);
    }

    private static byte[] set(final byte[] p, final int index, final int value) {
        p[index] = (byte) value;
        return p;
    }

    private static byte[] withOptions(final byte[] p) {
        final byte[] q = new byte[p.length + 4];
        System.arraycopy(p, 0, q, 0, 20);
        q[20] = 1;
        q[21] = 1;
        q[22] = 1;
        q[23] = 0;
        System.arraycopy(p, 20, q, 24, p.length - 20);
        q[0] = 0x46;
        q[2] = (byte) (q.length >>> 8);
        q[3] = (byte) q.length;
        return fixIpChecksum(q);
    }
}
