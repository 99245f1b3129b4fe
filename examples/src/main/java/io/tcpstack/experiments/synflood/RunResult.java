package io.tcpstack.experiments.synflood;

import java.util.List;

/**
 * Everything measured in one target's run. Times are nanoseconds relative to the run's
 * time zero, the start of the no-flood baseline.
 *
 * @param key           the target's file-name key
 * @param label         the target, for people
 * @param system        stack, linux or gvisor
 * @param cookies       the defence setting
 * @param halfOpenBound the half-open bound in force (-1 unknown)
 * @param settings      how the target was set up
 * @param floodStartNs  first SYN sent
 * @param floodEndNs    last SYN sent
 * @param flood         the flood's own account
 * @param attempts      the legitimate connections, in start order
 * @param samples       counters every 100 ms
 * @param error         why the run failed, or null
 */
public record RunResult(String key, String label, String system, String cookies, int halfOpenBound,
    List<String> settings, long floodStartNs, long floodEndNs, SynFlooder.Result flood, List<Attempt> attempts,
    List<Sample> samples, String error) {
}
