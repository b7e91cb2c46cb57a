package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The histogram's drawing: bucket ranges, bars scaled to the largest, percentiles by bucket. */
class HistCommandTest {
    @Test
    void drawsTheBucketsAndThePercentiles() {
        long[] values = new long[4 + 65];
        // 1 negative, 2 zeros, 4 in [1,2), 8 in [2,4), 1 in [1K, 2K)
        values[4] = 1;
        values[5] = 2;
        values[6] = 4;
        values[7] = 8;
        values[4 + 2 + 10] = 1;
        values[0] = 16; // count
        values[1] = 1000; // sum
        values[2] = -5; // min
        values[3] = 1500; // max
        StringWriter text = new StringWriter();
        HistCommand.print(new PrintWriter(text, true), values);
        assertThat(text.toString().lines().toList())
                .containsSequence(
                        "count 16  min -5  max 1,500  mean 62.5",
                        "",
                        "(..., 0)                1 |@@@@@                                   |",
                        "[0]                     2 |@@@@@@@@@@                              |",
                        "[1, 2)                  4 |@@@@@@@@@@@@@@@@@@@@                    |",
                        "[2, 4)                  8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
                        "[4, 8)                  0 |                                        |")
                .contains("[1K, 2K)                1 |@@@@@                                   |")
                .contains("p50   < 4", "p90   < 4", "p99   < 2K", "p99.9 < 2K");
    }
}
