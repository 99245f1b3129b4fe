package io.tcpstack.tun;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Assumptions;

import jnr.posix.POSIXFactory;

/** What the TUN integration tests share: the skip rule, namespaces, {@code ip}, waiting. */
final class TunTestSupport {
    static final String NAMESPACE_PREFIX = "tcpstack-test-";

    private TunTestSupport() {
    }

    /** Skips the calling test, saying why, unless we are root and /dev/net/tun exists. */
    static void assumeRootAndTun() {
        Assumptions.assumeTrue(POSIXFactory.getNativePOSIX().geteuid() == 0,
            "TUN integration tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns): skipped");
        Assumptions.assumeTrue(Files.exists(Path.of(TunDevice.CLONE_DEVICE)),
            TunDevice.CLONE_DEVICE + " is missing (no tun module): TUN integration tests skipped");
    }

    /** Creates a fresh namespace {@code tcpstack-test-<random>} and returns its name. */
    static String createNamespace() {
        final String name = NAMESPACE_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        NetNamespace.create(name);
        return name;
    }

    /** Deletes the namespace if it exists and checks it is gone. */
    static void deleteNamespace(final String name) {
        if (name != null) {
            NetNamespace.delete(name);
            assertThat(NetNamespace.exists(name)).as("namespace %s deleted", name).isFalse();
        }
    }

    /** The result of an {@code ip} command. */
    record IpResult(int exitCode, String output) {
    }

    /** Runs {@code ip ARGS...} (for reading state), output and error merged. */
    static IpResult ip(final String... args) {
        final List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        try {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (InputStream out = process.getInputStream()) {
                final String output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("ip finished").isTrue();
                return new IpResult(process.exitValue(), output);
            }
        } catch (final IOException e) {
            throw new AssertionError("cannot run ip", e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits, calling {@code step} between checks, until {@code condition} holds or fails the test. */
    static void await(final String what, final Duration timeout, final Runnable step, final BooleanSupplier condition) {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            step.run();
            Thread.yield();
        }
    }
}
