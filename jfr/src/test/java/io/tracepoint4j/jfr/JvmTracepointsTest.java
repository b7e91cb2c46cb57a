package io.tracepoint4j.jfr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.Waits;
import io.tracepoint4j.tracer.Session;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's JFR events fired as tracepoints, streamed while the tracepoints have probes: real GCs
 * and parks, seen by probes and in a trace a session records without any other call.
 */
class JvmTracepointsTest {
    public interface Work {
        void work(int step);
    }

    static final Tracepoint<Work> WORK = Tracepoint.define("jfrapp:work", Work.class, "step");

    record Pause(long gcId, String name, long durationNanos, long endEpochNanos) {}

    @Test
    void aGcPauseFiresJvmGcPauseWhileItHasAProbeAndJfrStopsWithTheLastProbe() {
        assertThat(JvmTracepoints.define())
                .containsExactly(
                        "jvm:gc_pause",
                        "jvm:safepoint",
                        "jvm:thread_park",
                        "jvm:monitor_enter",
                        "jvm:allocation_sample");
        assertThat(JvmTracepoints.streaming()).as("no probe, no stream").isEmpty();
        List<Pause> pauses = new CopyOnWriteArrayList<>();
        JvmTracepoints.GcPause probe = (gcId, name, nanos, end) -> pauses.add(new Pause(gcId, name, nanos, end));
        long before = System.currentTimeMillis() * 1_000_000L;
        JvmTracepoints.GC_PAUSE.register(probe);
        try {
            assertThat(JvmTracepoints.streaming()).containsExactly("jvm:gc_pause");
            Waits.awaitTrue(
                    () -> {
                        System.gc();
                        return !pauses.isEmpty();
                    },
                    () -> "a jvm:gc_pause firing after System.gc()");
        } finally {
            JvmTracepoints.GC_PAUSE.unregister(probe);
            JvmTracepoints.GC_PAUSE.synchronizeUnregister();
        }
        assertThat(JvmTracepoints.streaming())
                .as("the last probe stopped the stream")
                .isEmpty();
        Pause pause = pauses.getFirst();
        assertThat(pause.gcId()).isNotNegative();
        assertThat(pause.name()).contains("Pause"); // "GC Pause" (Serial), "Pause Young (Normal) ..." (G1)
        assertThat(pause.durationNanos()).isPositive();
        assertThat(pause.endEpochNanos()).isGreaterThanOrEqualTo(before - 1_000_000_000L);
        assertThat(JvmTracepoints.GC_PAUSE.eventTime()).contains(new Tracepoint.Argument("endEpochNanos", long.class));
    }

    @Test
    void aLongParkFiresJvmThreadParkWithTheParkedThreadNotJfrsNorTheLibrarys() throws Exception {
        record Park(long tid, String thread, long nanos) {}
        List<Park> parks = new CopyOnWriteArrayList<>();
        JvmTracepoints.ThreadPark probe =
                (tid, thread, parkedClass, timeout, nanos, end) -> parks.add(new Park(tid, thread, nanos));
        JvmTracepoints.threshold(Duration.ofMillis(10));
        Thread parker = Thread.ofPlatform().name("parker").unstarted(() -> LockSupport.parkNanos(50_000_000L));
        Thread libraryThread = Thread.ofPlatform()
                .name(JvmTracepoints.LIBRARY_THREAD_PREFIX + "test")
                .unstarted(() -> LockSupport.parkNanos(50_000_000L));
        JvmTracepoints.THREAD_PARK.register(probe);
        try {
            libraryThread.start(); // first: its park, were it fired, would come before the parker's
            libraryThread.join();
            parker.start();
            parker.join();
            Waits.awaitTrue(
                    () -> parks.stream().anyMatch(p -> p.tid() == parker.threadId()),
                    () -> "a jvm:thread_park firing of the parker, among " + parks);
        } finally {
            JvmTracepoints.THREAD_PARK.unregister(probe);
            JvmTracepoints.THREAD_PARK.synchronizeUnregister();
            JvmTracepoints.threshold(JvmTracepoints.DEFAULT_THRESHOLD);
        }
        Park park = parks.stream()
                .filter(p -> p.tid() == parker.threadId())
                .findFirst()
                .orElseThrow();
        assertThat(park.thread()).isEqualTo("parker");
        assertThat(park.nanos()).isGreaterThanOrEqualTo(40_000_000L);
        assertThat(parks)
                .as("the parks of the library's own threads and of JFR's stream thread")
                .noneMatch(p -> p.tid() == libraryThread.threadId()
                        || p.thread().startsWith(JvmTracepoints.LIBRARY_THREAD_PREFIX)
                        || p.thread().startsWith("JFR Event Stream"));
    }

    /**
     * Another recording with a lower threshold (a -XX:StartFlightRecording of the application) lets
     * JFR deliver shorter parks to every recording: jvm:thread_park still fires only for parks of
     * its own threshold. It used to fire for every park the other recording let through.
     */
    @Test
    void anotherRecordingsLowerThresholdDoesNotLowerTheTracepointsOwn() throws Exception {
        List<Long> parked = new CopyOnWriteArrayList<>();
        JvmTracepoints.ThreadPark probe = (tid, thread, parkedClass, timeout, nanos, end) -> {
            if (thread.equals("short-parker")) {
                parked.add(nanos);
            }
        };
        JvmTracepoints.threshold(Duration.ofMillis(30));
        try (jdk.jfr.Recording everything = new jdk.jfr.Recording()) {
            everything.enable("jdk.ThreadPark").withThreshold(Duration.ZERO);
            everything.start();
            JvmTracepoints.THREAD_PARK.register(probe);
            try {
                Thread parker = Thread.ofPlatform().name("short-parker").start(() -> {
                    for (int i = 0; i < 10; i++) {
                        LockSupport.parkNanos(2_000_000L); // below the tracepoint's threshold
                    }
                    LockSupport.parkNanos(80_000_000L); // above it
                });
                parker.join();
                Waits.awaitTrue(() -> !parked.isEmpty(), () -> "the long park's firing");
                Thread.sleep(1_500); // JFR hands events over about a second late: the short ones would be here
            } finally {
                JvmTracepoints.THREAD_PARK.unregister(probe);
                JvmTracepoints.THREAD_PARK.synchronizeUnregister();
            }
        } finally {
            JvmTracepoints.threshold(JvmTracepoints.DEFAULT_THRESHOLD);
        }
        assertThat(parked)
                .as("parks of short-parker fired, in ns")
                .singleElement()
                .satisfies(nanos -> assertThat(nanos).isGreaterThanOrEqualTo(30_000_000L));
    }

    /**
     * As tp record -e 'jvm:gc_pause,jfrapp:*' does: the session's probe alone starts JFR's stream,
     * and each GC pause, though JFR hands it over a second later, is in the trace at its own time,
     * between the application's events it happened between.
     */
    @Test
    void aSessionRecordsGcPausesAtTheirTimeAmongTheApplicationsEvents(@TempDir Path dir) throws Exception {
        JvmTracepoints.define();
        Path folder = dir.resolve("trace");
        Session session = Session.builder("jvm-and-app")
                .enable("jvm:gc_pause")
                .enable("jfrapp:*")
                .output(folder)
                .start();
        assertThat(JvmTracepoints.streaming()).containsExactly("jvm:gc_pause");
        List<Long> seen = new CopyOnWriteArrayList<>(); // only to know when JFR has handed the pauses over
        JvmTracepoints.GcPause probe = (gcId, name, nanos, end) -> seen.add(end);
        JvmTracepoints.GC_PAUSE.register(probe);
        long lastGcEnd = 0;
        try {
            for (int step = 0; step < 3; step++) {
                WORK.fire().work(step);
                System.gc();
                Thread.sleep(20); // so that work and pauses lie apart on the wall clock too
            }
            long afterLastGc = epochNanosNow();
            WORK.fire().work(3);
            Waits.awaitTrue(
                    () -> seen.stream().filter(end -> end <= afterLastGc).count() >= 3,
                    () -> "three jvm:gc_pause firings, among " + seen);
            lastGcEnd = afterLastGc;
        } finally {
            JvmTracepoints.GC_PAUSE.unregister(probe);
        }
        session.stop();
        assertThat(JvmTracepoints.streaming()).isEmpty();

        List<String> order = new ArrayList<>(); // "work N" and "gc", merged by timestamp
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (event.name().equals("jfrapp:work")) {
                    order.add("work " + event.field("step"));
                } else if (event.name().equals("jvm:gc_pause")) {
                    long end = (Long) event.field("endEpochNanos");
                    Instant at = event.clock().toInstant(event.timestamp());
                    assertThat(at.getEpochSecond() * 1_000_000_000L + at.getNano())
                            .as("%s is placed at the pause's end, on the trace's clock", event)
                            .isCloseTo(end, Offset.offset(5_000_000L));
                    if (end <= lastGcEnd) {
                        order.add("gc");
                    }
                }
            }
        }
        String joined = String.join(", ", order);
        assertThat(joined)
                .as("a pause between each two steps, as System.gc() ran")
                .containsPattern("^work 0, (gc, )+work 1, (gc, )+work 2, (gc, )+work 3$");
        Babeltrace.Run run = Babeltrace.run(folder).clean();
        assertThat(run.stdout().stream().filter(l -> l.contains(" jfrapp:work: ")))
                .hasSize(4);
        assertThat(run.stdout().stream().filter(l -> l.contains(" jvm:gc_pause: ")))
                .isNotEmpty()
                .allSatisfy(l ->
                        assertThat(l).containsPattern("name = \"[^\"]*Pause").contains("durationNanos = "));
    }

    static long epochNanosNow() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** One stream for all: disabling one event keeps the stream, and the other events, going. */
    @Test
    void eventsAreEnabledAndDisabledInOneStreamAsTheirTracepointsGainAndLoseProbes() throws Exception {
        List<Long> parked = new CopyOnWriteArrayList<>();
        JvmTracepoints.GcPause gcProbe = (gcId, name, nanos, end) -> {};
        JvmTracepoints.ThreadPark parkProbe = (tid, thread, parkedClass, timeout, nanos, end) -> parked.add(tid);
        JvmTracepoints.threshold(Duration.ofMillis(10));
        JvmTracepoints.GC_PAUSE.register(gcProbe);
        try {
            JvmTracepoints.THREAD_PARK.register(parkProbe);
            try {
                assertThat(JvmTracepoints.streaming()).containsExactly("jvm:gc_pause", "jvm:thread_park");
                JvmTracepoints.GC_PAUSE.unregister(gcProbe);
                assertThat(JvmTracepoints.streaming()).containsExactly("jvm:thread_park");
                Thread parker = Thread.ofPlatform().name("parker2").start(() -> LockSupport.parkNanos(50_000_000L));
                parker.join();
                Waits.awaitTrue(
                        () -> parked.contains(parker.threadId()),
                        () -> "jvm:thread_park still fires after jvm:gc_pause's event was disabled");
            } finally {
                JvmTracepoints.THREAD_PARK.unregister(parkProbe);
            }
        } finally {
            JvmTracepoints.GC_PAUSE.unregisterIfRegistered(gcProbe);
            JvmTracepoints.threshold(JvmTracepoints.DEFAULT_THRESHOLD);
        }
        assertThat(JvmTracepoints.streaming()).isEmpty();
    }

    @Test
    void aNegativeThresholdIsRefused() {
        assertThatThrownBy(() -> JvmTracepoints.threshold(Duration.ofMillis(-1)))
                .hasMessageContaining("0 or more");
    }
}
