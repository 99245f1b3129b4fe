package io.tcpstack.tcp;

/**
 * Chooses a connection's initial sequence number: {@link IsnGenerator} (RFC 6528) in the
 * stack; tests put their own in with {@link TcpLayer#isnSource} to cross 2^32 mid-transfer
 * or to replay a run exactly.
 */
@FunctionalInterface
interface IsnSource {
    int isn(int localAddress, int localPort, int remoteAddress, int remotePort, long nowNs);
}
