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

    /**
     * A floating-point argument's min, max and mean are its values' own (to 6 significant digits),
     * not their integer parts' (a mean of 20.3 for 20.58; found by a black-box test).
     */
    @Test
    void aFloatingPointArgumentsSummaryIsItsValuesOwn() {
        long[] values = new long[4 + 65];
        values[0] = 3;
        values[4 + 2 + 4] = 3; // [16, 32)
        StringWriter text = new StringWriter();
        HistCommand.print(new PrintWriter(text, true), values, 20.25 + 20.9 + 20.59, 20.25, 20.9);
        assertThat(text.toString().lines().toList())
                .contains("count 3  min 20.25  max 20.9  mean 20.58")
                .contains("[16, 32)                3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|");
        assertThat(HistCommand.decimal(1e-9)).isEqualTo("0.000000001");
        assertThat(HistCommand.decimal(Double.NaN)).isEqualTo("NaN");
        assertThat(HistCommand.decimal(-0.5)).isEqualTo("-0.5");
    }

    /** The top bucket, [2^62, 2^63): its upper bound is 2^63, not a long that overflowed. */
    @Test
    void theTopBucketEndsAtTwoToTheSixtyThird() {
        long[] values = new long[4 + 65];
        values[4 + 64] = 1;
        values[0] = 1;
        values[1] = Long.MAX_VALUE;
        values[2] = Long.MAX_VALUE;
        values[3] = Long.MAX_VALUE;
        StringWriter text = new StringWriter();
        HistCommand.print(new PrintWriter(text, true), values);
        assertThat(text.toString())
                .contains("[4E, 2^63)              1 |")
                .contains("p50   < 2^63")
                .doesNotContain("-9");
    }

    /**
     * A count above what the buckets hold (a reading taken while firings ran, from a target that
     * added to its count first): the percentiles stay within the buckets instead of running past
     * the last (an internal error).
     */
    @Test
    void aCountAboveTheBucketsIsDrawnWithinThem() {
        long[] values = new long[4 + 65];
        values[4 + 3] = 3; // [2, 4)
        values[0] = 4;
        values[1] = 5;
        values[2] = 2;
        values[3] = 3;
        StringWriter text = new StringWriter();
        HistCommand.print(new PrintWriter(text, true), values);
        assertThat(text.toString()).contains("p99.9 < 4");
    }
}
