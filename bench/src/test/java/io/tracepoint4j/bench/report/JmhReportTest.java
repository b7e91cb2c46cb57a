package io.tracepoint4j.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JmhReportTest {

    private static String result(String method, String mode, int threads, String params, double score, String extra) {
        return """
                {"jmhVersion":"1.37","benchmark":"io.tracepoint4j.bench.DemoBench.%s","mode":"%s","threads":%d,
                 "forks":1,"jvmArgs":["--enable-native-access=ALL-UNNAMED"],"jdkVersion":"25","vmName":"VM",
                 "vmVersion":"25+1","warmupIterations":1,"warmupTime":"1 s","measurementIterations":2,
                 "measurementTime":"1 s","params":{%s},
                 "primaryMetric":{"score":%s,"scoreError":"NaN","scorePercentiles":{"50.0":%s,"99.0":%s},
                                  "scoreUnit":"ns/op","rawData":[[1.0,2.0]]},
                 "secondaryMetrics":{%s}}""".formatted(method, mode, threads, params, score, score, score, extra);
    }

    private static final String JSON = "["
            + String.join(
                    ",",
                    result("threads1", "avgt", 1, "\"flavor\":\"volatile\"", 1.0, ""),
                    result("threads1", "avgt", 1, "\"flavor\":\"rcu\"", 1.5, ""),
                    result("threads1", "avgt", 1, "\"flavor\":\"rwlock\"", 20.0, ""),
                    result("threads2", "avgt", 2, "\"flavor\":\"volatile\"", 1.0, ""),
                    result("threads2", "avgt", 2, "\"flavor\":\"rcu\"", 1.6, ""),
                    result(
                            "threads2",
                            "avgt",
                            2,
                            "\"flavor\":\"rwlock\"",
                            80.0,
                            "\"gracePeriods\":{\"score\":30.0,\"scoreUnit\":\"#\",\"rawData\":[[10.0,20.0]]}"))
            + "]";

    @Test
    void comparesEachRowWithTheBaselineOfTheSameMethodAndThreads() {
        List<JmhReport.Row> rows = JmhReport.parse(JSON);
        String table =
                new JmhReport("flavor", null, List.<String[]>of(new String[] {"flavor", "rwlock"})).markdown(rows);

        assertThat(table)
                .contains("### DemoBench")
                .contains("Baseline: `flavor=volatile`")
                .contains("| method | flavor | threads | mode | score | unit | ×base | Δbase | ×rwlock | scaling |")
                // 1.5 ns against 1.0 ns: 1.5x the baseline's time, 0.5 ns more, 0.075x rwlock's time
                .contains("| threads1 | rcu | 1 | avgt | 1.50 | ns/op | 1.50x | +0.500 | 0.08x | 1.00x |")
                // two threads at 1.6 ns each against one at 1.5 ns: 2 * 1.5 / 1.6 = 1.875x throughput
                .contains("| threads2 | rcu | 2 | avgt | 1.60 | ns/op | 1.60x | +0.600 | 0.02x | 1.88x |")
                // an aux counter is the mean of its per-iteration raw data, not JMH's sum
                .contains("| threads2 | rwlock | 2 | avgt | 80.0 | ns/op | 80.00x | +79.0 | 1.00x | 0.50x | 15.0 |");
    }

    @Test
    void anExplicitBaselineReplacesTheFirstFlavor() {
        String table = new JmhReport("flavor", "rwlock", List.of()).markdown(JmhReport.parse(JSON));

        assertThat(table).contains("| threads1 | volatile | 1 | avgt | 1.00 | ns/op | 0.05x | -19.0 |");
    }

    @Test
    void aMissingBaselineIsNotApplicableRatherThanWrong() {
        String table = new JmhReport("flavor", "stamped", List.of()).markdown(JmhReport.parse(JSON));

        assertThat(table).contains("| threads1 | rcu | 1 | avgt | 1.50 | ns/op | n/a |");
    }

    @Test
    void rejectsFilesThatAreNotJmhResults() {
        assertThatThrownBy(() -> JmhReport.parse("[1, 2]")).hasMessageContaining("not a JMH JSON result file");
        assertThatThrownBy(() -> JmhReport.parse("[{\"a\": }]")).hasMessageContaining("bad JSON at offset");
    }

    @Test
    void formatsAboutThreeSignificantDigits() {
        assertThat(JmhReport.format(0.6412)).isEqualTo("0.641");
        assertThat(JmhReport.format(4.567)).isEqualTo("4.57");
        assertThat(JmhReport.format(18.94)).isEqualTo("18.9");
        assertThat(JmhReport.format(341.4)).isEqualTo("341");
        assertThat(JmhReport.signed(-0.25)).isEqualTo("-0.250");
    }
}
