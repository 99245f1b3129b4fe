package io.tcpstack.experiments.synflood;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The legitimate client: an open-loop schedule of connections at a fixed rate (attempt
 * {@code i} starts at {@code t0 + i / rate}, whatever happened to the earlier ones), each
 * {@code GET /} with {@code Connection: close} semantics done by the client: it reads the
 * whole response (by {@code Content-Length}) and closes first. Non-blocking sockets on one
 * selector thread, so a flood that stalls connections does not slow the schedule down.
 *
 * <p>Must run on a thread that is inside the target's network namespace (see
 * {@code NetNamespace.inside}): each socket is created by that thread, so it lives there.
 * Bounded: {@code count} attempts, each with its own connect and request time limit, and
 * at most {@code maxInFlight} at once (an attempt due while that many are open is recorded
 * as failed with {@code saturated}).
 */
public final class LegitClient {
    /** Settings of one client run. */
    public record Config(InetSocketAddress server, double ratePerSecond, int count, long connectTimeoutNs,
        long requestTimeoutNs, int maxInFlight) {
    }

    private final Config config;
    private final byte[] request;

    public LegitClient(final Config config) {
        this.config = config;
        this.request = ("GET / HTTP/1.1\r\nHost: " + config.server().getAddress().getHostAddress()
            + "\r\nUser-Agent: tcpstack-synflood\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Runs the schedule from {@code t0Ns} ({@code System.nanoTime()}) and returns every attempt,
     * times relative to {@code t0Ns}, in start order.
     */
    public List<Attempt> run(final long t0Ns, final AtomicBoolean stop) throws IOException {
        final List<Attempt> done = new ArrayList<>(config.count());
        final long intervalNs = (long) (1e9 / config.ratePerSecond());
        final long hardDeadline = t0Ns + config.count() * intervalNs + config.connectTimeoutNs()
            + config.requestTimeoutNs() + 1_000_000_000L;
        int next = 0;
        int inFlight = 0;
        try (Selector selector = Selector.open()) {
            while ((next < config.count() || inFlight > 0) && !stop.get()) {
                long now = System.nanoTime();
                if (now > hardDeadline) {
                    break;
                }
                while (next < config.count() && now >= t0Ns + next * intervalNs) {
                    if (inFlight >= config.maxInFlight()) {
                        done.add(new Attempt(now - t0Ns, -1, -1, false, "saturated"));
                    } else {
                        final Call call = new Call(now, t0Ns);
                        if (call.open(selector, config.server())) {
                            inFlight++;
                        } else {
                            done.add(call.result());
                        }
                    }
                    next++;
                }
                final long nextStart = next < config.count() ? t0Ns + next * intervalNs : now + 5_000_000L;
                final long waitMs = Math.max(1, Math.min(5, (nextStart - now) / 1_000_000));
                selector.select(waitMs);
                now = System.nanoTime();
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    final Call call = (Call) key.attachment();
                    if (call.onReady(key, now, request)) {
                        inFlight--;
                        done.add(call.result());
                    }
                }
                for (final SelectionKey key : selector.keys()) {
                    final Call call = (Call) key.attachment();
                    if (key.isValid() && call.timedOut(now, config)) {
                        inFlight--;
                        done.add(call.result());
                    }
                }
            }
            for (final SelectionKey key : selector.keys()) {
                final Call call = (Call) key.attachment();
                if (!call.finished) {
                    call.fail(stop.get() ? "stopped" : "connect-timeout");
                    done.add(call.result());
                }
            }
        }
        done.sort((a, b) -> Long.compare(a.startNs(), b.startNs()));
        return done;
    }

    /** One attempt in flight. */
    private static final class Call {
        private final long startNs;
        private final long t0Ns;
        private final ResponseReader response = new ResponseReader();
        private final ByteBuffer readBuffer = ByteBuffer.allocate(8192);
        private SocketChannel channel;
        private long connectedNs = -1;
        private long doneNs = -1;
        private boolean finished;
        private boolean ok;
        private String error = "";

        Call(final long startNs, final long t0Ns) {
            this.startNs = startNs;
            this.t0Ns = t0Ns;
        }

        /** Starts the connect; false if it failed at once (then {@link #result} says why). */
        boolean open(final Selector selector, final InetSocketAddress server) {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.connect(server);
                channel.register(selector, SelectionKey.OP_CONNECT, this);
                return true;
            } catch (final IOException e) {
                fail(describe(e));
                return false;
            }
        }

        /** Handles readiness; true when the attempt is over. */
        boolean onReady(final SelectionKey key, final long now, final byte[] request) {
            try {
                if (key.isConnectable()) {
                    if (!channel.finishConnect()) {
                        return false;
                    }
                    connectedNs = now;
                    // A few dozen bytes into an empty socket buffer: one write takes them all.
                    final int written = channel.write(ByteBuffer.wrap(request));
                    if (written != request.length) {
                        fail("short-write");
                        return true;
                    }
                    key.interestOps(SelectionKey.OP_READ);
                    return false;
                }
                if (key.isReadable()) {
                    readBuffer.clear();
                    final int n = channel.read(readBuffer);
                    if (n < 0) {
                        final int status = response.status();
                        fail(status > 0 && status != 200 ? "http-" + status : "closed-early");
                        return true;
                    }
                    if (response.feed(readBuffer.array(), 0, n)) {
                        doneNs = now;
                        if (response.status() == 200) {
                            succeed();
                        } else {
                            fail("http-" + response.status());
                        }
                        return true;
                    }
                }
                return false;
            } catch (final IOException e) {
                fail(describe(e));
                return true;
            }
        }

        boolean timedOut(final long now, final Config config) {
            if (finished) {
                return false;
            }
            if (connectedNs < 0 && now - startNs > config.connectTimeoutNs()) {
                fail("connect-timeout");
                return true;
            }
            if (connectedNs >= 0 && now - connectedNs > config.requestTimeoutNs()) {
                fail("read-timeout");
                return true;
            }
            return false;
        }

        private void succeed() {
            ok = true;
            finish();
        }

        void fail(final String why) {
            error = why;
            finish();
        }

        private void finish() {
            finished = true;
            if (channel != null) {
                try {
                    channel.close(); // the client closes first: TIME-WAIT stays on the client's side
                } catch (final IOException ignored) {
                    // closing a socket we are done with; nothing to report
                }
            }
        }

        Attempt result() {
            return new Attempt(startNs - t0Ns, connectedNs < 0 ? -1 : connectedNs - startNs,
                doneNs < 0 || connectedNs < 0 ? -1 : doneNs - connectedNs, ok, error);
        }

        private static String describe(final IOException e) {
            if (e instanceof ConnectException) {
                return "refused";
            }
            if (e instanceof SocketException && String.valueOf(e.getMessage()).contains("reset")) {
                return "reset";
            }
            return "io-error";
        }
    }

    /**
     * Incremental HTTP/1.1 response reader: the status line, the headers up to the blank
     * line, then {@code Content-Length} bytes of body. Responses without a length are not
     * expected from the servers under test and count as incomplete until the peer closes.
     */
    static final class ResponseReader {
        private static final int MAX_HEAD = 16384;
        private final byte[] head = new byte[MAX_HEAD];
        private int headLength;
        private boolean headDone;
        private int status = -1;
        private long contentLength = -1;
        private long bodyRead;

        /** Feeds bytes; true once the whole response has arrived. */
        boolean feed(final byte[] bytes, final int offset, final int length) {
            int i = offset;
            final int end = offset + length;
            while (!headDone && i < end) {
                if (headLength == MAX_HEAD) {
                    status = 0; // a head this long is not a response we understand
                    return true;
                }
                head[headLength++] = bytes[i++];
                if (headLength >= 4 && head[headLength - 4] == '\r' && head[headLength - 3] == '\n'
                    && head[headLength - 2] == '\r' && head[headLength - 1] == '\n') {
                    headDone = true;
                    parseHead();
                }
            }
            if (!headDone) {
                return false;
            }
            bodyRead += end - i;
            return contentLength >= 0 && bodyRead >= contentLength;
        }

        private void parseHead() {
            final String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
            final String[] lines = text.split("\r\n");
            final String[] statusLine = lines[0].split(" ", 3);
            try {
                status = statusLine.length >= 2 && statusLine[0].startsWith("HTTP/1.")
                    ? Integer.parseInt(statusLine[1]) : 0;
            } catch (final NumberFormatException e) {
                status = 0;
            }
            for (int k = 1; k < lines.length; k++) {
                final int colon = lines[k].indexOf(':');
                if (colon > 0 && lines[k].substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                    try {
                        contentLength = Long.parseLong(lines[k].substring(colon + 1).trim());
                    } catch (final NumberFormatException e) {
                        contentLength = -1;
                    }
                }
            }
        }

        /** The status code; -1 before the head is complete, 0 if it could not be read. */
        int status() {
            return status;
        }

        long contentLength() {
            return contentLength;
        }
    }
}
