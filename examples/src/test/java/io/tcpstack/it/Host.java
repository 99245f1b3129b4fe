package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.status.CountersReader;

import io.tcpstack.stats.StackCounters;

/**
 * Runs host commands for the real-TUN tests: the kernel's {@code ping}, {@code ip},
 * {@code tshark}, inside the test's own namespace. Every command has a time limit.
 */
final class Host {
    private Host() {
    }

    record Result(int exitCode, String out, long elapsedMs) {
    }

    /** Skips (with the reason) where the real-TUN tests cannot run; never silently. */
    static void assumeRootAndTun() {
        assumeTrue("root".equals(System.getProperty("user.name")) || isUidZero(),
            "real-TUN tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run scripts/test as root");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "real-TUN tests need /dev/net/tun");
    }

    private static boolean isUidZero() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[1].equals("0"));
        } catch (final IOException e) {
            return false;
        }
    }

    /** A fresh namespace name, {@code tcpstack-test-XXXXXX}. */
    static String namespaceName() {
        return "tcpstack-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    static Result run(final long timeoutSeconds, final String... command) {
        final long start = System.nanoTime();
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final byte[][] out = new byte[1][];
            final Thread reader = new Thread(() -> {
                try {
                    out[0] = p.getInputStream().readAllBytes();
                } catch (final IOException e) {
                    out[0] = new byte[0];
                }
            });
            reader.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5000);
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8), elapsedMs);
        } catch (final IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", command) + ": " + e.getMessage(), 0);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result inNamespace(final String ns, final long timeoutSeconds, final String... command) {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(timeoutSeconds, full.toArray(String[]::new));
    }

    static boolean namespaceExists(final String ns) {
        return Files.exists(Path.of("/var/run/netns", ns));
    }

    static void deleteNamespace(final String ns) {
        if (namespaceExists(ns)) {
            run(10, "ip", "netns", "del", ns);
        }
    }

    /** A counter of a stack, from its counters file; fails if the stack has no counter of that name. */
    static long counter(final Path counters, final String name) {
        final CountersReader reader = StackCounters.openReader(counters);
        final long[] value = {-1};
        reader.forEach((id, label) -> {
            if (label.equals(name)) {
                value[0] = reader.getCounterValue(id);
            }
        });
        assertThat(value[0]).as("counter %s exists", name).isGreaterThanOrEqualTo(0);
        return value[0];
    }

    /**
     * {@code curl http://STACK/bytes/N} from the namespace into a file: status 200, N bytes, the
     * service's pattern by SHA-256; the file is deleted after. Within {@code limitSeconds}.
     */
    static void fetchBytesByteExact(final String ns, final String stack, final long n, final Path dir,
        final int limitSeconds) throws Exception {
        final Path file = dir.resolve("bytes-" + n);
        final Result r = inNamespace(ns, limitSeconds + 20L, "curl", "-sS", "--max-time", String.valueOf(limitSeconds),
            "-o", file.toString(), "-w", "%{http_code} %{size_download}", "http://" + stack + "/bytes/" + n);
        assertThat(r.out()).as(r.out()).isEqualTo("200 " + n);
        assertThat(run(60, "sha256sum", file.toString()).out()).startsWith(TcpServeIT.expectedSha256(n));
        Files.delete(file);
    }

    /**
     * {@code bytes} seeded random bytes through the stack's echo service (port 7) with socat,
     * both directions at once, compared byte for byte. Within {@code limitSeconds}.
     */
    static void echoByteExact(final String ns, final String stack, final int bytes, final long seed, final Path dir,
        final int limitSeconds) throws IOException {
        final Path in = dir.resolve("echo-in");
        final Path out = dir.resolve("echo-out");
        final byte[] data = new byte[bytes];
        new java.util.Random(seed).nextBytes(data);
        Files.write(in, data);
        final Result r = inNamespace(ns, limitSeconds + 20L, "bash", "-c",
            "timeout " + limitSeconds + " socat -b 65536 -t 20 - TCP:" + stack + ":7 < " + in + " > " + out);
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(Files.size(out)).isEqualTo(bytes);
        assertThat(Files.mismatch(in, out)).isEqualTo(-1);
        Files.delete(in);
        Files.delete(out);
    }
}
