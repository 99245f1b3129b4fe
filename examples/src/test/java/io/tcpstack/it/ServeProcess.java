package io.tcpstack.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code tcpstack serve} as a separate process, exactly as a user's script would run it:
 * same main class, its own JVM, stopped with SIGINT.
 */
final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private ServeProcess(final Process process) {
        this.process = process;
        this.pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (final IOException e) {
                lines.add("(output closed: " + e.getMessage() + ")");
            }
        }, "serve-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code java ... io.tcpstack.cli.Main ARGS} with this JVM's class path. */
    static ServeProcess start(final String... args) throws IOException {
        final List<String> command = new ArrayList<>(List.of(
            javaBinary(), "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), "io.tcpstack.cli.Main"));
        command.addAll(List.of(args));
        return new ServeProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Waits for the {@code ready:} line; returns it, or null if the process ended or time ran out. */
    String awaitReady(final long timeoutSeconds) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            for (final String line : lines) {
                if (line.startsWith("ready:")) {
                    return line;
                }
            }
            if (!process.isAlive() && !lines.stream().anyMatch(l -> l.startsWith("ready:"))) {
                process.waitFor(1, TimeUnit.SECONDS);
                return null;
            }
            Thread.sleep(20); // polling the output of another process; not a timer under test
        }
        return null;
    }

    /** Sends SIGINT and waits for the exit code (-1 if it did not exit in time). */
    int interruptAndWait(final long timeoutSeconds) throws Exception {
        if (process.isAlive()) {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            return -1;
        }
        return process.exitValue();
    }

    /** Waits for the process to end by itself (-1 if it did not in time). */
    int waitForExit(final long timeoutSeconds) throws InterruptedException {
        return process.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    String output() throws InterruptedException {
        if (!process.isAlive()) {
            pump.join(5000); // the process ended: its output ends too
        }
        return String.join("\n", lines);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            interruptAndWait(10);
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
