package io.tcpstack.cli;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.tcpstack.api.CloseReason;
import io.tcpstack.wire.IpAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tcpstack get URL}: the stack as a client. Brings the stack up on a TUN in the
 * namespace (as {@code serve} does), connects to an HTTP server on the kernel's side of
 * the TUN, fetches one URL and writes the body to a file or standard output.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = {"Fetch a URL with the stack as the HTTP client, from a server on the host side of the TUN.",
        "Example: tcpstack get --netns tcpstack http://10.7.0.1:8000/file -o file"})
final class GetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StackOptions options;

    @Parameters(index = "0", paramLabel = "URL", description = "http://ADDRESS[:PORT]/PATH, ADDRESS an IPv4 address.")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the body to FILE (default: standard output).")
    Path output;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
        description = "Give up after this long. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        final StackOptions.Settings s = options.validate();
        final URI uri;
        try {
            uri = new URI(url);
        } catch (final URISyntaxException e) {
            throw new UserError("'" + url + "' is not a URL: " + e.getReason() + ".", 2);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new UserError("'" + url + "': only http://ADDRESS[:PORT]/PATH URLs are supported.", 2);
        }
        final int address;
        try {
            address = IpAddress.parse(uri.getHost());
        } catch (final IllegalArgumentException e) {
            throw new UserError("'" + uri.getHost() + "': give the server as an IPv4 address (no DNS here).", 2);
        }
        final int port = uri.getPort() < 0 ? 80 : uri.getPort();
        final String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        final PrintWriter err = spec.commandLine().getErr();

        final OutputStream body = output == null ? System.out : openOutput(output);
        try {
            final CompletableFuture<HttpGetClient.Result> done = new CompletableFuture<>();
            final HttpGetClient client = new HttpGetClient(uri.getHost(), path, new BufferedOutputStream(body, 1 << 16), done);
            return StackRunner.run(s, options.countersGiven(), stack -> { }, (stack, stop) -> {
                Signals.onStop(() -> done.completeExceptionally(new InterruptedException("interrupted")));
                final long start = System.nanoTime();
                stack.submit(() -> {
                    if (stack.connect(address, port, client) == null) {
                        done.complete(new HttpGetClient.Result(-1, 0, -1, CloseReason.ABORTED, "no ephemeral port free"));
                    }
                });
                final HttpGetClient.Result r;
                try {
                    r = done.get(timeoutSeconds, TimeUnit.SECONDS);
                } catch (final TimeoutException e) {
                    err.println("tcpstack: get " + url + ": no complete answer within " + timeoutSeconds + " s.");
                    return 1;
                } catch (final java.util.concurrent.ExecutionException e) {
                    err.println("tcpstack: get " + url + ": interrupted.");
                    return 1;
                }
                final double seconds = (System.nanoTime() - start) / 1e9;
                return report(err, r, seconds);
            }, err, false);
        } finally {
            if (output != null) {
                body.close();
            }
        }
    }

    private int report(final PrintWriter err, final HttpGetClient.Result r, final double seconds) {
        if (r.error() != null) {
            err.println("tcpstack: get " + url + ": " + r.error() + ".");
            return 1;
        }
        if (r.status() < 0) {
            err.println("tcpstack: get " + url + ": " + switch (r.reason()) {
                case REFUSED -> "connection refused";
                case TIMEOUT -> "connection timed out";
                default -> "connection ended (" + r.reason() + ") before a response";
            } + ".");
            return 1;
        }
        final boolean complete = r.contentLength() < 0 || r.bodyBytes() == r.contentLength();
        err.printf("tcpstack: get %s: HTTP %d, %,d bytes in %.3f s (%.1f MB/s)%s%n", url, r.status(), r.bodyBytes(),
            seconds, r.bodyBytes() / seconds / 1e6, complete ? "" : ", INCOMPLETE: expected " + r.contentLength());
        err.flush();
        return r.status() / 100 == 2 && complete ? 0 : 1;
    }

    private static OutputStream openOutput(final Path file) {
        try {
            return new FileOutputStream(file.toFile());
        } catch (final IOException e) {
            throw new UserError("-o " + file + ": cannot write the file (" + e.getMessage() + ").");
        }
    }
}
