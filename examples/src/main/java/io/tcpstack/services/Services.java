package io.tcpstack.services;

/** Well-known TCP ports of the example services (IANA assignments of RFC 862, 863, 864 and RFC 9110). */
public final class Services {
    /** Echo, RFC 862. */
    public static final int ECHO_PORT = 7;
    /** Discard, RFC 863. */
    public static final int DISCARD_PORT = 9;
    /** Character generator, RFC 864. */
    public static final int CHARGEN_PORT = 19;
    /** HTTP/1.1, RFC 9112. */
    public static final int HTTP_PORT = 80;

    private Services() {
    }
}
