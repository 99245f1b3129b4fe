package io.tcpstack.services;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;

/**
 * A small HTTP/1.1 server (RFC 9112 message syntax, RFC 9110 semantics), TCP port
 * {@value Services#HTTP_PORT}. One handler per connection; called on the stack thread only.
 *
 * <h2>Routes</h2>
 * <ul>
 *   <li>{@code GET /}: a short HTML page listing the services (echo 7, discard 9, chargen 19,
 *       http 80, {@code /bytes/N}).</li>
 *   <li>{@code GET /bytes/N}: exactly {@code N} bytes, {@code 0 <= N <=} {@value #MAX_BYTES}
 *       (2^40), {@code Content-Type: application/octet-stream}, {@code Content-Length: N}. Byte
 *       {@code i} (counting from 0) of the body is
 *       <pre>{@code (i * 31 + (i >>> 8)) & 0xFF}</pre>
 *       computed in {@code long} arithmetic (see {@link #patternByte(long)}). It depends only on
 *       {@code i mod 65536}, so a single 64 KiB period is built once and the body is streamed
 *       from slices of it as send-buffer space allows; no body is ever materialised.
 *       {@code N} must be 1..13 decimal digits; anything else, or more than 2^40, is 400.</li>
 *   <li>{@code HEAD} of both: the same headers, no body.</li>
 *   <li>A query string is ignored; absolute-form targets ({@code http://host/path}) are accepted.</li>
 * </ul>
 *
 * <h2>Connections</h2>
 * Requests are parsed incrementally: the request line and header fields are copied into a
 * per-connection buffer of {@value #MAX_HEADER_BYTES} bytes (terminating empty line included)
 * as they arrive, in any pieces. HTTP/1.1 connections are persistent unless the request says
 * {@code Connection: close}; HTTP/1.0 ones close unless it says {@code Connection: keep-alive}.
 * Pipelined requests are answered in order: while a response waits for send-buffer space,
 * {@link #onData} consumes nothing more, so later requests wait in the stack's receive buffer
 * (back-pressure), and are read again via {@link Connection#resumeReading()} once it is sent.
 * A closing response ends with {@link Connection#shutdownOutput()}; whatever arrives after it
 * is read and dropped. When the peer half-closes, pending requests are still answered, then we
 * close.
 *
 * <h2>Errors</h2>
 * Each carries {@code Connection: close}, a short text body, and closes after sending:
 * <ul>
 *   <li>400: malformed request line or header field (bare CR, obs-fold, space before colon,
 *       non-token name, control characters), bad {@code Content-Length}, a missing or repeated
 *       {@code Host} in HTTP/1.1 (RFC 9112 §3.2), a bad {@code /bytes/N}.</li>
 *   <li>404: any other path. 405: any method but GET and HEAD, with {@code Allow: GET, HEAD}.</li>
 *   <li>413: any request body. Bodies are not supported: {@code Content-Length} above 0 or any
 *       {@code Transfer-Encoding} is refused, whatever its size.</li>
 *   <li>431: the request line plus header section exceed {@value #MAX_HEADER_BYTES} bytes
 *       (a long request target too: there is no separate 414).</li>
 *   <li>505: any version but HTTP/1.0 and HTTP/1.1.</li>
 * </ul>
 * Checks run in that order of discovery: request-line syntax (400), version (505), header
 * fields (400), method (405), body (413), route (404 / 400).
 *
 * <p>Every response has {@code Server: tcpstack} and {@code Content-Length}, and is sent as
 * {@code HTTP/1.1}. Allocation: two buffers per connection (header section, 8 KiB; response
 * head, 4 KiB), nothing per request.
 */
public final class HttpService implements TcpHandler {
    /** Limit of the request line plus header section, CR LFs and the empty line included. */
    public static final int MAX_HEADER_BYTES = 8192;
    /** Largest N of {@code /bytes/N}: 2^40. */
    public static final long MAX_BYTES = 1L << 40;
    /** The body pattern repeats every 65536 bytes. */
    static final int PATTERN_PERIOD = 65536;
    /** Status line, header fields and small bodies are built here, then sent. */
    static final int RESPONSE_CAPACITY = 4096;

    private static final DirectBuffer PATTERN = buildPattern();
    private static final byte[] INDEX_PAGE = ascii("""
        <!DOCTYPE html>
        <html><head><title>tcpstack</title></head>
        <body>
        <h1>tcpstack</h1>
        <p>Services on this host, all over TCP:</p>
        <ul>
        <li>echo, port 7 (RFC 862): sends back what it receives</li>
        <li>discard, port 9 (RFC 863): drops what it receives</li>
        <li>chargen, port 19 (RFC 864): sends lines of characters until you close</li>
        <li>http, port 80 (RFC 9112): this page, and <a href="/bytes/1024">/bytes/N</a>: \
        N bytes (0 &le; N &le; 2^40), byte i = (i * 31 + (i &gt;&gt;&gt; 8)) &amp; 0xFF</li>
        </ul>
        </body></html>
        """);

    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] HTTP11 = ascii("HTTP/1.1 ");
    private static final byte[] SERVER = ascii("Server: tcpstack\r\n");
    private static final byte[] CONTENT_LENGTH = ascii("Content-Length: ");
    private static final byte[] TYPE_HTML = ascii("Content-Type: text/html; charset=utf-8\r\n");
    private static final byte[] TYPE_TEXT = ascii("Content-Type: text/plain; charset=utf-8\r\n");
    private static final byte[] TYPE_OCTETS = ascii("Content-Type: application/octet-stream\r\n");
    private static final byte[] CONNECTION_CLOSE = ascii("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    private static final byte[] ALLOW = ascii("Allow: GET, HEAD\r\n");

    private static final byte[] METHOD_GET = ascii("GET");
    private static final byte[] METHOD_HEAD = ascii("HEAD");
    private static final byte[] HEADER_HOST = ascii("host");
    private static final byte[] HEADER_CONTENT_LENGTH = ascii("content-length");
    private static final byte[] HEADER_TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] HEADER_CONNECTION = ascii("connection");
    private static final byte[] TOKEN_CLOSE = ascii("close");
    private static final byte[] TOKEN_KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] BYTES_PREFIX = ascii("/bytes/");
    private static final byte[] SCHEME_HTTP = ascii("http://");
    private static final byte[] SCHEME_HTTPS = ascii("https://");

    /** RFC 9110 §5.6.2 tchar, indexed by byte value 0..127. */
    private static final boolean[] TCHAR = buildTchar();

    /** Outcome of parsing: no error yet. */
    private static final int OK = 0;
    private static final int MAX_N_DIGITS = 13;

    private final HttpStats stats;
    private final UnsafeBuffer head = new UnsafeBuffer(new byte[MAX_HEADER_BYTES]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[RESPONSE_CAPACITY]);

    /** The head in {@link #head} ends with its empty line: a request is ready. */
    private boolean headComplete;
    /** Bytes of the current request's head copied so far. */
    private int headLength;
    /** Offset in {@link #head} where the line being received starts. */
    private int lineStart;

    private int responseLength;
    private int responsePosition;
    /** Next pattern index to send, and the end (exclusive) of the pattern body. */
    private long patternNext;
    private long patternEnd;
    /** A response is built and not yet entirely handed to {@code send}. */
    private boolean responding;
    private boolean closeAfterResponse;
    private boolean outputShut;
    private boolean peerClosed;

    // The request being answered, set by parse().
    private boolean versionIs10;
    private boolean headMethod;
    private boolean keepAlive;
    private long requestedBytes;
    /** The request has a body (Content-Length above 0, or Transfer-Encoding). */
    private boolean hasBody;

    /** A handler per connection, with a new {@link HttpStats} shared by all of them. */
    public static Supplier<TcpHandler> factory() {
        return factory(new HttpStats());
    }

    /** A handler per connection, all counting into {@code stats}. */
    public static Supplier<TcpHandler> factory(final HttpStats stats) {
        return () -> new HttpService(stats);
    }

    /** A handler counting into {@code stats}; one per connection. */
    public HttpService(final HttpStats stats) {
        this.stats = stats;
    }

    /**
     * Byte {@code i} (from 0) of every {@code /bytes/N} body: {@code (i * 31 + (i >>> 8)) & 0xFF}.
     *
     * @param i the byte's index, {@code >= 0}
     */
    public static byte patternByte(final long i) {
        return (byte) ((i * 31 + (i >>> 8)) & 0xFF);
    }

    /** The HTML of {@code GET /}, a fresh copy. */
    public static byte[] indexPage() {
        return INDEX_PAGE.clone();
    }

    // ---------------------------------------------------------------- events

    /** Nagle off: a response goes out in several writes (head, then body): with Nagle the body would wait for the ACK of the head, up to the client's delayed-ACK time (nginx sets TCP_NODELAY on keep-alive connections for the same reason). */
    @Override
    public void onConnected(final Connection connection) {
        connection.noDelay(true);
    }

    @Override
    public int onData(final Connection connection, final DirectBuffer buffer, final int offset, final int length) {
        int consumed = 0;
        while (consumed < length && !responding && !outputShut) {
            final int taken = feed(buffer, offset + consumed, length - consumed);
            consumed += taken;
            if (headComplete) {
                headComplete = false;
                startResponse();
                sendResponse(connection);
            } else if (headLength == MAX_HEADER_BYTES && consumed < length) {
                startError(431, false); // full, and the next byte does not end the head
                sendResponse(connection);
            }
        }
        // After a closing response, what the peer still sends is read and dropped (RFC 9112 §9.6).
        return outputShut ? length : consumed;
    }

    @Override
    public void onWritable(final Connection connection) {
        if (!responding || outputShut) {
            return;
        }
        sendResponse(connection);
        if (!responding && !outputShut) {
            connection.resumeReading(); // the next pipelined requests, held back while we sent
        }
        closeIfPeerDone(connection);
    }

    @Override
    public void onPeerClosed(final Connection connection) {
        peerClosed = true;
        closeIfPeerDone(connection);
    }

    private void closeIfPeerDone(final Connection connection) {
        // Not responding means every byte offered was consumed, so no request is left waiting;
        // a request cut off by the FIN is never answered.
        if (peerClosed && !responding && !outputShut) {
            outputShut = true;
            connection.shutdownOutput();
        }
    }

    // ---------------------------------------------------------------- receiving the head

    /**
     * Copies bytes into {@link #head} up to and including the LF of the empty line that ends
     * the header section (then sets {@link #headComplete}), or until the head is full.
     *
     * @return the bytes taken
     */
    private int feed(final DirectBuffer buffer, final int offset, final int length) {
        for (int i = 0; i < length; i++) {
            if (headLength == MAX_HEADER_BYTES) {
                return i;
            }
            final byte b = buffer.getByte(offset + i);
            head.putByte(headLength++, b);
            if (b == '\n') {
                if (lineEnd(headLength - 1) == lineStart) {
                    if (lineStart == 0) {
                        headLength = 0; // RFC 9112 §2.2: ignore empty lines before the request line
                        continue;
                    }
                    headComplete = true;
                    return i + 1;
                }
                lineStart = headLength;
            }
        }
        return length;
    }

    /** End of a line's content given the offset of its LF: before an optional CR. */
    private int lineEnd(final int lf) {
        return lf > lineStart && head.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    // ---------------------------------------------------------------- parsing

    /** Parses the complete head and builds the response for it. */
    private void startResponse() {
        final int status = parseAndRoute();
        headLength = 0;
        lineStart = 0;
        if (status != 200) {
            startError(status, headMethod); // HEAD: no body, even for an error
            return;
        }
        if (requestedBytes < 0) {
            startOk(TYPE_HTML, INDEX_PAGE.length);
            if (!headMethod) {
                response.putBytes(responseLength, INDEX_PAGE);
                responseLength += INDEX_PAGE.length;
            }
        } else {
            startOk(TYPE_OCTETS, requestedBytes);
            if (!headMethod) {
                // The body's first bytes go with the header, so a small body is one send.
                final int inline = (int) Math.min(requestedBytes, RESPONSE_CAPACITY - responseLength);
                response.putBytes(responseLength, PATTERN, 0, inline);
                responseLength += inline;
                patternNext = inline;
                patternEnd = requestedBytes;
            }
        }
    }

    /** Returns 200 with {@link #requestedBytes} set (-1 for the index page), or an error status. */
    private int parseAndRoute() {
        headMethod = false;
        versionIs10 = false;
        keepAlive = false;
        requestedBytes = -1;

        // Request line (RFC 9112 §3): method SP request-target SP HTTP-version, single spaces.
        int lf = indexOf('\n', 0, headLength);
        final int lineEnd = lf > 0 && head.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        final int sp1 = indexOf(' ', 0, lineEnd);
        if (sp1 <= 0) {
            return 400;
        }
        final int sp2 = indexOf(' ', sp1 + 1, lineEnd);
        if (sp2 < 0 || sp2 == sp1 + 1) {
            return 400;
        }
        for (int i = 0; i < sp1; i++) {
            if (!isTchar(head.getByte(i))) {
                return 400;
            }
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            final byte b = head.getByte(i);
            if (b < 0x21 || b > 0x7E) {
                return 400;
            }
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
        final int v = sp2 + 1;
        if (lineEnd - v != 8 || head.getByte(v) != 'H' || head.getByte(v + 1) != 'T' || head.getByte(v + 2) != 'T'
            || head.getByte(v + 3) != 'P' || head.getByte(v + 4) != '/' || !isDigit(head.getByte(v + 5))
            || head.getByte(v + 6) != '.' || !isDigit(head.getByte(v + 7))) {
            return 400;
        }
        final int major = head.getByte(v + 5) - '0';
        final int minor = head.getByte(v + 7) - '0';
        if (major != 1 || minor > 1) {
            return 505;
        }
        versionIs10 = minor == 0;
        headMethod = matches(0, sp1, METHOD_HEAD, false);

        final int fields = parseFields(lf + 1);
        if (fields != OK) {
            return fields;
        }
        if (!headMethod && !matches(0, sp1, METHOD_GET, false)) {
            return 405;
        }
        if (hasBody) {
            return 413;
        }
        return route(sp1 + 1, sp2);
    }

    /** Parses the field lines from {@code from} to the empty line (RFC 9112 §5). */
    private int parseFields(final int from) {
        int hosts = 0;
        long contentLength = -1;
        boolean transferEncoding = false;
        boolean close = false;
        boolean keepAliveToken = false;
        int start = from;
        while (true) {
            final int lf = indexOf('\n', start, headLength);
            int end = lf;
            if (end > start && head.getByte(end - 1) == '\r') {
                end--;
            }
            if (end == start) {
                break; // the empty line
            }
            final byte first = head.getByte(start);
            if (first == ' ' || first == '\t') {
                return 400; // obs-fold (RFC 9112 §5.2): rejected
            }
            final int colon = indexOf(':', start, end);
            if (colon <= start) {
                return 400;
            }
            for (int i = start; i < colon; i++) {
                if (!isTchar(head.getByte(i))) {
                    return 400; // includes whitespace before the colon (RFC 9112 §5.1: MUST 400)
                }
            }
            int valueStart = colon + 1;
            int valueEnd = end;
            while (valueStart < valueEnd && isOws(head.getByte(valueStart))) {
                valueStart++;
            }
            while (valueEnd > valueStart && isOws(head.getByte(valueEnd - 1))) {
                valueEnd--;
            }
            for (int i = valueStart; i < valueEnd; i++) {
                final byte b = head.getByte(i);
                if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7F) {
                    return 400; // CR, NUL and other controls (RFC 9110 §5.5)
                }
            }
            if (matches(start, colon, HEADER_HOST, true)) {
                hosts++;
            } else if (matches(start, colon, HEADER_CONTENT_LENGTH, true)) {
                final long value = parseDecimal(valueStart, valueEnd, 18);
                if (value < 0 || (contentLength >= 0 && contentLength != value)) {
                    return 400; // RFC 9112 §6.3 item 5
                }
                contentLength = value;
            } else if (matches(start, colon, HEADER_TRANSFER_ENCODING, true)) {
                transferEncoding = true;
            } else if (matches(start, colon, HEADER_CONNECTION, true)) {
                int t = valueStart;
                while (t <= valueEnd) {
                    int comma = indexOf(',', t, valueEnd);
                    if (comma < 0) {
                        comma = valueEnd;
                    }
                    int ts = t;
                    int te = comma;
                    while (ts < te && isOws(head.getByte(ts))) {
                        ts++;
                    }
                    while (te > ts && isOws(head.getByte(te - 1))) {
                        te--;
                    }
                    close |= matches(ts, te, TOKEN_CLOSE, true);
                    keepAliveToken |= matches(ts, te, TOKEN_KEEP_ALIVE, true);
                    t = comma + 1;
                }
            }
            start = lf + 1;
        }
        if (hosts > 1 || (hosts == 0 && !versionIs10)) {
            return 400; // RFC 9112 §3.2: exactly one Host in HTTP/1.1
        }
        hasBody = transferEncoding || contentLength > 0;
        keepAlive = !close && (!versionIs10 || keepAliveToken); // RFC 9112 §9.3
        return OK;
    }

    /** Routes the request target in [from, to). */
    private int route(final int from, final int to) {
        int path = from;
        if (head.getByte(from) != '/') {
            // absolute-form (RFC 9112 §3.2.2): skip scheme and authority
            final int scheme = matchesPrefix(from, to, SCHEME_HTTP) ? SCHEME_HTTP.length
                : matchesPrefix(from, to, SCHEME_HTTPS) ? SCHEME_HTTPS.length : -1;
            if (scheme < 0) {
                return 400;
            }
            path = indexOf('/', from + scheme, to);
            if (path < 0) {
                return 200; // empty path: "/" (RFC 9112 §3.2.2)
            }
        }
        int pathEnd = indexOf('?', path, to);
        if (pathEnd < 0) {
            pathEnd = to;
        }
        if (pathEnd - path == 1) {
            return 200; // "/"
        }
        if (matchesPrefix(path, pathEnd, BYTES_PREFIX)) {
            final long n = parseDecimal(path + BYTES_PREFIX.length, pathEnd, MAX_N_DIGITS);
            if (n < 0 || n > MAX_BYTES) {
                return 400;
            }
            requestedBytes = n;
            return 200;
        }
        return 404;
    }

    // ---------------------------------------------------------------- responding

    private void startOk(final byte[] contentType, final long contentLength) {
        closeAfterResponse = !keepAlive;
        statusLine(200);
        put(contentType);
        contentLength(contentLength);
        if (!keepAlive) {
            put(CONNECTION_CLOSE);
        } else if (versionIs10) {
            put(CONNECTION_KEEP_ALIVE);
        }
        put(CRLF);
    }

    private void startError(final int status, final boolean omitBody) {
        closeAfterResponse = true;
        headLength = 0;
        lineStart = 0;
        final byte[] body = errorBody(status);
        statusLine(status);
        put(TYPE_TEXT);
        contentLength(body.length);
        put(CONNECTION_CLOSE);
        if (status == 405) {
            put(ALLOW); // RFC 9110 §15.5.6: MUST
        }
        put(CRLF);
        if (!omitBody) {
            put(body);
        }
    }

    private void statusLine(final int status) {
        stats.record(status);
        responseLength = 0;
        responsePosition = 0;
        patternNext = 0;
        patternEnd = 0;
        responding = true;
        put(HTTP11);
        put(statusText(status));
        put(CRLF);
        put(SERVER);
    }

    private void contentLength(final long value) {
        put(CONTENT_LENGTH);
        responseLength += response.putLongAscii(responseLength, value);
        put(CRLF);
    }

    private void put(final byte[] ascii) {
        response.putBytes(responseLength, ascii);
        responseLength += ascii.length;
    }

    /** Sends what fits of the response; when all of it is queued, finishes it. */
    private void sendResponse(final Connection connection) {
        if (responsePosition < responseLength) {
            responsePosition += connection.send(response, responsePosition, responseLength - responsePosition);
            if (responsePosition < responseLength) {
                return; // short send: onWritable follows
            }
        }
        while (patternNext < patternEnd) {
            final int at = (int) (patternNext & (PATTERN_PERIOD - 1));
            final int wanted = (int) Math.min(PATTERN_PERIOD - at, patternEnd - patternNext);
            final int taken = connection.send(PATTERN, at, wanted);
            patternNext += taken;
            if (taken < wanted) {
                return;
            }
        }
        responding = false;
        if (closeAfterResponse) {
            outputShut = true;
            connection.shutdownOutput();
        }
    }

    // ---------------------------------------------------------------- bytes

    private int indexOf(final char c, final int from, final int to) {
        for (int i = from; i < to; i++) {
            if (head.getByte(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** [from, to) equals {@code token}; {@code ignoreCase} folds ASCII letters (token lower-case). */
    private boolean matches(final int from, final int to, final byte[] token, final boolean ignoreCase) {
        if (to - from != token.length) {
            return false;
        }
        for (int i = 0; i < token.length; i++) {
            byte b = head.getByte(from + i);
            if (ignoreCase && b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != token[i]) {
                return false;
            }
        }
        return true;
    }

    /** [from, to) starts with {@code prefix}, ASCII letters folded (prefix lower-case). */
    private boolean matchesPrefix(final int from, final int to, final byte[] prefix) {
        return to - from >= prefix.length && matches(from, from + prefix.length, prefix, true);
    }

    /** 1..maxDigits decimal digits in [from, to), else -1. */
    private long parseDecimal(final int from, final int to, final int maxDigits) {
        if (to <= from || to - from > maxDigits) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            final byte b = head.getByte(i);
            if (!isDigit(b)) {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static boolean isDigit(final byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isOws(final byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean isTchar(final byte b) {
        return b >= 0 && TCHAR[b];
    }

    // ---------------------------------------------------------------- tables

    private static byte[] statusText(final int status) {
        return switch (status) {
            case 200 -> STATUS_200;
            case 400 -> STATUS_400;
            case 404 -> STATUS_404;
            case 405 -> STATUS_405;
            case 413 -> STATUS_413;
            case 431 -> STATUS_431;
            default -> STATUS_505;
        };
    }

    private static byte[] errorBody(final int status) {
        return switch (status) {
            case 400 -> BODY_400;
            case 404 -> BODY_404;
            case 405 -> BODY_405;
            case 413 -> BODY_413;
            case 431 -> BODY_431;
            default -> BODY_505;
        };
    }

    private static final byte[] STATUS_200 = ascii("200 OK");
    private static final byte[] STATUS_400 = ascii("400 Bad Request");
    private static final byte[] STATUS_404 = ascii("404 Not Found");
    private static final byte[] STATUS_405 = ascii("405 Method Not Allowed");
    private static final byte[] STATUS_413 = ascii("413 Content Too Large");
    private static final byte[] STATUS_431 = ascii("431 Request Header Fields Too Large");
    private static final byte[] STATUS_505 = ascii("505 HTTP Version Not Supported");
    private static final byte[] BODY_400 = ascii("400 Bad Request\n");
    private static final byte[] BODY_404 = ascii("404 Not Found: try / or /bytes/N\n");
    private static final byte[] BODY_405 = ascii("405 Method Not Allowed: only GET and HEAD\n");
    private static final byte[] BODY_413 = ascii("413 Content Too Large: request bodies are not supported\n");
    private static final byte[] BODY_431 = ascii("431 Request Header Fields Too Large: the limit is 8192 bytes\n");
    private static final byte[] BODY_505 = ascii("505 HTTP Version Not Supported: use HTTP/1.1 or HTTP/1.0\n");

    private static byte[] ascii(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static DirectBuffer buildPattern() {
        final byte[] period = new byte[PATTERN_PERIOD];
        for (int i = 0; i < PATTERN_PERIOD; i++) {
            period[i] = patternByte(i);
        }
        return new UnsafeBuffer(period);
    }

    private static boolean[] buildTchar() {
        final boolean[] table = new boolean[128];
        for (int c = '0'; c <= '9'; c++) {
            table[c] = true;
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            table[c] = true;
            table[c + ('a' - 'A')] = true;
        }
        for (final char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            table[c] = true;
        }
        return table;
    }
}
