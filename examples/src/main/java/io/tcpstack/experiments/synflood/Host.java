package io.tcpstack.experiments.synflood;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short host commands ({@code ip}, {@code sysctl}, a build script) with a time limit,
 * and remembers each one so the report can list what was run.
 */
final class Host {
    /** A finished command. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        String firstLine() {
            return output.strip().lines().findFirst().orElse("exit status " + exitCode);
        }
    }

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    /** Every command run or started so far, as a shell would spell it. */
    List<String> commands() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    void note(final String command) {
        log.add(command);
    }

    /** Runs a command; {@code timeoutSeconds} later it is killed (exit code -1). */
    Result run(final long timeoutSeconds, final String... command) {
        note(String.join(" ", command));
        return runQuietly(timeoutSeconds, command);
    }

    /** As {@link #run}, without noting the command (for polling). */
    static Result runQuietly(final long timeoutSeconds, final String... command) {
        final Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (final IOException e) {
            return new Result(-1, "cannot run " + command[0] + ": " + e.getMessage());
        }
        final byte[][] out = {new byte[0]};
        final Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                out[0] = in.readAllBytes();
            } catch (final IOException e) {
                out[0] = new byte[0];
            }
        }, "host-command-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(-1, command[0] + " did not finish in " + timeoutSeconds + " s");
            }
            reader.join(5000);
        } catch (final InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed; otherwise throws with its first line of output. */
    void must(final long timeoutSeconds, final String... command) {
        final Result r = run(timeoutSeconds, command);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + ": " + r.firstLine());
        }
    }
}
