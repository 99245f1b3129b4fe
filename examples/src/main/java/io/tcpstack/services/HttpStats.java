package io.tcpstack.services;

/**
 * Responses sent by {@link HttpService}, counted by status code, shared by every connection of
 * one listener. Plain {@code long} fields: written only by the stack thread; another thread
 * reading them may see slightly stale values (there is no synchronisation, by design).
 */
public final class HttpStats {
    private long requests;
    private long ok200;
    private long badRequest400;
    private long notFound404;
    private long methodNotAllowed405;
    private long contentTooLarge413;
    private long headersTooLarge431;
    private long versionNotSupported505;

    /** Counts one response. Stack thread only. */
    void record(final int status) {
        requests++;
        switch (status) {
            case 200 -> ok200++;
            case 400 -> badRequest400++;
            case 404 -> notFound404++;
            case 405 -> methodNotAllowed405++;
            case 413 -> contentTooLarge413++;
            case 431 -> headersTooLarge431++;
            case 505 -> versionNotSupported505++;
            default -> { }
        }
    }

    /** Responses of any status. */
    public long requests() {
        return requests;
    }

    /** Responses with the given status: 200, 400, 404, 405, 413, 431 or 505; 0 for any other. */
    public long count(final int status) {
        return switch (status) {
            case 200 -> ok200;
            case 400 -> badRequest400;
            case 404 -> notFound404;
            case 405 -> methodNotAllowed405;
            case 413 -> contentTooLarge413;
            case 431 -> headersTooLarge431;
            case 505 -> versionNotSupported505;
            default -> 0;
        };
    }
}
