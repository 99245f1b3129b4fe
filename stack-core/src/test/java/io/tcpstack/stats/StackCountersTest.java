package io.tcpstack.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackCountersTest {
    @TempDir
    Path dir;

    @Test
    void mappedCounters_areReadLiveThroughASecondMapping() {
        final Path file = dir.resolve("c.counters");
        try (StackCounters counters = StackCounters.mapped(file)) {
            final AtomicCounter packets = counters.newCounter("ip.rx.packets");
            final AtomicCounter drops = counters.newCounter("ip.rx.bad_checksum");
            packets.incrementRelease();
            packets.incrementRelease();
            drops.incrementRelease();

            final CountersReader reader = StackCounters.openReader(file);
            final Map<String, Long> seen = new LinkedHashMap<>();
            reader.forEach((id, label) -> seen.put(label, reader.getCounterValue(id)));
            assertThat(seen).containsExactly(Map.entry("ip.rx.packets", 2L), Map.entry("ip.rx.bad_checksum", 1L));

            packets.incrementRelease();
            assertThat(reader.getCounterValue(packets.id())).as("live, not a snapshot").isEqualTo(3);
        }
    }

    @Test
    void sameNameTwice_isTheSameCounter() {
        try (StackCounters counters = StackCounters.inMemory()) {
            assertThat(counters.newCounter("x")).isSameAs(counters.newCounter("x"));
            counters.newCounter("x").increment();
            assertThat(counters.get("x")).isEqualTo(1);
            assertThat(counters.get("missing")).isZero();
        }
    }

    @Test
    void openReader_rejectsAFileThatIsNotOurs() throws Exception {
        final Path file = dir.resolve("other");
        Files.write(file, new byte[4096]);
        assertThatThrownBy(() -> StackCounters.openReader(file))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a tcpstack counters file");
    }
}
