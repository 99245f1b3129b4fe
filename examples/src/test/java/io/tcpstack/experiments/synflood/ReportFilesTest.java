package io.tcpstack.experiments.synflood;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSV files and the Markdown summary, written from a synthetic run. */
class ReportFilesTest {
    @TempDir
    Path dir;

    @Test
    void csvFields() {
        assertThat(Csv.field("plain")).isEqualTo("plain");
        assertThat(Csv.field("a,b")).isEqualTo("\"a,b\"");
        assertThat(Csv.field("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(Csv.field("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(Csv.field(null)).isEmpty();
        assertThat(Csv.field(Double.NaN)).isEmpty();
        assertThat(Csv.field(3.0)).isEqualTo("3");
        assertThat(Csv.field(0.25)).isEqualTo("0.25");
        assertThat(Csv.field(12L)).isEqualTo("12");
        assertThat(Csv.row("a", 1, null, 2.5)).isEqualTo("a,1,,2.5\n");
    }

    @Test
    void csvFilesHaveAHeaderAndOneRowPerItem() throws Exception {
        final List<Analysis.Summary> runs = List.of(Analysis.summarize(AnalysisTest.run("on", 3, -1), AnalysisTest.config()));
        Csv.writeAttempts(dir.resolve("attempts.csv"), runs);
        Csv.writeSamples(dir.resolve("samples.csv"), runs);
        Csv.writeBuckets(dir.resolve("buckets.csv"), runs);
        Csv.writeRuns(dir.resolve("runs.csv"), runs);
        final List<String> attempts = Files.readAllLines(dir.resolve("attempts.csv"));
        assertThat(attempts).hasSize(1 + 2000);
        assertThat(attempts.get(0)).isEqualTo("target,cookies,start_s,phase,ok,connect_us,request_us,error");
        assertThat(attempts.get(1)).isEqualTo("stack-cookies-on,on,0,baseline,1,1000,200,");
        assertThat(attempts).contains("stack-cookies-on,on,5,flood,0,,,connect-timeout");
        final List<String> samples = Files.readAllLines(dir.resolve("samples.csv"));
        assertThat(samples.get(0)).startsWith("target,cookies,t_s,half_open,syn_drops,cookies_sent,");
        assertThat(samples.get(1).split(",", -1)).hasSize(3 + Metric.values().length);
        assertThat(Files.readAllLines(dir.resolve("buckets.csv"))).hasSize(1 + 40);
        final List<String> summary = Files.readAllLines(dir.resolve("runs.csv"));
        assertThat(summary).hasSize(2);
        assertThat(summary.get(1)).startsWith("stack-cookies-on,\"tcpstack, cookies on\",on,,200000,200000,0,0,");
        assertThat(summary.get(0).split(",")).hasSize(summary.get(1).replace("\"tcpstack, cookies on\"", "label")
            .split(",", -1).length);
    }

    @Test
    void markdownSummary() {
        final List<Analysis.Summary> runs = List.of(
            Analysis.summarize(AnalysisTest.run("on", 20, -1), AnalysisTest.config()),
            Analysis.summarize(AnalysisTest.run("off", 900, 10_000_000_000L), AnalysisTest.config()),
            Analysis.summarize(new RunResult("gvisor", "gVisor netstack", "gvisor", "on", 4096, List.of("peer"), 0, 0,
                null, List.of(), List.of(), "gvisor-peer did not start"), AnalysisTest.config()));
        final String md = Report.markdown(AnalysisTest.config(), runs, new Report.Meta("scripts/tcpstack synflood",
            "2026-11-25", "2 CPUs", List.of("success.png"), List.of("a note"), List.of("ip netns add x")));
        assertThat(md).startsWith("# SYN flood experiment\n")
            .contains("| tcpstack, cookies on | 200,000 (20,000/s) | 100.0 % / 98.0 % / 100.0 % |")
            .contains("| tcpstack, cookies on | ≥ 99 % of legitimate connections succeed during the flood | "
                + "98.00 % (981 of 1001) | **no** |")
            .contains("| tcpstack, cookies off | service returns within 1 s of the flood's end | "
                + "not within the 5 s after the flood | **no** |")
            .contains("| gVisor netstack | failed: gvisor-peer did not start |")
            .contains("![success.png](success.png)")
            .contains("- a note")
            .contains("```\nip netns add x\n```");
    }
}
