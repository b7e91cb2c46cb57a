package io.tracepoint4j.jfr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.Waits;
import io.tracepoint4j.tracer.Session;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
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

    record Pause(long gcId, String name, long startEpochNanos, long durationNanos) {}

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
        JvmTracepoints.GcPause probe = (gcId, name, start, nanos) -> pauses.add(new Pause(gcId, name, start, nanos));
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
        assertThat(pause.startEpochNanos()).isGreaterThanOrEqualTo(before - 1_000_000_000L);
    }

    @Test
    void aLongParkFiresJvmThreadParkWithTheParkedThreadNotJfrs() throws Exception {
        record Park(long tid, String thread, long nanos) {}
        List<Park> parks = new CopyOnWriteArrayList<>();
        JvmTracepoints.ThreadPark probe =
                (tid, thread, parkedClass, timeout, start, nanos) -> parks.add(new Park(tid, thread, nanos));
        JvmTracepoints.threshold(Duration.ofMillis(10));
        Thread parker = Thread.ofPlatform().name("parker").unstarted(() -> LockSupport.parkNanos(50_000_000L));
        JvmTracepoints.THREAD_PARK.register(probe);
        try {
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
    }

    /** As tp record -e 'jvm:gc_pause,jfrapp:*' does: the session's probe alone starts JFR's stream. */
    @Test
    void aSessionRecordsGcPausesAndTheApplicationsEventsInOneTrace(@TempDir Path dir) throws Exception {
        JvmTracepoints.define();
        Path folder = dir.resolve("trace");
        Session session = Session.builder("jvm-and-app")
                .enable("jvm:gc_pause")
                .enable("jfrapp:*")
                .output(folder)
                .start();
        assertThat(JvmTracepoints.streaming()).containsExactly("jvm:gc_pause");
        List<Long> seen = new CopyOnWriteArrayList<>(); // only to know when JFR has handed a pause over
        JvmTracepoints.GcPause probe = (gcId, name, start, nanos) -> seen.add(gcId);
        JvmTracepoints.GC_PAUSE.register(probe);
        try {
            for (int step = 0; step < 3; step++) {
                WORK.fire().work(step);
                System.gc();
            }
            Waits.awaitTrue(() -> !seen.isEmpty(), () -> "a jvm:gc_pause firing");
        } finally {
            JvmTracepoints.GC_PAUSE.unregister(probe);
        }
        session.stop();
        assertThat(JvmTracepoints.streaming()).isEmpty();
        Babeltrace.Run run = Babeltrace.run(folder).clean();
        assertThat(run.stdout().stream().filter(l -> l.contains(" jfrapp:work: ")))
                .hasSize(3);
        assertThat(run.stdout().stream().filter(l -> l.contains(" jvm:gc_pause: ")))
                .isNotEmpty()
                .allSatisfy(l ->
                        assertThat(l).containsPattern("name = \"[^\"]*Pause").contains("durationNanos = "));
    }

    @Test
    void aNegativeThresholdIsRefused() {
        assertThatThrownBy(() -> JvmTracepoints.threshold(Duration.ofMillis(-1)))
                .hasMessageContaining("0 or more");
    }
}
