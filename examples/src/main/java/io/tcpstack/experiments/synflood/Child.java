package io.tcpstack.experiments.synflood;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A long-running process the experiment started (the stack's {@code serve}, nginx,
 * gvisor-peer): its output goes through a reader thread into a log file (lines a filter
 * rejects are left out of the log), and it is stopped by its own PID, never by name.
 */
final class Child {
    private final Process process;
    private final String name;
    private final Thread pump;
    private volatile String lastLines = "";
    private volatile boolean readySeen;

    private Child(final Process process, final String name, final Path log, final Predicate<String> filter,
        final String readyPrefix) throws IOException {
        this.process = process;
        this.name = name;
        final PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
        this.pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 out) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (readyPrefix != null && line.startsWith(readyPrefix)) {
                        readySeen = true;
                    }
                    if (filter.test(line)) {
                        out.println(line);
                        final String tail = lastLines + line + "\n";
                        lastLines = tail.length() > 4000 ? tail.substring(tail.length() - 4000) : tail;
                    }
                }
            } catch (final IOException e) {
                out.println("(output closed: " + e.getMessage() + ")");
            }
        }, "child-output-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts {@code command} with stdout and stderr merged into {@code log}.
     *
     * @param filter      which lines go to the log (all see {@code readyPrefix})
     * @param readyPrefix the line that says the process serves, or null
     */
    static Child start(final Host host, final String name, final List<String> command, final Path log,
        final Predicate<String> filter, final String readyPrefix) throws IOException {
        return start(host, name, command, String.join(" ", command), log, filter, readyPrefix);
    }

    /** As above, noting {@code display} (e.g. without a long class path) as the command run. */
    static Child start(final Host host, final String name, final List<String> command, final String display,
        final Path log, final Predicate<String> filter, final String readyPrefix) throws IOException {
        host.note(display + " &");
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new Child(p, name, log, filter, readyPrefix);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits for the ready line; false if the process ended first or time ran out. */
    boolean awaitReady(final long timeoutMs) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (readySeen) {
                return true;
            }
            if (!process.isAlive()) {
                pump.join(1000);
                return readySeen;
            }
            Thread.sleep(20); // polling another process's output
        }
        return false;
    }

    /** The last lines it printed (for error messages). */
    String tail() {
        return lastLines;
    }

    /** SIGTERM, up to {@code graceMs} to exit, then SIGKILL. Returns the exit code, or -1. */
    int stop(final long graceMs) throws InterruptedException {
        if (process.isAlive()) {
            // SIGTERM through the handle: Process.destroy() would also close our end of its output,
            // and what it prints while it stops (serve's counters) would be lost.
            process.toHandle().destroy(); // serve and gvisor-peer clean up their namespaces on it
            if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        pump.join(2000);
        return process.isAlive() ? -1 : process.exitValue();
    }

    String name() {
        return name;
    }
}
