package io.tcpstack.experiments.synflood;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.tcpstack.wire.IpAddress;

/**
 * The Linux kernel's TCP behind a veth pair: a client namespace (10.8.0.1, where the
 * legitimate client and the flood run) and a server namespace (10.8.0.2, nginx), both
 * created here; the veth ends are created directly inside them, so nothing ever exists in
 * the root namespace. The server namespace gets the experiment's settings as per-namespace
 * sysctls: {@code net.ipv4.tcp_syncookies}, {@code tcp_max_syn_backlog} and
 * {@code tcp_synack_retries}, and nginx listens with {@code backlog=N} (somaxconn raised
 * to at least N).
 *
 * <p>How Linux bounds half-open connections (tcp_conn_request in net/ipv4/tcp_input.c):
 * the request queue counts as full above the listen backlog; with cookies off it also
 * stops taking SYNs from unproven peers (no RTT in its tcp_metrics for that address) once
 * fewer than a quarter of tcp_max_syn_backlog are free, so the bound for spoofed sources
 * with cookies off is 3/4 N + 1 and the last quarter stays for peers it has talked to
 * before. Drops count as {@code TcpExtListenDrops}.
 */
final class LinuxTarget implements Target {
    static final int CLIENT = IpAddress.parse("10.8.0.1");
    static final int SERVER = IpAddress.parse("10.8.0.2");
    private static final String HTML = "<!DOCTYPE html>\n<html><head><title>synflood target</title></head><body>\n"
        + "<h1>Linux kernel behind a veth pair</h1>\n<p>nginx, one worker, served from a namespace of the "
        + "tcpstack synflood experiment.</p>\n" + "<p>" + "x".repeat(300) + "</p>\n</body></html>\n";

    private final Config config;
    private final int syncookies;
    private final String clientNs;
    private final String serverNs;
    private final Host host;
    private MetricSource metrics;

    LinuxTarget(final Config config, final int syncookies, final String clientNs, final String serverNs,
        final Host host) {
        this.config = config;
        this.syncookies = syncookies;
        this.clientNs = clientNs;
        this.serverNs = serverNs;
        this.host = host;
    }

    @Override
    public String key() {
        return "linux-syncookies-" + syncookies;
    }

    @Override
    public String label() {
        return "Linux, tcp_syncookies=" + syncookies;
    }

    @Override
    public String system() {
        return "linux";
    }

    @Override
    public String cookies() {
        return Integer.toString(syncookies);
    }

    @Override
    public void start(final Resources resources) throws Exception {
        resources.createNamespace(clientNs);
        resources.createNamespace(serverNs);
        host.must(10, "ip", "link", "add", "veth-c", "netns", clientNs, "type", "veth", "peer", "name", "veth-s",
            "netns", serverNs);
        host.must(10, "ip", "-n", clientNs, "addr", "add", "10.8.0.1/24", "dev", "veth-c");
        host.must(10, "ip", "-n", serverNs, "addr", "add", "10.8.0.2/24", "dev", "veth-s");
        for (final String[] ends : new String[][] {{clientNs, "veth-c"}, {serverNs, "veth-s"}}) {
            host.must(10, "ip", "-n", ends[0], "link", "set", "lo", "up");
            host.must(10, "ip", "-n", ends[0], "link", "set", ends[1], "up");
        }
        sysctl("net.ipv4.tcp_syncookies", syncookies);
        sysctl("net.ipv4.tcp_max_syn_backlog", config.synBacklog());
        sysctl("net.ipv4.tcp_synack_retries", config.synAckRetries());
        sysctl("net.core.somaxconn", Math.max(4096, config.synBacklog()));

        final Path dir = config.out().resolve("logs").resolve("nginx-" + key());
        Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(dir.resolve("www/index.html"), HTML, StandardCharsets.UTF_8);
        final Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, nginxConf(dir), StandardCharsets.UTF_8);
        final Child nginx = resources.add(Child.start(host, "nginx", List.of("ip", "netns", "exec", serverNs, "nginx",
            "-p", dir.toString(), "-e", dir.resolve("error.log").toString(), "-c", conf.toString()),
            dir.resolve("nginx.out"), line -> true, null));
        if (!Probe.waitForPort(clientNs, SERVER, 80, 10_000)) {
            throw new IllegalStateException("nginx does not answer on 10.8.0.2:80 (see " + dir + "/error.log): "
                + nginx.tail().strip());
        }
        // `ip netns exec` execs nginx: the child's PID is nginx's, inside the server namespace.
        metrics = new LinuxMetrics(nginx.pid(), 80);
    }

    private void sysctl(final String name, final int value) {
        host.must(10, "ip", "netns", "exec", serverNs, "sysctl", "-q", "-w", name + "=" + value);
    }

    private String nginxConf(final Path dir) {
        return "worker_processes 1;\nmaster_process off;\ndaemon off;\npid " + dir.resolve("nginx.pid") + ";\n"
            + "error_log " + dir.resolve("error.log") + " warn;\n"
            + "events { worker_connections 8192; }\n"
            + "http {\n  access_log off;\n  keepalive_timeout 10s;\n  default_type text/html;\n"
            + "  client_body_temp_path " + dir.resolve("tmp/body") + ";\n"
            + "  proxy_temp_path " + dir.resolve("tmp/proxy") + ";\n"
            + "  fastcgi_temp_path " + dir.resolve("tmp/fastcgi") + ";\n"
            + "  uwsgi_temp_path " + dir.resolve("tmp/uwsgi") + ";\n"
            + "  scgi_temp_path " + dir.resolve("tmp/scgi") + ";\n"
            + "  server {\n    listen 10.8.0.2:80 backlog=" + config.synBacklog() + ";\n"
            + "    root " + dir.resolve("www") + ";\n    location / { }\n  }\n}\n";
    }

    @Override
    public String clientNamespace() {
        return clientNs;
    }

    @Override
    public int serverAddress() {
        return SERVER;
    }

    @Override
    public int subnet() {
        return CLIENT;
    }

    @Override
    public int prefixLength() {
        return 24;
    }

    @Override
    public int[] realAddresses() {
        return new int[] {CLIENT, SERVER};
    }

    @Override
    public MetricSource metrics() {
        return metrics;
    }

    @Override
    public int halfOpenBound() {
        // cookies off: a SYN from an unproven peer is taken while qlen <= N - N/4, so qlen reaches N - N/4 + 1;
        // otherwise the queue is full above the listen backlog N (qlen > N)
        return syncookies == 0 ? config.synBacklog() - (config.synBacklog() >> 2) + 1 : config.synBacklog() + 1;
    }

    @Override
    public List<String> settings() {
        return List.of("Linux " + System.getProperty("os.version") + ", veth pair between namespaces " + clientNs
            + " (10.8.0.1) and " + serverNs + " (10.8.0.2); in the server namespace: net.ipv4.tcp_syncookies="
            + syncookies + ", tcp_max_syn_backlog=" + config.synBacklog() + ", tcp_synack_retries="
            + config.synAckRetries() + ", somaxconn=" + Math.max(4096, config.synBacklog())
            + "; nginx (1 worker, `listen 10.8.0.2:80 backlog=" + config.synBacklog() + "`), GET / = a "
            + HTML.length() + "-byte page");
    }
}
