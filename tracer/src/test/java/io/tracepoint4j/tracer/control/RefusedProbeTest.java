package io.tracepoint4j.tracer.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tracepoint whose onFirstProbe hook refuses the probe (it throws): tp stat and tp hist say so
 * instead of showing a count of 0 or an empty histogram of a tracepoint they never measured.
 */
class RefusedProbeTest {
    /** The prototype. */
    public interface Sample {
        void sample(long size);
    }

    private static Tracepoint<Sample> refusing(String name) {
        return Tracepoint.builder(name, Sample.class)
                .arguments("size")
                .onFirstProbe(() -> {
                    throw new IllegalStateException("not now");
                })
                .define();
    }

    @Test
    void statRefusesToStartWhenATracepointDefinedNowRefusesItsCounter() {
        Tracepoint<Sample> fine = Tracepoint.define("refusedstat:fine", Sample.class, "size");
        refusing("refusedstat:hooked");
        assertThatThrownBy(() -> new Counts(List.of("refusedstat:*"), null, new Notes()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tp stat cannot count refusedstat:hooked: not now; leave it out of the globs");
        assertThat(fine.probeCount()).as("the other counters detached again").isZero();
    }

    @Test
    void statDoesNotListACounterThatALaterTracepointRefusedButSaysSo() {
        Notes notes = new Notes();
        Counts counts = new Counts(List.of("refusedlater:*"), null, notes);
        try {
            Tracepoint<Sample> fine = Tracepoint.define("refusedlater:fine", Sample.class, "size");
            refusing("refusedlater:hooked").fire().sample(1);
            fine.fire().sample(2);
            assertThat(counts.read())
                    .as("the refused one is not shown as counted 0")
                    .containsExactly("refusedlater:fine=1");
            assertThat(notes.take())
                    .as("but said to the tool")
                    .containsExactly("tp stat cannot count refusedlater:hooked, defined after it started: not now");
        } finally {
            counts.close();
        }
    }

    @Test
    void histRefusesToStartOnATracepointThatRefusesItsRecorder() {
        refusing("refusedhist:now");
        assertThatThrownBy(() -> new Histogram("refusedhist:now", "size", null, new Notes()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tp hist cannot measure refusedhist:now: not now");
    }

    @Test
    void aHistogramWhoseLaterTracepointRefusesItsRecorderIsAProblemToTell() {
        Histogram histogram = new Histogram("refusedhistlater:*", "size", null, new Notes());
        try {
            refusing("refusedhistlater:hooked");
            assertThat(histogram.problem()).isEqualTo("tp hist cannot measure refusedhistlater:hooked: not now");
        } finally {
            histogram.close();
        }
    }
}
