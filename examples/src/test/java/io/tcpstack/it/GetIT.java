package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcpstack get}: the stack as the client, downloading from a server the kernel
 * runs on its side of the TUN (socat answering one HTTP request from a file).
 */
class GetIT {
    @TempDir
    Path dir;
    private String ns;
    private Process server;

    @BeforeEach
    void setUp() {
        Host.assumeRootAndTun();
        ns = Host.namespaceName();
        assertThat(Host.run(10, "ip", "netns", "add", ns).exitCode()).isZero();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
        Host.deleteNamespace(ns);
    }

    private void serveOnce(final Path file, final long length) throws Exception {
        // A script, not an inline SYSTEM command: socat would split the header's ':' as its own syntax.
        final Path script = dir.resolve("reply.sh");
        Files.writeString(script, "#!/bin/sh\nprintf 'HTTP/1.1 200 OK\\r\\nContent-Length: " + length
            + "\\r\\nConnection: close\\r\\n\\r\\n'\ncat " + file + "\n");
        script.toFile().setExecutable(true);
        server = new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "60", "socat",
            "TCP-LISTEN:8000,reuseaddr", "EXEC:" + script).redirectErrorStream(true).start();
        // socat listens before the TUN exists (it binds 0.0.0.0); wait until the port is open.
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Host.inNamespace(ns, 5, "ss", "-ltn", "sport = :8000").out().contains("8000")) {
            assertThat(System.nanoTime()).as("socat listening").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void downloadsFromAKernelServer_byteExact() throws Exception {
        final byte[] data = new byte[5 * 1024 * 1024 + 17];
        new Random(5).nextBytes(data);
        final Path file = dir.resolve("served");
        Files.write(file, data);
        serveOnce(file, data.length);
        final Path out = dir.resolve("fetched");
        final Host.Result r = Host.run(90, ServeProcess.javaBinary(), "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            "io.tcpstack.cli.Main", "get", "--netns", ns, "http://10.7.0.1:8000/served", "-o", out.toString());
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out()).contains("HTTP 200").contains(String.format("%,d bytes", data.length));
        assertThat(Files.mismatch(file, out)).isEqualTo(-1);
        assertThat(Host.namespaceExists(ns)).as("an existing namespace is left in place").isTrue();
    }

    @Test
    void nothingListening_isConnectionRefused() {
        final Host.Result r = Host.run(60, ServeProcess.javaBinary(), "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            "io.tcpstack.cli.Main", "get", "--netns", ns, "http://10.7.0.1:8001/");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("connection refused");
    }
}
