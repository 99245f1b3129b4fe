package io.tcpstack.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.tcpstack.api.CloseReason;
import io.tcpstack.api.Connection;
import io.tcpstack.api.TcpHandler;

/**
 * A one-request HTTP/1.1 client on the stack ({@code Connection: close}): sends the
 * request, parses the status line and {@code Content-Length}, streams the body to an
 * output stream, and completes when the connection ends. Runs on the stack thread; the
 * body is written with blocking stream writes, acceptable for a command-line tool.
 */
final class HttpGetClient implements TcpHandler {
    /** What happened, for the command to report. */
    record Result(int status, long bodyBytes, long contentLength, CloseReason reason, String error) {
    }

    private static final int MAX_HEADER = 16 * 1024;

    private final byte[] request;
    private final OutputStream body;
    private final CompletableFuture<Result> done;
    private final byte[] header = new byte[MAX_HEADER];
    private final byte[] chunk = new byte[64 * 1024];
    private int headerLength;
    private boolean headerDone;
    private int status = -1;
    private long contentLength = -1;
    private long received;
    private String error;

    HttpGetClient(final String host, final String path, final OutputStream body, final CompletableFuture<Result> done) {
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: tcpstack\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        this.body = body;
        this.done = done;
    }

    @Override
    public void onConnected(final Connection c) {
        c.send(new UnsafeBuffer(request), 0, request.length); // a few hundred bytes: always fits
        c.shutdownOutput();
    }

    @Override
    public int onData(final Connection c, final DirectBuffer buffer, final int offset, final int length) {
        int at = offset;
        int left = length;
        if (!headerDone) {
            while (left > 0 && !headerDone) {
                if (headerLength == MAX_HEADER) {
                    fail(c, "response header larger than " + MAX_HEADER + " bytes");
                    return length;
                }
                header[headerLength++] = buffer.getByte(at++);
                left--;
                if (headerLength >= 4 && header[headerLength - 4] == '\r' && header[headerLength - 3] == '\n'
                    && header[headerLength - 2] == '\r' && header[headerLength - 1] == '\n') {
                    headerDone = true;
                    if (!parseHeader()) {
                        fail(c, "malformed response header");
                        return length;
                    }
                }
            }
        }
        try {
            while (left > 0) {
                final int n = Math.min(left, chunk.length);
                buffer.getBytes(at, chunk, 0, n);
                body.write(chunk, 0, n);
                received += n;
                at += n;
                left -= n;
            }
        } catch (final IOException e) {
            fail(c, "cannot write the body: " + e.getMessage());
        }
        return length;
    }

    private boolean parseHeader() {
        final String text = new String(header, 0, headerLength, StandardCharsets.ISO_8859_1);
        final String[] lines = text.split("\r\n");
        final String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            return false;
        }
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (final NumberFormatException e) {
            return false;
        }
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                try {
                    contentLength = Long.parseLong(lines[i].substring(colon + 1).trim());
                } catch (final NumberFormatException e) {
                    return false;
                }
            }
        }
        return true;
    }

    private void fail(final Connection c, final String why) {
        error = why;
        c.abort();
    }

    @Override
    public void onPeerClosed(final Connection c) {
        c.close();
    }

    @Override
    public void onClosed(final Connection c, final CloseReason reason) {
        try {
            body.flush();
        } catch (final IOException e) {
            error = error == null ? "cannot write the body: " + e.getMessage() : error;
        }
        done.complete(new Result(status, received, contentLength, reason, error));
    }
}
