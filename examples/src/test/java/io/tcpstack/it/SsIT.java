package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tcpstack ss} against a real serve, as a user runs it: serve in a namespace this
 * test creates, connections held open by the kernel's clients in that namespace, and
 * {@code tcpstack ss} as a separate process reading the table the stack thread publishes.
 * The peer ports are checked against the kernel's own {@code ss} on the other side.
 */
class SsIT {
    private static final String STACK = "10.7.0.2";

    static String ns;
    static ServeProcess serve;
    static Process holder;

    @BeforeAll
    static void startStack() throws Exception {
        Host.assumeRootAndTun();
        ns = "tcpstack-test-ss-" + ProcessHandle.current().pid(); // other ITs run at the same time
        serve = ServeProcess.start("serve", "--netns", ns, "--msl", "1", "--conns-period", "50");
        assertThat(serve.awaitReady(30)).as(serve.output()).startsWith("ready:");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (holder != null && holder.isAlive()) {
            holder.destroy();
            holder.waitFor(5, TimeUnit.SECONDS);
        }
        try {
            if (serve != null) {
                assertThat(serve.interruptAndWait(20)).isZero();
                assertThat(Path.of("/dev/shm/tcpstack", ns + ".conns")).as("deleted at exit").doesNotExist();
                final Host.Result gone = ss("--netns", ns);
                assertThat(gone.exitCode()).isEqualTo(1);
                assertThat(gone.out().trim()).isEqualTo("tcpstack: /dev/shm/tcpstack/" + ns + ".conns does not exist:"
                    + " no stack is running in netns " + ns + " (start one with tcpstack serve --netns " + ns
                    + "), or give its table with --file.");
            }
        } finally {
            if (ns != null) {
                Host.deleteNamespace(ns);
            }
        }
    }

    /** {@code tcpstack ss ARGS} in its own JVM, as a user runs it. */
    static Host.Result ss(final String... args) {
        final List<String> command = new ArrayList<>(List.of(ServeProcess.javaBinary(), "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            "io.tcpstack.cli.Main", "ss"));
        command.addAll(List.of(args));
        return Host.run(60, command.toArray(String[]::new));
    }

    /** Rows of {@code tcpstack ss -a -H}, split into columns. */
    static List<String[]> rows() {
        final Host.Result r = ss("--netns", ns, "-a", "-H");
        assertThat(r.exitCode()).as(r.out()).isZero();
        return r.out().lines().map(l -> l.trim().split(" +")).toList();
    }

    /** Polls {@code tcpstack ss -a} until its rows satisfy the condition (at most 15 s); returns the last seen. */
    static List<String[]> awaitRows(final Predicate<List<String[]>> condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<String[]> rows = rows();
        while (!condition.test(rows) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100); // polling another process's table
            rows = rows();
        }
        return rows;
    }

    static Predicate<List<String[]>> any(final Predicate<String[]> row) {
        return rows -> rows.stream().anyMatch(row);
    }

    static String describe(final List<String[]> rows) {
        return String.join("\n", rows.stream().map(r -> String.join(" ", r)).toList());
    }

    @Test
    void listsListenersHeldConnectionsAndTimeWait() throws Exception {
        // Listeners, with their queues: Recv-Q/Send-Q are the accept queue and backlog (ss's way).
        final Host.Result listening = ss("--netns", ns, "-l", "-H");
        assertThat(listening.exitCode()).as(listening.out()).isZero();
        assertThat(listening.out().lines().map(l -> l.trim().split(" +")).toList())
            .extracting(r -> String.join(" ", r))
            .containsExactly(
                "LISTEN 0 4096 10.7.0.2:7 0.0.0.0:* - - - - syn-q:0/1024",
                "LISTEN 0 4096 10.7.0.2:9 0.0.0.0:* - - - - syn-q:0/1024",
                "LISTEN 0 4096 10.7.0.2:19 0.0.0.0:* - - - - syn-q:0/1024",
                "LISTEN 0 4096 10.7.0.2:80 0.0.0.0:* - - - - syn-q:0/1024");

        // Hold connections to echo, discard and chargen (never read: its window closes), then print
        // the kernel's view of them: local port and peer, one per line.
        holder = new ProcessBuilder("ip", "netns", "exec", ns, "bash", "-c",
            "exec 3<>/dev/tcp/" + STACK + "/7 4<>/dev/tcp/" + STACK + "/9 5<>/dev/tcp/" + STACK + "/19 || exit 1; "
                + "printf 'twelve bytes' >&3; "
                + "ss -tnH state established dst " + STACK + " | awk '{print $3, $4}'; echo held; "
                + "read -t 60 line")
            .redirectErrorStream(true).start();
        final BufferedReader kernel = new BufferedReader(new InputStreamReader(holder.getInputStream(),
            StandardCharsets.UTF_8));
        final List<String> kernelView = new ArrayList<>();
        for (String line; (line = kernel.readLine()) != null && !line.equals("held"); ) {
            kernelView.add(line);
        }
        assertThat(kernelView).as("the kernel's ss").hasSize(3);
        final java.util.Map<String, String> clientPortByService = new java.util.HashMap<>();
        for (final String line : kernelView) { // "10.7.0.1:40000 10.7.0.2:7"
            final String[] parts = line.split(" ");
            clientPortByService.put(parts[1].substring(parts[1].indexOf(':') + 1), parts[0]);
        }
        assertThat(clientPortByService).containsOnlyKeys("7", "9", "19");

        // The stack's view, from the other side: the same tuples, ESTABLISHED.
        final List<String[]> rows = awaitRows(any(r -> r[0].equals("ESTAB") && r[3].equals(STACK + ":19")
            && !r[2].equals("0")).and(all -> rowsWithState(all, "ESTAB") == 3));
        for (final String port : List.of("7", "9", "19")) {
            assertThat(rows).as(describe(rows)).anySatisfy(r -> {
                assertThat(r[0]).isEqualTo("ESTAB");
                assertThat(r[3]).isEqualTo(STACK + ":" + port);
                assertThat(r[4]).isEqualTo(clientPortByService.get(port));
                assertThat(r[6]).as("RTO ms").matches("\\d+");
                assertThat(r[8]).as("cwnd, bytes: at least the initial window (RFC 6928)").matches("\\d+");
                assertThat(r[9]).isEqualTo("mss:1448"); // tun MTU 1500, less 12 bytes of timestamps (RFC 7323 §3.2)
            });
        }
        final String[] chargen = rows.stream().filter(r -> r[3].equals(STACK + ":19")).findFirst().orElseThrow();
        assertThat(Integer.parseInt(chargen[2])).as("chargen's Send-Q: the client does not read").isPositive();
        final List<String[]> closed = awaitRows(any(r -> r[3].equals(STACK + ":19") && r[7].equals("0")
            && r[2].equals(Integer.toString(256 * 1024))));
        // Its window closes: Snd-Wnd 0, the send buffer full, and a timer pending: persist, or the
        // RTO while data the kernel has not acknowledged is still out.
        assertThat(closed).as(describe(closed)).anySatisfy(r -> {
            assertThat(r[3]).isEqualTo(STACK + ":19");
            assertThat(r[7]).isEqualTo("0");
            assertThat(r[2]).isEqualTo(Integer.toString(256 * 1024));
            assertThat(r).anySatisfy(c -> assertThat(c).matches("timer:\\((on|persist),\\d.*,\\d+\\)"));
        });

        // The held connections go away when their client ends (it closes first: no TIME-WAIT here).
        try (OutputStream stdin = holder.getOutputStream()) {
            stdin.write("done\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
        final List<String[]> after = awaitRows(all -> rowsWithState(all, "ESTAB") == 0);
        assertThat(rowsWithState(after, "ESTAB")).as(describe(after)).isZero();

        // An HTTP connection the stack closes first leaves a TIME-WAIT record for 2 x MSL (2 s).
        // The ss JVM takes a while to start on a busy machine: up to three tries, each a new record.
        List<String[]> tw = List.of();
        int localPort = 0;
        for (int attempt = 1; attempt <= 3 && rowsWithState(tw, "TIME-WAIT") == 0; attempt++) {
            localPort = 45000 + attempt;
            final Host.Result curl = Host.inNamespace(ns, 30, "curl", "-sS", "--local-port",
                Integer.toString(localPort), "-o", "/dev/null", "-w", "%{http_code}", "-H", "Connection: close",
                "http://" + STACK + "/bytes/5");
            assertThat(curl.out()).isEqualTo("200");
            tw = rows();
        }
        final String peer = "10.7.0.1:" + localPort;
        assertThat(tw).as(describe(tw)).anySatisfy(r -> {
            assertThat(r[0]).isEqualTo("TIME-WAIT");
            assertThat(r[1] + " " + r[2]).isEqualTo("0 0");
            assertThat(r[3]).isEqualTo(STACK + ":80");
            assertThat(r[4]).isEqualTo(peer);
            assertThat(r[9]).matches("timer:\\(timewait,(1\\.\\d{3}sec|1sec|\\d{1,3}ms),0\\)"); // < 2 s left
        });
        final Host.Result defaults = ss("--netns", ns);
        assertThat(defaults.out()).as("not without -a, as ss").doesNotContain("TIME-WAIT");
        final List<String[]> expired = awaitRows(all -> rowsWithState(all, "TIME-WAIT") == 0);
        assertThat(rowsWithState(expired, "TIME-WAIT")).as("gone after 2 x MSL\n" + describe(expired)).isZero();
    }

    private static long rowsWithState(final List<String[]> rows, final String state) {
        return rows.stream().filter(r -> r[0].equals(state)).count();
    }
}
