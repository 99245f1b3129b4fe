package io.tcpstack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.tcpstack.link.ImpairedLink;
import picocli.CommandLine;

/**
 * Bad configuration fails at start with one line that says what is wrong and what to do,
 * exit code 2, no stack trace, before anything is created.
 */
class ServeOptionsTest {
    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--mtu 70000                  | tcpstack: --mtu 70000: out of range (68..65535).",
        "--mtu 67                     | tcpstack: --mtu 67: out of range (68..65535).",
        "--host-addr 10.7.0.1         | tcpstack: --host-addr '10.7.0.1': expected ADDRESS/PREFIX, e.g. 10.7.0.1/24.",
        "--host-addr 10.7.0.300/24    | tcpstack: --host-addr '10.7.0.300' is not an IPv4 address (octet 300 > 255).",
        "--host-addr 10.7.0.1/33      | tcpstack: --host-addr '10.7.0.1/33': prefix length 33 out of range (1..30).",
        "--host-addr 10.7.0.1/x       | tcpstack: --host-addr '10.7.0.1/x': invalid prefix length (expected 1..30).",
        "--stack-addr 10.8.0.2        | tcpstack: --stack-addr 10.8.0.2: not in 10.7.0.1/24's subnet, so the kernel would not route it into the TUN.",
        "--stack-addr 10.7.0.1        | tcpstack: --stack-addr 10.7.0.1: must differ from the host address.",
        "--stack-addr nonsense        | tcpstack: --stack-addr 'nonsense' is not an IPv4 address (expected a.b.c.d).",
        "--tun averyveryverylongname0 | tcpstack: --tun 'averyveryverylongname0': invalid interface name (at most 15 of letters, digits, '_', '.', '-').",
        "--netns bad/name             | tcpstack: --netns 'bad/name': invalid name (letters, digits, '_', '.', '-'; at most 64).",
        "--idle never                 | tcpstack: --idle never: unknown (wake, backoff, yield, spin, sleep).",
        "--syn-backlog 0              | tcpstack: --syn-backlog 0: out of range (1..1000000).",
        "--cc vegas                   | tcpstack: --cc 'vegas': expected newreno or cubic.",
        "--impair loss=2              | tcpstack: --impair '2': a probability is 0..1 (or 0%..100%).",
        "--impair delay=1             | tcpstack: --impair '1': a time is a number with a unit, ns, us, ms or s (e.g. 1ms).",
        "--impair jitter=90s          | tcpstack: --impair '90s': out of range (0..60s).",
        "--impair delay=1ms,limit=0   | tcpstack: --impair '0': a limit is 1..1000000 packets.",
        "--impair delay=1ms,rate=1    | tcpstack: --impair 'rate': unknown (loss, duplicate, reorder, delay, jitter, limit, seed).",
        "--offload maybe              | tcpstack: --offload 'maybe': expected on or off.",
        "--recovery-probe yes         | tcpstack: --recovery-probe 'yes': expected on or off.",
        "--accept-backlog 2000000     | tcpstack: --accept-backlog 2000000: out of range (1..1000000).",
        "--syn-cookies maybe          | tcpstack: --syn-cookies 'maybe': expected off, on or always.",
        "--syn-ack-retries 16         | tcpstack: --syn-ack-retries 16: out of range (0..15).",
        "--accept-overflow ignore     | tcpstack: --accept-overflow 'ignore': expected drop or reset.",
        "--conns-period 60001         | tcpstack: --conns-period 60001: out of range (0..60000 ms; 0: do not publish).",
        "--conns-rows 0               | tcpstack: --conns-rows 0: out of range (1..1000000).",
    })
    void badOption_failsAtStartWithOneLine(final String option, final String message) {
        final String[] parts = option.trim().split(" ");
        final Result r = run("serve", parts[0], parts[1]);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().trim()).isEqualTo(message.trim());
        assertThat(r.out()).doesNotContain("ready:");
    }

    @Test
    void pcapInAMissingDirectory_failsWithAClearMessage() {
        final Result r = run("serve", "--pcap", "/nonexistent-dir/x.pcap");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().trim()).startsWith("tcpstack: ")
            .satisfiesAnyOf(
                e -> assertThat(e).contains("--pcap /nonexistent-dir/x.pcap: cannot write the file"),
                e -> assertThat(e).contains("needs CAP_NET_ADMIN")); // when not root, privileges are checked first
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** The settings {@code serve ARGS} would run with, parsed and checked but not run. */
    private static StackOptions.Settings settings(final String... args) {
        final CommandLine cli = Main.commandLine();
        final CommandLine.ParseResult parsed = cli.parseArgs(args);
        final ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        return serve.options.validate();
    }

    @Test
    void impair_delayAndJitter_reachTheSettings_andOlderSpecsStillParse() {
        assertThat(settings("serve", "--impair", "loss=1%,duplicate=1%,reorder=5%,delay=1ms,jitter=200us,seed=7")
            .impair()).isEqualTo(new ImpairedLink.Impairment(0.01, 0.01, 0.05, 7, 1_000_000, 200_000, 1000));
        assertThat(settings("serve", "--impair", "reorder=5%,delay=1.5ms,limit=200").impair())
            .isEqualTo(new ImpairedLink.Impairment(0, 0, 0.05, 1, 1_500_000, 0, 200));
        // serve's command line is a contract: what was valid before is valid, and means the same.
        assertThat(settings("serve", "--impair", "loss=1%,duplicate=1%,reorder=5%,seed=7").impair())
            .isEqualTo(new ImpairedLink.Impairment(0.01, 0.01, 0.05, 7)).extracting("delayNs").isEqualTo(0L);
        assertThat(settings("serve").impair()).isNull();
    }

    @Test
    void unknownOption_isAUsageError() {
        final Result r = run("serve", "--frobnicate");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--frobnicate'");
    }

    @Test
    void help_listsTheContractOptions() {
        // picocli formats descriptions: a bare '%' in one (the --impair example) made its
        // tracer warn, three times, on the process's stderr.
        final java.io.ByteArrayOutputStream processErr = new java.io.ByteArrayOutputStream();
        final java.io.PrintStream saved = System.err;
        final Result r;
        System.setErr(new java.io.PrintStream(processErr, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            r = run("serve", "--help");
        } finally {
            System.setErr(saved);
        }
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--netns", "--no-netns", "--tun", "--host-addr", "--stack-addr", "--mtu",
            "--pcap", "--counters", "--offload", "--recovery-probe");
        assertThat(processErr.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("WARN");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("loss=1%,duplicate=1%,reorder=5%");
    }

    @Test
    void filesForStatAndSs_areTheNamespaces_andCarryTheTunWhenItIsNotTun0() {
        // `stat --netns NS` and `ss --netns NS` find tun0's stack as before; a second stack in
        // the namespace (get on tun1 beside serve) has files of its own, so neither takes, or
        // at exit deletes, the other's.
        assertThat(settings("serve", "--netns", "lab").counters()).hasToString("/dev/shm/tcpstack/lab.counters");
        assertThat(settings("serve", "--netns", "lab").conns().file()).hasToString("/dev/shm/tcpstack/lab.conns");
        assertThat(settings("serve", "--netns", "lab", "--tun", "tun1").counters())
            .hasToString("/dev/shm/tcpstack/lab-tun1.counters");
        assertThat(settings("serve", "--netns", "lab", "--tun", "tun1").conns().file())
            .hasToString("/dev/shm/tcpstack/lab-tun1.conns");
        assertThat(StackFiles.counters("lab", "tun1")).isEqualTo(settings("serve", "--netns", "lab", "--tun", "tun1")
            .counters());
        final Result stat = run("stat", "--netns", "no-such-ns", "--tun", "tun1");
        assertThat(stat.exitCode()).isEqualTo(1);
        assertThat(stat.err()).contains("/dev/shm/tcpstack/no-such-ns-tun1.counters does not exist");
    }
}
