/**
 * The Linux TUN device for tcpstack, through jnr-ffi: {@link io.tcpstack.tun.TunLink} is
 * the {@link io.tcpstack.link.PacketLink} the stack runs on in production.
 *
 * <ul>
 *   <li>{@link io.tcpstack.tun.TunConfig}: what to create (namespace, name, address/prefix, MTU).</li>
 *   <li>{@link io.tcpstack.tun.TunDevice}: opens {@code /dev/net/tun} and configures the
 *       interface with ioctls (Documentation/networking/tuntap.rst, netdevice(7)).</li>
 *   <li>{@link io.tcpstack.tun.TunLink}: the reader thread filling an Agrona ring, zero-copy
 *       {@code poll}, one-{@code write} {@code send}, {@code tun.*} counters.</li>
 *   <li>{@link io.tcpstack.tun.NetNamespace}: {@code ip netns} namespaces, and running a
 *       task inside one (setns(2) on a dedicated thread).</li>
 *   <li>{@link io.tcpstack.tun.PacketSocket}: injects raw IPv4 bytes from the kernel side
 *       (tests, SYN-flood generator).</li>
 *   <li>{@link io.tcpstack.tun.LibC}: the libc binding, raw addresses only.</li>
 * </ul>
 *
 * <p>Needs Linux, root or CAP_NET_ADMIN (plus CAP_SYS_ADMIN to enter a namespace), and,
 * like everything using Agrona 2.x, the JVM flag
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}. Failures are
 * {@link io.tcpstack.tun.TunException}s with a one-line message for the user.
 */
package io.tcpstack.tun;
