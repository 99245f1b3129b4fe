package io.tcpstack.experiments.synflood;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The Linux kernel's counters of the server's namespace, read through
 * {@code /proc/PID/net/} of a process inside it (the namespace's nginx):
 * {@code TcpExt} from {@code netstat}, {@code Tcp} from {@code snmp}, the SYN_RECV
 * request sockets of the listening port from {@code tcp}, and the machine-wide slab of
 * request sockets (other namespaces' handshakes count there too; on this otherwise quiet
 * path they are few).
 */
final class LinuxMetrics implements MetricSource {
    private final Path net;
    private final int port;

    LinuxMetrics(final long pidInNamespace, final int port) {
        this.net = Path.of("/proc", Long.toString(pidInNamespace), "net");
        this.port = port;
    }

    @Override
    public void read(final double[] row) {
        Arrays.fill(row, Double.NaN);
        final Map<String, Long> ext = ProcFs.parseNetstat(ProcFs.read(net.resolve("netstat")));
        final Map<String, Long> snmp = ProcFs.parseNetstat(ProcFs.read(net.resolve("snmp")));
        put(row, Metric.SYN_DROPS, ext, "TcpExt.ListenDrops");
        put(row, Metric.COOKIES_SENT, ext, "TcpExt.SyncookiesSent");
        put(row, Metric.COOKIES_VALIDATED, ext, "TcpExt.SyncookiesRecv");
        put(row, Metric.COOKIES_FAILED, ext, "TcpExt.SyncookiesFailed");
        put(row, Metric.ACCEPT_OVERFLOWS, ext, "TcpExt.ListenOverflows");
        put(row, Metric.SYNACK_RETRANSMITS, ext, "TcpExt.TCPSynRetrans");
        put(row, Metric.PASSIVE_OPENS, snmp, "Tcp.PassiveOpens");
        put(row, Metric.CURR_ESTAB, snmp, "Tcp.CurrEstab");
        final String tcp = ProcFs.read(net.resolve("tcp"));
        if (!tcp.isEmpty()) {
            row[Metric.HALF_OPEN.ordinal()] = ProcFs.countState(tcp, port, "03");
        }
        final long slab = ProcFs.parseSlabBytes(ProcFs.read(Path.of("/proc/slabinfo")), "request_sock_TCP");
        row[Metric.KERNEL_REQSK.ordinal()] = slab < 0 ? Double.NaN : slab;
    }

    private static void put(final double[] row, final Metric m, final Map<String, Long> values, final String key) {
        final Long v = values.get(key);
        row[m.ordinal()] = v == null ? Double.NaN : v;
    }
}
