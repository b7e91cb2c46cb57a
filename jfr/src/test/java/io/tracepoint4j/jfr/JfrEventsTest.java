package io.tracepoint4j.jfr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracepoints into JFR, read back as a user would: a real recording dumped to a file and read with
 * {@link RecordingFile}; every argument type, tracepoints defined after the bridge, the cached event
 * types, and the bridge's detach.
 */
class JfrEventsTest {
    public enum Mode {
        READ,
        WRITE
    }

    /** Every argument type a prototype may have. */
    public interface Everything {
        void fire(
                boolean z,
                byte b,
                short s,
                char c,
                int i,
                long j,
                float f,
                double d,
                String text,
                Mode mode,
                byte[] data);
    }

    public interface Later {
        void later(int n);
    }

    public interface Plain {
        void plain(long n);
    }

    static final Tracepoint<Everything> EVERYTHING = Tracepoint.define(
            "jfrtest:everything", Everything.class, "z", "b", "s", "c", "i", "j", "f", "d", "text", "mode", "data");

    static final Tracepoint<Plain> PLAIN = Tracepoint.define("jfrbench:plain", Plain.class, "n");

    @Test
    void everyFiringOfABridgedTracepointIsAJfrEventWithItsArgumentsAsFields(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bridged.jfr");
        try (JfrEvents bridge = JfrEvents.enable("jfrtest:*");
                Recording recording = new Recording()) {
            recording.enable("tracepoint4j.jfrtest.everything");
            recording.start();
            for (int n = 0; n < 100; n++) {
                EVERYTHING
                        .fire()
                        .fire(
                                n % 2 == 0,
                                (byte) n,
                                (short) (n * 3),
                                (char) ('a' + n % 26),
                                n,
                                n * 1_000_000_000L,
                                n / 4f,
                                n / 8d,
                                n % 10 == 0 ? null : "text-" + n,
                                n % 3 == 0 ? null : Mode.values()[n % 2],
                                n % 5 == 0 ? null : "x".repeat(n).getBytes(StandardCharsets.UTF_8));
            }
            assertThat(bridge.tracepoints()).contains("jfrtest:everything");
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("tracepoint4j.jfrtest.everything"))
                .toList();
        assertThat(events).hasSize(100);
        for (int n = 0; n < 100; n++) {
            RecordedEvent e = events.get(n);
            assertThat(e.getBoolean("z")).isEqualTo(n % 2 == 0);
            assertThat(e.getByte("b")).isEqualTo((byte) n);
            assertThat(e.getShort("s")).isEqualTo((short) (n * 3));
            assertThat(e.getChar("c")).isEqualTo((char) ('a' + n % 26));
            assertThat(e.getInt("i")).isEqualTo(n);
            assertThat(e.getLong("j")).isEqualTo(n * 1_000_000_000L);
            assertThat(e.getFloat("f")).isEqualTo(n / 4f);
            assertThat(e.getDouble("d")).isEqualTo(n / 8d);
            assertThat(e.getString("text")).isEqualTo(n % 10 == 0 ? null : "text-" + n);
            assertThat(e.getString("mode")).isEqualTo(n % 3 == 0 ? null : Mode.values()[n % 2].name());
            assertThat(e.getInt("data")).isEqualTo(n % 5 == 0 ? -1 : n);
            assertThat(e.getThread().getJavaThreadId())
                    .isEqualTo(Thread.currentThread().threadId());
        }
        EventType type = events.getFirst().getEventType();
        assertThat(type.getLabel()).isEqualTo("jfrtest:everything");
        assertThat(type.getCategoryNames()).containsExactly("tracepoint4j", "jfrtest");
        assertThat(type.getField("data").getDescription()).contains("length");
    }

    @Test
    void aTracepointDefinedAfterTheBridgeIsBridgedAndEachTracepointHasOneEventTypeForever(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("later.jfr");
        Tracepoint<Later> later;
        try (JfrEvents first = JfrEvents.enable("jfrlater:*");
                Recording recording = new Recording()) {
            recording.enable("tracepoint4j.jfrlater.defined");
            recording.start();
            later = Tracepoint.define("jfrlater:defined", Later.class, "n");
            later.fire().later(7);
            assertThat(first.tracepoints()).containsExactly("jfrlater:defined");
            try (JfrEvents second = JfrEvents.enable("jfrlater:defined")) {
                later.fire().later(8); // two bridges: two events, of one type
                assertThat(second.tracepoints()).containsExactly("jfrlater:defined");
            }
            recording.stop();
            recording.dump(file);
        }
        assertThat(RecordingFile.readAllEvents(file).stream()
                        .filter(e -> e.getEventType().getName().equals("tracepoint4j.jfrlater.defined"))
                        .map(e -> e.getInt("n")))
                .containsExactly(7, 8, 8);
        assertThat(FlightRecorder.getFlightRecorder().getEventTypes().stream()
                        .filter(t -> t.getName().equals("tracepoint4j.jfrlater.defined")))
                .hasSize(1);
        assertThat(later.probeCount()).as("closing detaches").isZero();
    }

    @Test
    void withoutARecordingNothingIsCommittedAndAClosedBridgeCommitsNothing(@TempDir Path dir) throws Exception {
        JfrEvents bridge = JfrEvents.enable("jfrbench:plain");
        PLAIN.fire().plain(1); // no recording: the writer skips at the enabled check
        bridge.close();
        bridge.close(); // idempotent
        Path file = dir.resolve("closed.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("tracepoint4j.jfrbench.plain");
            recording.start();
            PLAIN.fire().plain(2);
            recording.stop();
            recording.dump(file);
        }
        assertThat(RecordingFile.readAllEvents(file).stream()
                        .filter(e -> e.getEventType().getName().startsWith("tracepoint4j.")))
                .isEmpty();
        assertThat(PLAIN.probeCount()).isZero();
    }

    public interface Timed {
        void timed(long duration, String startTime, int startTimeAgain);
    }

    /**
     * An argument named like one of JFR's own fields gets a field of its own, with {@code _}
     * appended, and more if another argument has that name already: the bridge used to give both
     * {@code startTime_}, and JFR refused the event type, so the tracepoint went unbridged, said
     * only in a log (found by a black-box test).
     */
    @Test
    void anArgumentNamedLikeJfrsOwnFieldsGetsAFieldOfItsOwn(@TempDir Path dir) throws Exception {
        Tracepoint<Timed> timed =
                Tracepoint.define("jfrnames:timed", Timed.class, "duration", "startTime", "startTime_");
        Path file = dir.resolve("names.jfr");
        try (JfrEvents bridge = JfrEvents.enable("jfrnames:*");
                Recording recording = new Recording()) {
            recording.enable("tracepoint4j.jfrnames.timed");
            recording.start();
            timed.fire().timed(1234, "noon", 7);
            recording.stop();
            recording.dump(file);
            assertThat(bridge.tracepoints()).containsExactly("jfrnames:timed");
        }
        RecordedEvent event = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("tracepoint4j.jfrnames.timed"))
                .findFirst()
                .orElseThrow();
        assertThat(event.getLong("duration_")).isEqualTo(1234);
        assertThat(event.getString("startTime__")).isEqualTo("noon");
        assertThat(event.getInt("startTime_")).isEqualTo(7);
        assertThat(event.getEventType().getFields().stream().map(f -> f.getName()))
                .doesNotHaveDuplicates();
    }

    @Test
    void noGlobOrAnEmptyOneIsRefused() {
        assertThatThrownBy(JfrEvents::enable).hasMessageContaining("at least one");
        assertThatThrownBy(() -> JfrEvents.enable("web:*", "")).hasMessageContaining("got \"\"");
        assertThatThrownBy(() -> JfrEvents.enable("web:[")).hasMessageContaining("matches no tracepoint");
    }

    /**
     * The jvm:* tracepoints come from JFR's own events: a bridge of every tracepoint leaves them out
     * (their events, committed on JFR's stream thread, never reached the recording, and the bridge
     * listed them as bridged and ran a stream for nothing).
     */
    @Test
    void theJvmTracepointsAreNotBridgedBackIntoJfr() {
        JvmTracepoints.define();
        try (JfrEvents bridge = JfrEvents.enable("*")) {
            assertThat(bridge.tracepoints()).isNotEmpty().noneMatch(name -> name.startsWith("jvm:"));
            assertThat(JvmTracepoints.streaming())
                    .as("no JFR stream started for them")
                    .isEmpty();
        }
    }
}
