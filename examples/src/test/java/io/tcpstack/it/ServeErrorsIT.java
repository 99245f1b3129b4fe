package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The start-up failures a user can meet, each a one-line message with what to do, a
 * non-zero exit, and nothing left behind.
 */
class ServeErrorsIT {
    private String ns;

    @BeforeEach
    void setUp() {
        Host.assumeRootAndTun();
        ns = Host.namespaceName();
    }

    @AfterEach
    void tearDown() {
        Host.deleteNamespace(ns);
    }

    private static List<String> serveCommand(final String... args) {
        final List<String> command = new ArrayList<>(List.of(ServeProcess.javaBinary(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), "io.tcpstack.cli.Main", "serve"));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void deviceNameBusy_failsWithTheBusyMessage_andLeavesTheFirstStackServing() throws Exception {
        try (ServeProcess first = ServeProcess.start("serve", "--netns", ns)) {
            assertThat(first.awaitReady(30)).as(first.output()).isNotNull();
            final Host.Result second = Host.run(30, serveCommand("--netns", ns).toArray(String[]::new));
            assertThat(second.exitCode()).as(second.out()).isEqualTo(1);
            assertThat(second.out().trim()).startsWith("tcpstack: ").contains("busy").doesNotContain("Exception");
            assertThat(Host.namespaceExists(ns)).as("the namespace belongs to the first stack").isTrue();
            final Host.Result ping = Host.inNamespace(ns, 10, "ping", "-n", "-c", "1", "-W", "2", "10.7.0.2");
            assertThat(ping.out()).contains("1 received");
            assertThat(first.interruptAndWait(20)).isZero();
        }
        assertThat(Host.namespaceExists(ns)).isFalse();
    }

    @Test
    void withoutPrivileges_saysToRunAsRoot() throws Exception {
        // As user nobody, which cannot read the Maven repository: run the shaded jar from a
        // world-readable copy.
        final Path shaded = Path.of("target", "tcpstack.jar");
        assertThat(shaded).as("mvn package builds the jar before the integration tests").exists();
        final Path dir = Files.createTempDirectory("tcpstack-nobody");
        final Path jar = dir.resolve("tcpstack.jar");
        try {
            Files.copy(shaded, jar);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            final Host.Result r = Host.run(30, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", ServeProcess.javaBinary(), "-jar", jar.toString(),
                "serve", "--netns", ns);
            assertThat(r.exitCode()).as(r.out()).isEqualTo(1);
            assertThat(r.out().trim()).isEqualTo(
                "tcpstack: creating a TUN device needs CAP_NET_ADMIN: run as root (sudo) or grant the capability.");
            assertThat(Host.namespaceExists(ns)).isFalse();
        } finally {
            Files.deleteIfExists(jar);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void withoutDevNetTun_saysWhatToLoad() {
        // A private mount namespace where /dev/net is an empty tmpfs: the device is "missing".
        final String inner = String.join(" ", serveCommand("--netns", ns).stream().map(a -> "'" + a + "'").toList());
        final Host.Result r = Host.run(30, "unshare", "-m", "sh", "-c",
            "mount -t tmpfs none /dev/net && exec " + inner);
        assertThat(r.exitCode()).as(r.out()).isEqualTo(1);
        assertThat(r.out().trim()).isEqualTo("tcpstack: /dev/net/tun does not exist: load the tun module "
            + "(modprobe tun) or run where TUN devices are available.");
        assertThat(Host.namespaceExists(ns)).isFalse();
    }

    @Test
    void pcapNotWritable_failsBeforeCreatingAnything() {
        final Host.Result r = Host.run(30, serveCommand("--netns", ns, "--pcap", "/nonexistent-dir/x.pcap")
            .toArray(String[]::new));
        assertThat(r.exitCode()).as(r.out()).isEqualTo(1);
        assertThat(r.out().trim()).isEqualTo("tcpstack: --pcap /nonexistent-dir/x.pcap: cannot write the file "
            + "(no such directory): choose a writable path.");
        assertThat(Host.namespaceExists(ns)).isFalse();
    }

    /**
     * A script that runs {@code serve &} gives it SIGINT ignored (POSIX shells do that for
     * background jobs without job control); {@code kill -INT} must still stop it cleanly.
     */
    @Test
    void backgroundedByAScript_stillStopsCleanlyOnSigint() {
        final String serve = String.join(" ", serveCommand("--netns", ns).stream().map(a -> "'" + a + "'").toList());
        final String script = "log=$(mktemp); " + serve + " > $log 2>&1 & pid=$!; "
            + "for i in $(seq 300); do grep -q '^ready:' $log && break; sleep 0.1; done; "
            + "kill -INT $pid; for i in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done; "
            + "if kill -0 $pid 2>/dev/null; then echo 'SIGINT did not stop it'; kill -TERM $pid; fi; "
            + "wait $pid; echo \"exit=$?\"; cat $log; rm -f $log";
        final Host.Result r = Host.run(60, "bash", "-c", script);
        assertThat(r.out()).as(r.out()).contains("exit=0").contains("ready: stack 10.7.0.2").contains("stopped after");
        assertThat(Host.namespaceExists(ns)).isFalse();
    }

    @Test
    void existingNamespace_isUsedAndLeftInPlace() throws Exception {
        assertThat(Host.run(10, "ip", "netns", "add", ns).exitCode()).isZero();
        try (ServeProcess serve = ServeProcess.start("serve", "--netns", ns, "--tun", "tcps0",
            "--host-addr", "10.9.0.1/24", "--stack-addr", "10.9.0.9", "--mtu", "9000")) {
            assertThat(serve.awaitReady(30)).isEqualTo("ready: stack 10.9.0.9 on tcps0 in netns " + ns);
            final Host.Result link = Host.inNamespace(ns, 10, "ip", "-o", "addr", "show", "tcps0");
            assertThat(link.out()).contains("10.9.0.1/24");
            assertThat(Host.inNamespace(ns, 10, "ip", "-o", "link", "show", "tcps0").out()).contains("mtu 9000");
            final Host.Result ping = Host.inNamespace(ns, 10, "ping", "-n", "-c", "2", "-i", "0.1", "-s", "8000",
                "-W", "2", "10.9.0.9");
            assertThat(ping.out()).as(ping.out()).contains("2 received");
            assertThat(serve.interruptAndWait(20)).isZero();
        }
        assertThat(Host.namespaceExists(ns)).as("a namespace we did not create is left in place").isTrue();
        assertThat(Host.inNamespace(ns, 10, "ip", "-o", "link").out()).doesNotContain("tcps0");
    }
}
