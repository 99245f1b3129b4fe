package io.tcpstack.experiments.synflood;

import java.nio.file.Path;
import java.util.List;

/**
 * The settings of one experiment, as the {@code synflood} command checked them.
 *
 * @param out               where the report goes
 * @param floodRate         SYNs per second asked for
 * @param floodSeconds      flood length (also its time bound)
 * @param baselineSeconds   no-flood phase before the flood
 * @param afterSeconds      phase after the flood
 * @param synBacklog        half-open bound: the stack's --syn-backlog; Linux's tcp_max_syn_backlog and listen backlog
 * @param synAckRetries     the stack's --syn-ack-retries; Linux's tcp_synack_retries
 * @param cookieModes       stack modes to run: "off", "on", "always"; Linux tcp_syncookies 0, 1, 2 alike
 * @param targets           "stack", "linux", "gvisor", in that order of running
 * @param clientRate        legitimate connections per second
 * @param clientTimeoutMs   connect and request time limits of a legitimate connection
 * @param warmupConnections legitimate connections before time zero (JIT, ARP), not reported
 * @param seed              seeds the spoofed sources
 * @param stackJava         the command that starts a JVM for the stack's serve (java, options, class path, main class)
 * @param gvisorBuild       gVisor peer's build.sh, or null
 */
public record Config(Path out, double floodRate, double floodSeconds, double baselineSeconds, double afterSeconds,
    int synBacklog, int synAckRetries, List<String> cookieModes, List<String> targets, double clientRate,
    long clientTimeoutMs, int warmupConnections, long seed, List<String> stackJava, Path gvisorBuild) {

    public long floodCount() {
        return Math.round(floodRate * floodSeconds);
    }

    public double totalSeconds() {
        return baselineSeconds + floodSeconds + afterSeconds;
    }

    public int clientCount() {
        return (int) Math.round(clientRate * totalSeconds());
    }
}
