package io.tcpstack.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpServiceTest {
    private static final String GET_BYTES = "GET /bytes/%d HTTP/1.1\r\nHost: t\r\n\r\n";

    /** One parsed response. */
    record Response(int status, String statusLine, Map<String, String> headers, byte[] body, int end) {
        String header(final String name) {
            return headers.get(name.toLowerCase());
        }

        String bodyAscii() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /** Parses the response starting at {@code from}; {@code head}: a HEAD response, no body. */
    static Response parse(final byte[] all, final int from, final boolean head) {
        final String text = new String(all, StandardCharsets.ISO_8859_1);
        final int headEnd = text.indexOf("\r\n\r\n", from);
        assertThat(headEnd).as("end of head in: %s", text.substring(from)).isPositive();
        final String[] lines = text.substring(from, headEnd).split("\r\n");
        final Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            assertThat(headers.put(lines[i].substring(0, colon).toLowerCase(), lines[i].substring(colon + 1).trim()))
                .as("duplicate header %s", lines[i]).isNull();
        }
        assertThat(lines[0]).startsWith("HTTP/1.1 ");
        final int status = Integer.parseInt(lines[0].substring(9, 12));
        final long length = Long.parseLong(headers.get("content-length"));
        final int bodyStart = headEnd + 4;
        final int bodyLength = head ? 0 : (int) length;
        assertThat(all.length).as("body complete").isGreaterThanOrEqualTo(bodyStart + bodyLength);
        return new Response(status, lines[0], headers, Arrays.copyOfRange(all, bodyStart, bodyStart + bodyLength),
            bodyStart + bodyLength);
    }

    /** Parses all responses; {@code heads[i]}: response i answers a HEAD. */
    static List<Response> parseAll(final byte[] all, final boolean... heads) {
        final List<Response> responses = new ArrayList<>();
        int at = 0;
        for (final boolean head : heads) {
            final Response r = parse(all, at, head);
            responses.add(r);
            at = r.end();
        }
        assertThat(at).as("no bytes after the responses").isEqualTo(all.length);
        return responses;
    }

    static byte[] pattern(final long n) {
        final byte[] b = new byte[(int) n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ((i * 31L + (i >>> 8)) & 0xFF);
        }
        return b;
    }

    static FakeConnection connection(final int sendCapacity) {
        return new FakeConnection(HttpService.factory().get(), sendCapacity).connect();
    }

    static Response only(final FakeConnection c) {
        return parseAll(c.sent(), false).get(0);
    }

    @Nested
    class Pattern {
        @Test
        void patternByte_followsTheDocumentedFormula() {
            assertThat(HttpService.patternByte(0)).isEqualTo((byte) 0);
            assertThat(HttpService.patternByte(1)).isEqualTo((byte) 31);
            assertThat(HttpService.patternByte(9)).isEqualTo((byte) 23); // 279 & 0xFF
            assertThat(HttpService.patternByte(256)).isEqualTo((byte) 1); // 7936 + 1
            assertThat(HttpService.patternByte(257)).isEqualTo((byte) 32);
            final long big = (1L << 40) - 3;
            assertThat(HttpService.patternByte(big)).isEqualTo((byte) ((big * 31 + (big >>> 8)) & 0xFF));
        }

        @Test
        void patternByte_hasPeriod65536() {
            for (long i = 0; i < 70_000; i += 7) {
                assertThat(HttpService.patternByte(i + 65536 * 1234567L)).isEqualTo(HttpService.patternByte(i));
            }
        }
    }

    @Nested
    class Routes {
        @Test
        void getRoot_isHtmlListingTheServices() {
            final FakeConnection c = connection(10_000);
            c.receive("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            final Response r = only(c);
            assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(r.header("Server")).isEqualTo("tcpstack");
            assertThat(r.header("Content-Type")).startsWith("text/html");
            assertThat(r.bodyAscii()).startsWith("<!DOCTYPE html>")
                .contains("echo, port 7").contains("discard, port 9").contains("chargen, port 19")
                .contains("http, port 80").contains("/bytes/N");
            assertThat(r.header("Connection")).isNull();
            assertThat(c.shutdownCalls).isZero();
        }

        @Test
        void bytes0_exactResponse() {
            final FakeConnection c = connection(10_000);
            c.receive(String.format(GET_BYTES, 0));
            assertThat(c.sentAscii()).isEqualTo("HTTP/1.1 200 OK\r\nServer: tcpstack\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 0\r\n\r\n");
        }

        @Test
        void bytes1_isOneZeroByte() {
            final FakeConnection c = connection(10_000);
            c.receive(String.format(GET_BYTES, 1));
            final Response r = only(c);
            assertThat(r.header("Content-Length")).isEqualTo("1");
            assertThat(r.body()).containsExactly(0);
        }

        @ParameterizedTest(name = "GET /bytes/{0}")
        @ValueSource(ints = {1460, 4000, 65536, 200_000})
        void bytesN_isExactPattern_streamedThroughASmallSendBuffer(final int n) throws Exception {
            final FakeConnection c = connection(1000);
            c.receive(String.format(GET_BYTES, n));
            if (n > 1000) {
                assertThat(c.sent()).hasSize(1000); // streamed: only what the buffer takes
            }
            c.pump(100_000);
            final Response r = only(c);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
            assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(n));
            assertThat(r.body()).isEqualTo(pattern(n));
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            assertThat(sha.digest(r.body())).isEqualTo(sha.digest(pattern(n)));
            assertThat(c.shutdownCalls).isZero();
        }

        @Test
        void headBytes_headersOnly_evenAtTheLimit() {
            final FakeConnection c = connection(10_000);
            c.receive("HEAD /bytes/1099511627776 HTTP/1.1\r\nHost: t\r\n\r\n");
            final Response r = parseAll(c.sent(), true).get(0);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo("1099511627776");
            assertThat(r.body()).isEmpty();
        }

        @Test
        void headRoot_hasThePageLength_noBody() {
            final FakeConnection c = connection(10_000);
            c.receive("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
            final Response r = parseAll(c.sent(), true).get(0);
            assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(HttpService.indexPage().length));
        }

        @Test
        void queryIgnored_andAbsoluteFormAccepted() {
            final FakeConnection c = connection(10_000);
            c.receive("GET /bytes/3?x=1 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET http://t/bytes/2 HTTP/1.1\r\nHost: t\r\n\r\n");
            final List<Response> r = parseAll(c.sent(), false, false);
            assertThat(r.get(0).body()).isEqualTo(pattern(3));
            assertThat(r.get(1).body()).isEqualTo(pattern(2));
        }
    }

    @Nested
    class Connections {
        @Test
        void keepAlive_twoRequestsOneConnection() {
            final FakeConnection c = connection(10_000);
            c.receive(String.format(GET_BYTES, 10));
            assertThat(parseAll(c.sent(), false)).hasSize(1);
            c.receive("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            final List<Response> r = parseAll(c.sent(), false, false);
            assertThat(r.get(0).body()).isEqualTo(pattern(10));
            assertThat(r.get(1).header("Content-Type")).startsWith("text/html");
            assertThat(c.shutdownCalls).isZero();
        }

        @Test
        void pipelined_answeredInOrder_underBackPressure() {
            final FakeConnection c = connection(50);
            c.receive(String.format(GET_BYTES, 300) + "HEAD /bytes/7 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: t\r\n\r\n" + String.format(GET_BYTES, 5));
            assertThat(c.unconsumed()).as("later requests wait in the receive buffer").isPositive();
            c.pump(10_000);
            final List<Response> r = parseAll(c.sent(), false, true, false, false);
            assertThat(r.get(0).body()).isEqualTo(pattern(300));
            assertThat(r.get(1).header("Content-Length")).isEqualTo("7");
            assertThat(r.get(2).bodyAscii()).contains("chargen");
            assertThat(r.get(3).body()).isEqualTo(pattern(5));
            assertThat(c.unconsumed()).isZero();
            assertThat(c.resumeCalls).isPositive();
            assertThat(c.shutdownCalls).isZero();
        }

        @Test
        void connectionClose_respondsThenShutsDownOutput() {
            final FakeConnection c = connection(100);
            c.receive("GET /bytes/500 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertThat(c.shutdownCalls).isZero();
            c.pump(1000);
            final Response r = only(c);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.body()).isEqualTo(pattern(500));
            assertThat(c.shutdownCalls).isEqualTo(1);
            assertThat(c.sentAtShutdown).isEqualTo(c.sent().length);
        }

        @Test
        void connectionTokenList_closeFound() {
            final FakeConnection c = connection(10_000);
            c.receive("GET / HTTP/1.1\r\nHost: t\r\nconnection: Upgrade ,  CLOSE\r\n\r\n");
            assertThat(only(c).header("Connection")).isEqualTo("close");
            assertThat(c.outputShut()).isTrue();
        }

        @Test
        void http10_closesByDefault() {
            final FakeConnection c = connection(10_000);
            c.receive("GET /bytes/4 HTTP/1.0\r\n\r\n");
            final Response r = only(c);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.body()).isEqualTo(pattern(4));
            assertThat(c.sentAtShutdown).isEqualTo(c.sent().length);
        }

        @Test
        void http10_keepAliveOnRequest() {
            final FakeConnection c = connection(10_000);
            c.receive("GET /bytes/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                .receive("GET /bytes/2 HTTP/1.0\r\n\r\n");
            final List<Response> r = parseAll(c.sent(), false, false);
            assertThat(r.get(0).header("Connection")).isEqualTo("keep-alive");
            assertThat(r.get(1).header("Connection")).isEqualTo("close");
            assertThat(c.shutdownCalls).isEqualTo(1);
        }

        @Test
        void byteByByte_answersOnlyAfterTheLastByte() {
            final FakeConnection c = connection(10_000);
            final byte[] request = ("\r\nGET /bytes/10 HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n"
                + "GET /bytes/3 HTTP/1.1\nHost: t\n\n").getBytes(StandardCharsets.US_ASCII);
            final int firstEnd = new String(request, StandardCharsets.US_ASCII).indexOf("\r\n\r\n") + 4;
            for (int i = 0; i < request.length; i++) {
                c.receive(new byte[] {request[i]});
                if (i < firstEnd - 1) {
                    assertThat(c.sent()).as("after byte %d", i).isEmpty();
                }
                if (i == firstEnd - 1) {
                    assertThat(only(c).body()).isEqualTo(pattern(10));
                }
            }
            final List<Response> r = parseAll(c.sent(), false, false);
            assertThat(r.get(1).body()).as("bare-LF line ends accepted").isEqualTo(pattern(3));
            assertThat(c.unconsumed()).isZero();
        }

        @Test
        void peerHalfClosesAfterRequest_responseThenClose() {
            final FakeConnection c = connection(100);
            c.receive(String.format(GET_BYTES, 1000)).peerClose();
            assertThat(c.shutdownCalls).as("not before the response is out").isZero();
            c.pump(1000);
            assertThat(only(c).body()).isEqualTo(pattern(1000));
            assertThat(c.sentAtShutdown).isEqualTo(c.sent().length);
        }

        @Test
        void peerClosesIdle_closes() {
            final FakeConnection c = connection(100);
            c.peerClose();
            assertThat(c.shutdownCalls).isEqualTo(1);
            assertThat(c.sent()).isEmpty();
        }

        @Test
        void headerSectionOfExactly8192_isAccepted() {
            final String start = "GET / HTTP/1.1\r\nHost: t\r\nX-Fill: ";
            final String fill = "a".repeat(8192 - start.length() - 4);
            final FakeConnection c = connection(10_000);
            c.receive(start + fill + "\r\n\r\n");
            assertThat(only(c).status()).isEqualTo(200);
        }

        @Test
        void stats_countByStatus() {
            final HttpStats stats = new HttpStats();
            final FakeConnection a = new FakeConnection(HttpService.factory(stats).get(), 10_000).connect();
            final FakeConnection b = new FakeConnection(HttpService.factory(stats).get(), 10_000).connect();
            a.receive("GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n");
            b.receive("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(stats.count(200)).isEqualTo(2);
            assertThat(stats.count(404)).isEqualTo(1);
            assertThat(stats.requests()).isEqualTo(3);
        }
    }

    @Nested
    class Errors {
        private Response error(final String request, final int status) {
            final FakeConnection c = connection(10_000);
            c.receive(request);
            final Response r = only(c);
            assertThat(r.status()).as(r.statusLine()).isEqualTo(status);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.header("Server")).isEqualTo("tcpstack");
            assertThat(r.bodyAscii()).startsWith(Integer.toString(status));
            assertThat(c.shutdownCalls).isEqualTo(1);
            assertThat(c.sentAtShutdown).isEqualTo(c.sent().length);
            // Anything after the error is read and dropped.
            c.receive(String.format(GET_BYTES, 1));
            assertThat(c.unconsumed()).isZero();
            assertThat(c.sentAtShutdown).isEqualTo(c.sent().length);
            return r;
        }

        @ParameterizedTest(name = "400 for {0}")
        @ValueSource(strings = {
            "GET /\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: t\r\n\r\n",
            "GET / http/1.1\r\nHost: t\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : t\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 2\r\n\r\n",
            "GET /bytes/abc HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET /bytes/ HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET /bytes/-1 HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET /bytes/1099511627777 HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET /bytes/99999999999999 HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET nowhere HTTP/1.1\r\nHost: t\r\n\r\n",
        })
        void badRequest(final String request) {
            error(request, 400);
        }

        @Test
        void notFound() {
            error("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404);
        }

        @Test
        void otherMethod_405WithAllow() {
            final Response r = error("DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", 405);
            assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
            error("get / HTTP/1.1\r\nHost: t\r\n\r\n", 405); // methods are case-sensitive
        }

        @Test
        void anyBody_413() {
            error("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 413);
            error("GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413);
        }

        @Test
        void contentLengthZero_isNoBody() {
            final FakeConnection c = connection(10_000);
            c.receive("GET /bytes/2 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
            assertThat(only(c).status()).isEqualTo(200);
        }

        @Test
        void headerSectionOver8KiB_431() {
            final String start = "GET / HTTP/1.1\r\nHost: t\r\nX-Fill: ";
            error(start + "a".repeat(8192 - start.length() - 3) + "\r\n\r\n", 431);
            error("GET /" + "a".repeat(9000) + " HTTP/1.1\r\n", 431);
        }

        @Test
        void headerSectionOver8KiB_byteByByte_431() {
            final FakeConnection c = connection(10_000);
            final byte[] request = ("GET / HTTP/1.1\r\nX: " + "b".repeat(9000)).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < request.length; i++) {
                c.receive(new byte[] {request[i]});
                if (i < 8192) {
                    assertThat(c.sent()).isEmpty();
                }
            }
            assertThat(only(c).status()).isEqualTo(431);
            assertThat(c.unconsumed()).isZero();
        }

        @ParameterizedTest(name = "505 for {0}")
        @ValueSource(strings = {"HTTP/2.0", "HTTP/0.9", "HTTP/1.2"})
        void otherVersion_505(final String version) {
            error("GET / " + version + "\r\nHost: t\r\n\r\n", 505);
        }

        @Test
        void headNotFound_hasNoBody() {
            final FakeConnection c = connection(10_000);
            c.receive("HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n");
            final Response r = parseAll(c.sent(), true).get(0);
            assertThat(r.status()).isEqualTo(404);
            assertThat(Integer.parseInt(r.header("Content-Length"))).isPositive();
            assertThat(c.outputShut()).isTrue();
        }

        @Test
        void errorUnderBackPressure_closesOnlyAfterTheResponse() {
            final FakeConnection c = connection(20);
            c.receive("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.shutdownCalls).isZero();
            c.pump(100);
            assertThat(only(c).status()).isEqualTo(404);
            assertThat(c.sentAtShutdown).isEqualTo(c.sent().length);
        }
    }
}
