package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's warnings go to the consumer its builder was given (the tp tool's control socket
 * gives one that hands them to the tool): a tracepoint defined later that the filter does not fit,
 * and one whose onFirstProbe hook refuses the session's probe, which used to be dropped without a
 * word (taken for a forgotten tracepoint).
 */
class SessionWarningsTest {
    @Test
    void aLaterTracepointLeftOutOrRefusingTheProbeIsAWarning(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint.define(provider + ":fits", SessionTest.Tick.class, "n");
        List<String> warnings = new CopyOnWriteArrayList<>();
        Session session = Session.builder("warned")
                .enable(provider + ":*", "n > 0")
                .output(dir.resolve("trace"))
                .warnings(warnings::add)
                .start();
        try {
            Tracepoint.define(provider + ":other", SessionTest.Tick.class, "m");
            Tracepoint.builder(provider + ":hooked", SessionTest.Tick.class)
                    .arguments("n")
                    .onFirstProbe(() -> {
                        throw new IllegalStateException("not now");
                    })
                    .define();
        } finally {
            session.stop();
        }
        assertThat(warnings)
                .hasSize(2)
                .anySatisfy(w -> assertThat(w).startsWith("session warned does not record " + provider + ":other: "))
                .contains("session warned does not record " + provider + ":hooked: its probe was refused: not now");
        assertThat(session.recorded()).isEmpty();
    }

    /**
     * The event header's id is 16 bits: past the last id, a tracepoint is left out with a warning
     * (its records used to carry the id cut to 16 bits, read as another event's, and the rest of
     * the packet misread). Reaching it takes 65,535 tracepoints (plugins redeployed for days), so
     * the test spends the ids directly.
     */
    @Test
    void pastTheLastEventIdATracepointIsLeftOutWithAWarning(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> first = Tracepoint.define(provider + ":first", SessionTest.Tick.class, "n");
        List<String> warnings = new CopyOnWriteArrayList<>();
        Path folder = dir.resolve("trace");
        Session session = Session.builder("ids")
                .enable(provider + ":*")
                .output(folder)
                .warnings(warnings::add)
                .start();
        try {
            java.lang.reflect.Field next = Session.class.getDeclaredField("nextEventId");
            next.setAccessible(true);
            synchronized (session) {
                next.setInt(session, Session.MAX_EVENT_ID + 1);
            }
            Tracepoint<SessionTest.Tick> late = Tracepoint.define(provider + ":late", SessionTest.Tick.class, "n");
            first.fire().tick(1);
            late.fire().tick(2);
        } finally {
            session.stop();
        }
        assertThat(warnings)
                .containsExactly("session ids does not record " + provider + ":late: the session has given all its "
                        + Session.MAX_EVENT_ID + " event ids (one per tracepoint it ever recorded, redeployed plugins'"
                        + " included); start a new session");
        assertThat(io.tracepoint4j.testkit.Babeltrace.run(folder).clean().stdout())
                .filteredOn(line -> !line.contains("tracepoint4j:thread"))
                .singleElement()
                .asString()
                .contains(provider + ":first");
    }

    @Test
    void aNullConsumerIsRefused() {
        assertThatThrownBy(() -> Session.builder("x").warnings(null)).hasMessageContaining("warnings is null");
    }
}
