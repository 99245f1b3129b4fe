package io.tcpstack.cli;

import java.nio.file.Path;

/**
 * Where a stack publishes its counters and its connection table for {@code tcpstack stat} and
 * {@code tcpstack ss} in another process: {@code /dev/shm/tcpstack/NS.counters} and
 * {@code NS.conns} for the usual TUN, {@code tun0}; {@code NS-TUN.*} for another, so that two
 * stacks in one namespace (a {@code serve} on tun0 and a {@code get} on tun1) do not take, and
 * at exit delete, each other's files.
 */
public final class StackFiles {
    public static final Path DIRECTORY = Path.of("/dev/shm/tcpstack");
    public static final String DEFAULT_TUN = "tun0";

    private StackFiles() {
    }

    /**
     * The files' common name: the namespace, with the TUN's name unless it is tun0; without a
     * namespace ({@code --no-netns}) {@code root-TUN}.
     */
    public static String base(final String netns, final String tun) {
        if (netns == null) {
            return "root-" + tun;
        }
        return DEFAULT_TUN.equals(tun) ? netns : netns + "-" + tun;
    }

    public static Path counters(final String netns, final String tun) {
        return DIRECTORY.resolve(base(netns, tun) + ".counters");
    }

    public static Path conns(final String netns, final String tun) {
        return DIRECTORY.resolve(base(netns, tun) + ".conns");
    }
}
