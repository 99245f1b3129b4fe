package io.tcpstack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Packet faults applied by the kernel on the namespace side of the TUN, for the tests of the
 * TCP under loss against Linux (issue 5).
 *
 * <p>{@code tc qdisc ... netem} is the tool the issue names, and it is used where the kernel
 * has it. This machine's kernel has no {@code sch_netem} ("Specified qdisc kind is unknown"),
 * but it has nftables with {@code numgen random} and {@code dup}: then 1 % of the packets
 * each way are dropped and 1 % of the kernel's packets to the stack are sent twice, counted
 * by nftables' named counters. nftables cannot reorder or delay; the caller adds both with the
 * stack's own {@code --impair} ({@link #stackImpairment()}): 5 % reordered and 1 ms of delay,
 * each way (netem on the namespace side would delay the kernel's packets only: here a round
 * trip takes 2 ms more, not 1).
 */
final class KernelSideFaults {
    private static final String NETEM = "loss 1% duplicate 1% reorder 5% delay 1ms";
    private static final String TABLE = "tcpstack_faults";

    private final boolean netem;
    private String ns;

    private KernelSideFaults(final boolean netem) {
        this.netem = netem;
    }

    /**
     * Finds out which tool this kernel allows, in a namespace of its own (made and deleted
     * here), before the stack starts: the stack's {@code --impair} depends on it.
     */
    static KernelSideFaults probe() {
        final String probe = Host.namespaceName();
        Host.run(10, "ip", "netns", "add", probe);
        try {
            Host.inNamespace(probe, 10, "ip", "link", "set", "lo", "up");
            return new KernelSideFaults(
                Host.inNamespace(probe, 10, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms").exitCode() == 0);
        } finally {
            Host.deleteNamespace(probe);
        }
    }

    /** Applies the faults to {@code device} (the TUN, in namespace {@code namespace}) once the stack is up. */
    void apply(final String namespace, final String device, final String stackAddress, final Path dir) throws IOException {
        this.ns = namespace;
        if (netem) {
            final Host.Result tc = Host.inNamespace(ns, 10, ("tc qdisc add dev " + device + " root netem " + NETEM).split(" "));
            assertThat(tc.exitCode()).as(tc.out()).isZero();
            return;
        }
        final Path rules = dir.resolve("faults.nft");
        Files.writeString(rules, String.join("\n",
            "table ip " + TABLE + " {",
            "  counter to_stack_dropped {}",
            "  counter to_stack_duplicated {}",
            "  counter from_stack_dropped {}",
            "  chain to_stack {",
            "    type filter hook postrouting priority 0; policy accept;",
            "    oifname \"" + device + "\" numgen random mod 1000 < 10 counter name to_stack_dropped drop",
            "    oifname \"" + device + "\" numgen random mod 1000 < 10 counter name to_stack_duplicated"
                + " dup to " + stackAddress + " device \"" + device + "\"",
            "  }",
            "  chain from_stack {",
            "    type filter hook prerouting priority 0; policy accept;",
            "    iifname \"" + device + "\" numgen random mod 1000 < 10 counter name from_stack_dropped drop",
            "  }",
            "}", ""));
        final Host.Result nft = Host.inNamespace(ns, 10, "nft", "-f", rules.toString());
        assertThat(nft.exitCode()).as("this kernel has no netem, and nftables could not set up the faults"
            + " (scripts/test installs the nftables package): %s", nft.out().strip()).isZero();
    }

    boolean usesNetem() {
        return netem;
    }

    /** What the stack's {@code --impair} adds: reordering and delay, which nftables cannot do; nothing with netem. */
    String stackImpairment() {
        return netem ? null : "reorder=5%,delay=1ms,seed=5";
    }

    /**
     * What the delay adds to every round trip through the TUN, at least: netem's 1 ms on the
     * kernel's packets; or {@code --impair}'s 1 ms each way.
     */
    long addedRoundTripNs() {
        return netem ? 1_000_000L : 2_000_000L;
    }

    /**
     * Packets the kernel dropped or duplicated so far (nftables' counters; with netem the
     * qdisc's "dropped" statistic).
     */
    long faultsSoFar() {
        if (netem) {
            final Host.Result s = Host.inNamespace(ns, 10, "tc", "-s", "qdisc", "show");
            final Matcher m = Pattern.compile("dropped (\\d+)").matcher(s.out());
            long sum = 0;
            while (m.find()) {
                sum += Long.parseLong(m.group(1));
            }
            return sum;
        }
        final Host.Result s = Host.inNamespace(ns, 10, "nft", "list", "counters", "table", "ip", TABLE);
        final Matcher m = Pattern.compile("packets (\\d+)").matcher(s.out());
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    @Override
    public String toString() {
        return netem ? "netem " + NETEM : "nftables: 1 % loss each way, 1 % duplicates to the stack";
    }
}
