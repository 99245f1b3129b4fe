package io.tcpstack.experiments.synflood;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Parsers for the few {@code /proc} files the experiment reads. {@code /proc/PID/net/...}
 * shows the network namespace of process PID, so the kernel's counters of a namespace are
 * read from outside it, through a process that lives there (the namespace's nginx).
 */
final class ProcFs {
    private ProcFs() {
    }

    /**
     * Parses {@code /proc/net/netstat} or {@code /proc/net/snmp}: pairs of lines
     * {@code Prefix: Name1 Name2 ...} / {@code Prefix: v1 v2 ...}. Keys are {@code Prefix.Name},
     * e.g. {@code TcpExt.ListenDrops}, {@code Tcp.PassiveOpens}.
     */
    static Map<String, Long> parseNetstat(final String text) {
        final Map<String, Long> values = new HashMap<>();
        final String[] lines = text.split("\n");
        for (int i = 0; i + 1 < lines.length; i += 2) {
            final String[] names = lines[i].trim().split("\\s+");
            final String[] numbers = lines[i + 1].trim().split("\\s+");
            if (names.length != numbers.length || names.length == 0 || !names[0].equals(numbers[0])) {
                continue;
            }
            final String prefix = names[0].substring(0, names[0].length() - 1);
            for (int k = 1; k < names.length; k++) {
                try {
                    values.put(prefix + "." + names[k], Long.parseLong(numbers[k]));
                } catch (final NumberFormatException ignored) {
                    // a field we do not read (none is non-numeric today)
                }
            }
        }
        return values;
    }

    /**
     * Counts the sockets in {@code /proc/net/tcp} in state {@code stateHex} (03 = SYN_RECV)
     * whose local port is {@code port}.
     */
    static int countState(final String procNetTcp, final int port, final String stateHex) {
        final String portHex = String.format(":%04X", port);
        int n = 0;
        for (final String line : procNetTcp.split("\n")) {
            final String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[1].endsWith(portHex) && f[3].equalsIgnoreCase(stateHex)) {
                n++;
            }
        }
        return n;
    }

    /** {@code VmRSS} of {@code /proc/PID/status}, in bytes, or -1. */
    static long parseRssBytes(final String status) {
        for (final String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                final String[] f = line.substring(6).trim().split("\\s+");
                return Long.parseLong(f[0]) * 1024; // kB
            }
        }
        return -1;
    }

    /** Bytes held by one {@code /proc/slabinfo} cache: active objects times object size, or -1. */
    static long parseSlabBytes(final String slabinfo, final String cache) {
        for (final String line : slabinfo.split("\n")) {
            final String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[0].equals(cache)) {
                return Long.parseLong(f[1]) * Long.parseLong(f[3]);
            }
        }
        return -1;
    }

    static String read(final Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (final IOException e) {
            return "";
        }
    }

    static long rssBytes(final long pid) {
        final String s = read(Path.of("/proc", Long.toString(pid), "status"));
        return s.isEmpty() ? -1 : parseRssBytes(s);
    }
}
