package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.tcpstack.services.HttpService;

/**
 * TCP against the Linux kernel through a real TUN: curl, socat and bash's /dev/tcp as
 * clients of the stack's services, each checked by content, not only by exit code.
 */
class TcpServeIT {
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
        counters = dir.resolve("tcp.counters");
        serve = ServeProcess.start("serve", "--netns", ns, "--counters", counters.toString(), "--msl", "1");
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

    static String expectedSha256(final long n) throws Exception {
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        final byte[] chunk = new byte[65536];
        for (long done = 0; done < n; ) {
            final int len = (int) Math.min(chunk.length, n - done);
            for (int i = 0; i < len; i++) {
                chunk[i] = HttpService.patternByte(done + i);
            }
            sha.update(chunk, 0, len);
            done += len;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @ParameterizedTest(name = "GET /bytes/{0}")
    @ValueSource(longs = {0, 1, 1460, 65536, 10 * 1024 * 1024})
    void curlBytes_isByteExact(final long n) throws Exception {
        Host.fetchBytesByteExact(ns, STACK, n, dir, 100);
    }

    @Test
    void curlRoot_listsTheServices() {
        final Host.Result r = Host.inNamespace(ns, 30, "curl", "-sS", "--max-time", "10", "http://" + STACK + "/");
        assertThat(r.out()).contains("echo").contains("chargen").contains("/bytes/");
    }

    @Test
    void curlKeepAlive_twoRequestsOneConnection() {
        final Host.Result r = Host.inNamespace(ns, 30, "curl", "-sS", "-v", "--max-time", "10",
            "http://" + STACK + "/bytes/10", "-o", "/dev/null", "http://" + STACK + "/bytes/20", "-o", "/dev/null");
        assertThat(r.out()).contains("Re-using existing connection");
    }

    @Test
    void echo20MiB_bothDirectionsAtOnce_isByteExact() throws Exception {
        Host.echoByteExact(ns, STACK, 20 * 1024 * 1024, 42, dir, 100);
    }

    @Test
    void halfClose_clientShutdownStillReceivesTheRest() {
        // socat half-closes (shutdown SHUT_WR) after stdin ends and keeps reading the echo.
        final Host.Result r = Host.inNamespace(ns, 30, "bash", "-c",
            "printf 'half-close works' | timeout 20 socat -t 5 - TCP:" + STACK + ":7");
        assertThat(r.out()).isEqualTo("half-close works");
    }

    @Test
    void discard_takesEverything() {
        final Host.Result r = Host.inNamespace(ns, 60, "bash", "-c",
            "head -c 5000000 /dev/zero | timeout 30 socat -u - TCP:" + STACK + ":9 && echo sent");
        assertThat(r.out().trim()).isEqualTo("sent");
    }

    @Test
    void chargen_sendsRfc864Lines() {
        final Host.Result r = Host.inNamespace(ns, 30, "bash", "-c",
            "timeout 10 socat -u TCP:" + STACK + ":19 - 2>/dev/null | head -c 148");
        assertThat(r.out()).hasSize(148);
        assertThat(r.out().substring(0, 74)).endsWith("\r\n");
        assertThat(r.out().charAt(74)).isEqualTo((char) (r.out().charAt(0) + 1));
    }

    @Test
    void closedPort_isRefused() {
        final Host.Result r = Host.inNamespace(ns, 10, "bash", "-c", "exec 3<>/dev/tcp/" + STACK + "/8081");
        assertThat(r.out()).contains("Connection refused");
    }

    @Test
    void connectionsHeldOpenAtOnce_200() {
        // 200 bash /dev/tcp connections to discard, held open together, then closed.
        // Forking 200 shells on a loaded 2-core machine can take seconds: the count is polled
        // (up to 10 s) while every connection is still held, not read once after a fixed wait.
        final String script = "for i in $(seq 200); do (exec 3<>/dev/tcp/" + STACK + "/9; sleep 12) & done; "
            + "for t in $(seq 50); do n=$(ss -tn state established dst " + STACK + " | tail -n +2 | wc -l); "
            + "[ \"$n\" -ge 200 ] && break; sleep 0.2; done; echo \"$n\"; wait";
        final Host.Result r = Host.inNamespace(ns, 60, "bash", "-c", script);
        assertThat(Integer.parseInt(r.out().trim().lines().reduce((a, b) -> b).orElse("0").trim()))
            .as(r.out()).isEqualTo(200);
    }

    @Test
    void sequentialConnections_2000_passThroughTimeWait() {
        // "Connection: close" makes the stack close first, so it is the stack that holds TIME-WAIT.
        final long opens = counter("tcp.PassiveOpens");
        final long timeWaits = counter("tcp.timewait.entered");
        final Host.Result r = Host.inNamespace(ns, 300, "bash", "-c",
            "ok=0; for i in $(seq 2000); do if timeout 5 curl -s -o /dev/null -H 'Connection: close' http://" + STACK
                + "/bytes/1 ; then ok=$((ok+1)); fi; done; echo $ok");
        assertThat(r.out().trim()).isEqualTo("2000");
        assertThat(counter("tcp.PassiveOpens") - opens).isEqualTo(2000);
        assertThat(counter("tcp.timewait.entered") - timeWaits).isEqualTo(2000);
    }

    @Test
    void timeWait_lastsTwoMsl_thenIsGone() throws Exception {
        // --msl 1: TIME-WAIT 2 s. Wait for any earlier test's records to expire first.
        waitFor(() -> counter("tcp.timewait.current") == 0, 10_000);
        final Host.Result r = Host.inNamespace(ns, 30, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
            "-H", "Connection: close", "http://" + STACK + "/bytes/5");
        assertThat(r.out()).isEqualTo("200");
        final long start = System.nanoTime();
        assertThat(counter("tcp.timewait.current")).as("in TIME-WAIT right after the close").isEqualTo(1);
        waitFor(() -> counter("tcp.timewait.current") == 0, 10_000);
        final long heldMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(heldMs).as("held about 2 x MSL").isBetween(1500L, 3500L);
    }

    @Test
    void retransmittedSyn_isAnsweredWithTheSameSynAck() throws Exception {
        // SYNs from an address the kernel does not own (10.7.0.5), injected on tun0: the
        // stack's SYN-ACKs go back into the namespace, where tshark sees them and the kernel
        // drops them (it does not forward), so nothing resets the half-open connection.
        final Process capture = new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "20", "tshark", "-n",
            "-i", "tun0", "-c", "2", "-f", "src host " + STACK + " and dst port 5555", "-T", "fields",
            "-e", "tcp.flags", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw").redirectErrorStream(false).start();
        final java.io.BufferedReader err = new java.io.BufferedReader(
            new java.io.InputStreamReader(capture.getErrorStream()));
        for (String line; (line = err.readLine()) != null; ) {
            if (line.contains("Capturing on")) {
                break;
            }
        }
        final byte[] syn = io.tcpstack.testing.TestPackets.tcp(0x0A070005, 0x0A070002, 5555, 80, 77_000, 0, 0x02,
            new byte[0]);
        final org.agrona.concurrent.UnsafeBuffer direct =
            new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(syn.length));
        direct.putBytes(0, syn);
        try (io.tcpstack.tun.PacketSocket socket = io.tcpstack.tun.PacketSocket.open(ns, "tun0")) {
            assertThat(socket.send(direct, 0, syn.length)).isTrue();
            Thread.sleep(100); // the second SYN is the "retransmission": it must come after the first
            assertThat(socket.send(direct, 0, syn.length)).isTrue();
        }
        assertThat(capture.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        final java.util.List<String> lines = new String(capture.getInputStream().readAllBytes()).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("0x0012").endsWith("\t77001");
        assertThat(lines.get(1)).as("the same SYN-ACK, same sequence number").isEqualTo(lines.get(0));
    }

    private static void waitFor(final java.util.function.BooleanSupplier condition, final long timeoutMs)
        throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %d ms", timeoutMs).isLessThan(deadline);
            Thread.sleep(10); // polling another process's counters, not timing our own timers
        }
    }

    private static long counter(final String name) {
        return Host.counter(counters, name);
    }
}
