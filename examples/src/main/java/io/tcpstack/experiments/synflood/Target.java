package io.tcpstack.experiments.synflood;

import java.util.List;

/**
 * A TCP server under test: set up in namespaces of its own, flooded and measured, torn
 * down. The legitimate client and the flood both run in {@link #clientNamespace()}.
 */
interface Target {
    /** File-name friendly, e.g. {@code stack-cookies-on}. */
    String key();

    /** For people, e.g. {@code tcpstack, cookies on}. */
    String label();

    /** {@code stack}, {@code linux} or {@code gvisor}. */
    String system();

    /** The defence setting, as the target spells it. */
    String cookies();

    /** Creates the namespaces, starts the server, waits until it answers. Registers everything with {@code resources}. */
    void start(Resources resources) throws Exception;

    String clientNamespace();

    int serverAddress();

    /** The subnet the spoofed sources come from (the namespace's own). */
    int subnet();

    int prefixLength();

    /** Addresses that exist in the subnet (never spoofed). */
    int[] realAddresses();

    /** The target's counters; valid after {@link #start}. */
    MetricSource metrics();

    /** The half-open bound in force (-1 if unknown). */
    int halfOpenBound();

    /** Lines for the report: what this target is and how it was set up. */
    List<String> settings();
}
