package io.tracepoint4j.tracer.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import org.junit.jupiter.api.Test;

/**
 * tp hist's Histogram on a tracepoint not defined when it starts (a command's tracepoint defined
 * after its first, a class loaded later): it attaches to the first the glob matches once defined,
 * or, if that one lacks the field, says why instead of staying silently empty.
 */
class HistogramTest {
    /** The prototype. */
    public interface Sample {
        void sample(long size, String label);
    }

    @Test
    void aHistogramOfATracepointDefinedLaterMeasuresItFromItsFirstFiring() {
        Histogram histogram = new Histogram("hlater:*", "size", null, new Notes());
        try {
            assertThat(histogram.name()).as("none defined yet").isNull();
            assertThat(histogram.read()).startsWith("0\t0\t0\t0\t0\t");
            Tracepoint<Sample> sample = Tracepoint.define("hlater:sample", Sample.class, "size", "label");
            for (long size : new long[] {1, 2, 300}) {
                sample.fire().sample(size, "x");
            }
            assertThat(histogram.name()).isEqualTo("hlater:sample");
            assertThat(histogram.problem()).isNull();
            String[] fields = histogram.read().split("\t");
            assertThat(fields).startsWith("3", "303", "1", "300");
            Tracepoint.define("hlater:other", Sample.class, "size", "label")
                    .fire()
                    .sample(5, "y");
            assertThat(histogram.read()).as("the first the glob matched, alone").startsWith("3\t303\t");
        } finally {
            histogram.close();
        }
    }

    /** The prototype of a tracepoint with a floating-point argument. */
    public interface Timing {
        void timing(double millis);
    }

    /**
     * A floating-point argument is bucketed by its integer part, but its sum, minimum and maximum
     * are the values' own: they used to be of the integer parts (a mean of 20.3 for 20.58; found by
     * a black-box test).
     */
    @Test
    void aFloatingPointArgumentsSumMinAndMaxAreItsOwn() {
        Tracepoint<Timing> timing = Tracepoint.define("hdecimal:timing", Timing.class, "millis");
        Histogram histogram = new Histogram("hdecimal:timing", "millis", null, new Notes());
        try {
            for (double millis : new double[] {20.25, 20.9, 20.59}) {
                timing.fire().timing(millis);
            }
            String[] fields = histogram.read().split("\t");
            assertThat(fields).startsWith("3", Double.toString(20.25 + 20.9 + 20.59), "20.25", "20.9");
            assertThat(fields[4 + Histogram.bucket(20)]).as("bucketed by 20").isEqualTo("3");
        } finally {
            histogram.close();
        }
    }

    @Test
    void aTracepointDefinedLaterWithoutTheFieldIsAProblemToTell() {
        Histogram histogram = new Histogram("hmissing:sample", "nanos", null, new Notes());
        try {
            Tracepoint.define("hmissing:sample", Sample.class, "size", "label");
            assertThat(histogram.problem())
                    .isEqualTo("tracepoint hmissing:sample has no argument nanos; its arguments are [size, label]");
            assertThat(histogram.name()).isNull();
        } finally {
            histogram.close();
        }
    }

    @Test
    void aGlobThatMatchesSeveralIsRefused() {
        Tracepoint.define("hseveral:a", Sample.class, "size", "label");
        Tracepoint.define("hseveral:b", Sample.class, "size", "label");
        assertThatThrownBy(() -> new Histogram("hseveral:*", "size", null, new Notes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("several tracepoints match hseveral:*: ")
                .hasMessageEndingWith("; name one");
    }
}
