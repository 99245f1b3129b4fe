package io.tcpstack.experiments.synflood;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.tcpstack.cli.StackFiles;
import io.tcpstack.wire.IpAddress;

/**
 * tcpstack itself: {@code tcpstack serve} as a child JVM, in a namespace it creates (and
 * deletes at exit), with the experiment's backlog and cookie settings; its counters are
 * read live from the mapped file, its memory from the JVM gauges in that file and the
 * process's RSS.
 */
final class StackTarget implements Target {
    static final int HOST = IpAddress.parse("10.7.0.1");
    static final int STACK = IpAddress.parse("10.7.0.2");

    private final Config config;
    private final String cookies;
    private final String namespace;
    private final Host host;
    private Child serve;
    private MetricSource metrics;

    StackTarget(final Config config, final String cookies, final String namespace, final Host host) {
        this.config = config;
        this.cookies = cookies;
        this.namespace = namespace;
        this.host = host;
    }

    @Override
    public String key() {
        return "stack-cookies-" + cookies;
    }

    @Override
    public String label() {
        return "tcpstack, cookies " + cookies;
    }

    @Override
    public String system() {
        return "stack";
    }

    @Override
    public String cookies() {
        return cookies;
    }

    @Override
    public void start(final Resources resources) throws Exception {
        final List<String> command = new ArrayList<>(config.stackJava());
        command.addAll(List.of("serve", "--netns", namespace, "--syn-backlog", Integer.toString(config.synBacklog()),
            "--syn-cookies", cookies, "--syn-ack-retries", Integer.toString(config.synAckRetries())));
        resources.adoptNamespace(namespace);
        final String display = String.join(" ", command).replace(
            config.stackJava().get(config.stackJava().indexOf("-cp") + 1), "CLASSPATH");
        serve = resources.add(Child.start(host, "serve", command, display,
            config.out().resolve("logs").resolve(key() + ".log"), line -> true, "ready:"));
        if (!serve.awaitReady(60_000)) {
            throw new IllegalStateException("the stack did not start: " + serve.tail().strip());
        }
        if (!Probe.waitForPort(namespace, STACK, 80, 10_000)) {
            throw new IllegalStateException("the stack does not accept connections on port 80");
        }
        final Path counters = StackFiles.counters(namespace, StackFiles.DEFAULT_TUN);
        if (!Files.exists(counters)) {
            throw new IllegalStateException("no counters file " + counters);
        }
        metrics = new StackMetrics(counters, serve.pid());
    }

    @Override
    public String clientNamespace() {
        return namespace;
    }

    @Override
    public int serverAddress() {
        return STACK;
    }

    @Override
    public int subnet() {
        return HOST;
    }

    @Override
    public int prefixLength() {
        return 24;
    }

    @Override
    public int[] realAddresses() {
        return new int[] {HOST, STACK};
    }

    @Override
    public MetricSource metrics() {
        return metrics;
    }

    @Override
    public int halfOpenBound() {
        return config.synBacklog();
    }

    @Override
    public List<String> settings() {
        return List.of("`tcpstack serve --syn-backlog " + config.synBacklog() + " --syn-cookies " + cookies
            + " --syn-ack-retries " + config.synAckRetries() + "` (accept backlog 4096, default idle strategy), JVM `"
            + String.join(" ", config.stackJava().subList(1, config.stackJava().indexOf("-cp"))) + "`; TUN tun0 in namespace "
            + namespace + ", kernel side 10.7.0.1/24, stack 10.7.0.2");
    }
}
