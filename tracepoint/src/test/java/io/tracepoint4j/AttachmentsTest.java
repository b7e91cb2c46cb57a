package io.tracepoint4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.testkit.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Writer probes kept attached by Attachments: existing and later tracepoints, several writers, the detach. */
class AttachmentsTest {
    public interface Counted {
        void counted(int n);
    }

    /** Counts the firings it sees, and the sum of their int arguments. */
    static final class CountingWriter extends IndexedArgumentWriter {
        final AtomicInteger firings = new AtomicInteger();
        final AtomicInteger sum = new AtomicInteger();

        @Override
        public long writeInt(long cursor, int value) {
            sum.addAndGet(value);
            return cursor + 1;
        }

        @Override
        public void end(long handle, long cursor) {
            firings.incrementAndGet();
        }
    }

    static final Tracepoint<Counted> EARLY = Tracepoint.define("attach:early", Counted.class, "n");
    static final Tracepoint<Counted> OTHER = Tracepoint.define("attachnot:other", Counted.class, "n");

    @Test
    void theChosenTracepointsGetTheirWritersNowAndWhenDefinedAndCloseDetachesThemAll() {
        List<String> asked = new ArrayList<>();
        CountingWriter early = new CountingWriter();
        CountingWriter second = new CountingWriter();
        CountingWriter late = new CountingWriter();
        Attachments attachments = Attachments.start(tracepoint -> {
            asked.add(tracepoint.name());
            return switch (tracepoint.name()) {
                case "attach:early" -> List.of(early, second); // two writers on one tracepoint
                case "attach:late" -> List.of(late);
                default -> List.of();
            };
        });
        assertThat(asked).contains("attach:early", "attachnot:other");
        Tracepoint<Counted> later = Tracepoint.define("attach:late", Counted.class, "n");
        assertThat(attachments.tracepoints()).containsExactly("attach:early", "attach:late");
        assertThat(EARLY.probeCount()).isEqualTo(2);
        assertThat(OTHER.probeCount()).as("an empty choice attaches nothing").isZero();

        EARLY.fire().counted(3);
        later.fire().counted(4);
        OTHER.fire().counted(5);
        assertThat(early.sum.get()).isEqualTo(3);
        assertThat(second.firings.get()).isEqualTo(1);
        assertThat(late.sum.get()).isEqualTo(4);

        attachments.close();
        attachments.close(); // idempotent
        EARLY.fire().counted(30);
        later.fire().counted(40);
        assertThat(early.firings.get() + second.firings.get() + late.firings.get())
                .as("no writer runs after close")
                .isEqualTo(3);
        assertThat(EARLY.probeCount() + later.probeCount()).isZero();
        assertThat(attachments.tracepoints()).isEmpty();

        Tracepoint.define("attach:after_close", Counted.class, "n");
        assertThat(asked).doesNotContain("attach:after_close");
    }

    /** A writer whose every firing fails. */
    static final class FailingWriter extends IndexedArgumentWriter {
        @Override
        public long begin(int variableSize) {
            throw new IllegalStateException("planted failure");
        }
    }

    @Test
    void closeDetachesTheRestWhenTheTracepointAlreadyDetachedAFailingWriter() {
        Tracepoint<Counted> failing = Tracepoint.define("attach:failing", Counted.class, "n");
        failing.detachAfter(1, java.time.Duration.ofMinutes(1));
        CountingWriter healthy = new CountingWriter();
        Attachments attachments = Attachments.start(tracepoint ->
                tracepoint == failing ? List.of(new FailingWriter(), healthy) : List.<ArgumentWriter>of());
        assertThat(failing.probeCount()).isEqualTo(2);
        failing.fire().counted(1); // the failing writer's probe is detached by the tracepoint, on its thread
        io.tracepoint4j.testkit.Waits.awaitTrue(
                () -> failing.probeCount() == 1, () -> "the failing probe detached, of " + failing.probeCount());
        attachments.close(); // must not stop at the probe that is gone
        assertThat(failing.probeCount()).isZero();
        failing.fire().counted(2);
        assertThat(healthy.firings.get()).isEqualTo(1);
    }

    /** Lets the firings with an even int argument through. */
    static final class EvenFilter implements ArgumentFilter {
        @Override
        public long begin() {
            return 0;
        }

        @Override
        public long testInt(long state, int argument, int value) {
            return value % 2 == 0 ? 1 : 0;
        }

        @Override
        public boolean accept(long state) {
            return state == 1;
        }
    }

    /** A chooser that puts a probe of its own in front of the writer probe: a filtered probe here. */
    static final class FilteringChooser implements Attachments.Chooser {
        final CountingWriter writer = new CountingWriter();

        @Override
        public List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint) {
            return tracepoint.name().equals("attach:filtered") ? List.of(writer) : List.of();
        }

        @Override
        public <P> P probe(Tracepoint<P> tracepoint, ArgumentWriter writer) {
            return tracepoint.filteredProbe(new EvenFilter(), tracepoint.writerProbe(writer));
        }
    }

    @Test
    void theChoosersProbeIsRegisteredInPlaceOfTheWriterProbe() {
        Tracepoint<Counted> filtered = Tracepoint.define("attach:filtered", Counted.class, "n");
        FilteringChooser chooser = new FilteringChooser();
        Attachments attachments = Attachments.start(chooser);
        try {
            for (int n = 1; n <= 4; n++) {
                filtered.fire().counted(n);
            }
            assertThat(chooser.writer.firings.get())
                    .as("only the even ones passed")
                    .isEqualTo(2);
            assertThat(chooser.writer.sum.get()).isEqualTo(2 + 4);
        } finally {
            attachments.close();
        }
        assertThat(filtered.probeCount()).isZero();
    }

    /** Records what it is told after the registrations: attached, or not and why. */
    static final class TellingChooser implements Attachments.Chooser {
        final List<String> told = new ArrayList<>();

        @Override
        public List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint) {
            return tracepoint.name().startsWith("attach:told_") ? List.of(new CountingWriter()) : List.of();
        }

        @Override
        public void attached(Tracepoint<?> tracepoint, List<? extends ArgumentWriter> writers) {
            told.add("attached " + tracepoint.name() + " " + writers.size());
        }

        @Override
        public boolean notAttached(Tracepoint<?> tracepoint, Throwable cause) {
            told.add("not attached " + tracepoint.name() + ": " + cause.getMessage());
            return true;
        }
    }

    @Test
    void theChooserIsToldWhetherItsWritersWereRegisteredNowAndForLaterTracepoints() {
        Tracepoint<Counted> refusing = Tracepoint.builder("attach:told_refusing", Counted.class)
                .arguments("n")
                .onFirstProbe(() -> {
                    throw new IllegalStateException("the hook refuses");
                })
                .define();
        Tracepoint<Counted> fine = Tracepoint.define("attach:told_fine", Counted.class, "n");
        TellingChooser chooser = new TellingChooser();
        Attachments attachments = Attachments.start(chooser);
        try {
            Tracepoint.builder("attach:told_later", Counted.class)
                    .arguments("n")
                    .onFirstProbe(() -> {
                        throw new IllegalStateException("this hook refuses too");
                    })
                    .define();
            assertThat(chooser.told)
                    .containsExactlyInAnyOrder(
                            "not attached attach:told_refusing: the hook refuses",
                            "attached attach:told_fine 1",
                            "not attached attach:told_later: this hook refuses too");
            assertThat(refusing.probeCount()).isZero();
            assertThat(fine.probeCount()).isEqualTo(1);
            assertThat(attachments.tracepoints()).containsExactly("attach:told_fine");
        } finally {
            attachments.close();
        }
    }

    /**
     * A chooser that throws on a tracepoint defined later is ignored there, and the warning names
     * the chooser, so that the consumer at fault can be found (it named an internal listener
     * class; found by a black-box test).
     */
    @Test
    void theWarningOfAChooserThatThrowsNamesTheChooser() {
        Attachments.Chooser broken = new Attachments.Chooser() {
            @Override
            public List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint) {
                if (tracepoint.name().equals("attach:breaks_it")) {
                    throw new IllegalStateException("the chooser broke");
                }
                return List.of();
            }

            @Override
            public String toString() {
                return "the order service's chooser";
            }
        };
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER);
                Attachments attachments = Attachments.start(broken)) {
            Tracepoint<Counted> defined = Tracepoint.define("attach:breaks_it", Counted.class, "n");
            assertThat(defined.probeCount()).isZero();
            assertThat(attachments.tracepoints()).isEmpty();
            assertThat(logs.warningsContaining("threw on attach:breaks_it"))
                    .singleElement()
                    .asString()
                    .contains("chooser the order service's chooser")
                    .contains("the chooser broke");
        }
    }

    @Test
    void aNullChooserIsRefused() {
        assertThatThrownBy(() -> Attachments.start(null)).hasMessageContaining("chooser is null");
    }
}
