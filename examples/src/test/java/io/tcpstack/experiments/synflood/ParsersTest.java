package io.tcpstack.experiments.synflood;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What the experiment reads from others: /proc files, HTTP responses, gVisor's dump. */
class ParsersTest {
    @Test
    void procNetNetstat() {
        final String text = "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed ListenOverflows ListenDrops\n"
            + "TcpExt: 10 2 3 0 77\n"
            + "IpExt: InNoRoutes InTruncatedPkts\n"
            + "IpExt: 1 0\n";
        final Map<String, Long> v = ProcFs.parseNetstat(text);
        assertThat(v).containsEntry("TcpExt.SyncookiesSent", 10L).containsEntry("TcpExt.ListenDrops", 77L)
            .containsEntry("IpExt.InNoRoutes", 1L).hasSize(7);
        assertThat(ProcFs.parseNetstat("Tcp: RtoAlgorithm CurrEstab\nTcp: 1 -1\n")).containsEntry("Tcp.CurrEstab", -1L);
    }

    @Test
    void procNetTcp_countsSynRecvOnThePort() {
        final String text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 0200080A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n"
            + "   1: 0200080A:0050 4D00080A:C350 03 00000000:00000000 02:00000197 00000001     0        0 0\n"
            + "   2: 0200080A:0050 4E00080A:C351 03 00000000:00000000 02:00000197 00000001     0        0 0\n"
            + "   3: 0200080A:0051 4F00080A:C352 03 00000000:00000000 02:00000197 00000001     0        0 0\n"
            + "   4: 0200080A:0050 0100080A:9C40 01 00000000:00000000 00:00000000 00000000     0        0 5\n";
        assertThat(ProcFs.countState(text, 80, "03")).isEqualTo(2);
        assertThat(ProcFs.countState(text, 80, "0A")).isEqualTo(1);
    }

    @Test
    void procStatusAndSlabinfo() {
        assertThat(ProcFs.parseRssBytes("Name:\tjava\nVmRSS:\t  102400 kB\nThreads: 20\n")).isEqualTo(100L << 20);
        assertThat(ProcFs.parseRssBytes("Name:\tkthread\n")).isEqualTo(-1);
        final String slab = "slabinfo - version: 2.1\n"
            + "request_sock_TCPv6      0      0    320   12    1 : tunables    0    0    0 : slabdata      0      0      0\n"
            + "request_sock_TCP     120    144    320   12    1 : tunables    0    0    0 : slabdata     10     10      0\n";
        assertThat(ProcFs.parseSlabBytes(slab, "request_sock_TCP")).isEqualTo(120 * 320);
        assertThat(ProcFs.parseSlabBytes(slab, "none")).isEqualTo(-1);
    }

    private static boolean feed(final LegitClient.ResponseReader r, final String s) {
        final byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return r.feed(b, 0, b.length);
    }

    @Test
    void httpResponse_splitAnywhere() {
        final String response = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\ncontent-length: 5\r\n\r\nhello";
        for (int cut = 0; cut <= response.length(); cut++) {
            final LegitClient.ResponseReader r = new LegitClient.ResponseReader();
            final boolean early = feed(r, response.substring(0, cut));
            assertThat(early).as("cut %d", cut).isEqualTo(cut == response.length());
            if (cut < response.length()) {
                assertThat(feed(r, response.substring(cut))).isTrue();
            }
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.contentLength()).isEqualTo(5);
        }
    }

    @Test
    void httpResponse_errorsAndEmptyBodies() {
        final LegitClient.ResponseReader notFound = new LegitClient.ResponseReader();
        assertThat(feed(notFound, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")).isTrue();
        assertThat(notFound.status()).isEqualTo(404);
        final LegitClient.ResponseReader garbage = new LegitClient.ResponseReader();
        assertThat(feed(garbage, "SSH-2.0-OpenSSH\r\n\r\n")).isFalse(); // no length: until the peer closes
        assertThat(garbage.status()).isZero();
        final LegitClient.ResponseReader noLength = new LegitClient.ResponseReader();
        assertThat(feed(noLength, "HTTP/1.0 200 OK\r\n\r\nbody")).isFalse();
        assertThat(noLength.status()).isEqualTo(200);
    }

    @Test
    void gvisorDump() {
        final GvisorTarget.Dump dump = new GvisorTarget.Dump();
        assertThat(dump.offer("ready: stack 10.7.0.2 on tun0 in netns x")).isTrue();
        assertThat(dump.offer("gvisor-peer: 4 registered TCP endpoints")).isFalse();
        assertThat(dump.offer("  10.7.0.2:80 <- 10.7.0.9:1234 SYN-RCVD")).isFalse();
        assertThat(dump.offer("  10.7.0.2:80 <- 10.7.0.8:1235 SYN-RCVD")).isFalse();
        assertThat(dump.offer("  10.7.0.2:80 <- 10.7.0.1:40000 ESTABLISHED")).isFalse();
        assertThat(dump.offer("  10.7.0.2:80 <- 0.0.0.0:0 LISTEN")).isFalse();
        assertThat(dump.offer("gvisor-peer: tcp passive-opens 12 established-now 1 resets-sent 0 resets-rcvd 0 "
            + "retransmits 7 fast-retransmit 0 timeouts 0 invalid-segs 0 checksum-errors 0 syn-cookies-sent 900 "
            + "listen-syn-drops 3")).isFalse();
        final double[] row = new double[Metric.values().length];
        dump.copyTo(row);
        assertThat(row[Metric.HALF_OPEN.ordinal()]).isEqualTo(2);
        assertThat(row[Metric.PASSIVE_OPENS.ordinal()]).isEqualTo(12);
        assertThat(row[Metric.COOKIES_SENT.ordinal()]).isEqualTo(900);
        assertThat(row[Metric.SYN_DROPS.ordinal()]).isEqualTo(3);
        assertThat(row[Metric.COOKIES_VALIDATED.ordinal()]).isNaN();
    }
}
