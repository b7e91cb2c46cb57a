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

/** The JVM's JFR events fired as tracepoints: real GCs and parks, seen by probes and in a recorded trace. */
class JvmTracepointsTest {
    public interface Work {
        void work(int step);
    }

    static final Tracepoint<Work> WORK = Tracepoint.define("jfrapp:work", Work.class, "step");

    record Pause(long gcId, String name, long startEpochNanos, long durationNanos) {}

    @Test
    void aGcPauseFiresJvmGcPauseWithItsIdNameStartAndDuration() {
        List<Pause> pauses = new CopyOnWriteArrayList<>();
        JvmTracepoints.GcPause probe = (gcId, name, start, nanos) -> pauses.add(new Pause(gcId, name, start, nanos));
        JvmTracepoints.GC_PAUSE.register(probe);
        long before = System.currentTimeMillis() * 1_000_000L;
        try (JvmTracepoints jvm = JvmTracepoints.start("gc_pause")) {
            assertThat(jvm.events()).containsExactly("gc_pause");
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
        JvmTracepoints.THREAD_PARK.register(probe);
        Thread parker = Thread.ofPlatform().name("parker").unstarted(() -> LockSupport.parkNanos(50_000_000L));
        try (JvmTracepoints jvm = JvmTracepoints.start(Duration.ofMillis(10), "thread_park")) {
            assertThat(jvm.events()).containsExactly("thread_park");
            parker.start();
            parker.join();
            Waits.awaitTrue(
                    () -> parks.stream().anyMatch(p -> p.tid() == parker.threadId()),
                    () -> "a jvm:thread_park firing of the parker, among " + parks);
        } finally {
            JvmTracepoints.THREAD_PARK.unregister(probe);
            JvmTracepoints.THREAD_PARK.synchronizeUnregister();
        }
        Park park = parks.stream()
                .filter(p -> p.tid() == parker.threadId())
                .findFirst()
                .orElseThrow();
        assertThat(park.thread()).isEqualTo("parker");
        assertThat(park.nanos()).isGreaterThanOrEqualTo(40_000_000L);
    }

    @Test
    void aSessionRecordsGcPausesAndTheApplicationsEventsInOneTrace(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        Session session = Session.builder("jvm-and-app")
                .enable("jvm:gc_pause")
                .enable("jfrapp:*")
                .output(folder)
                .start();
        List<Long> seen = new CopyOnWriteArrayList<>();
        JvmTracepoints.GcPause probe = (gcId, name, start, nanos) -> seen.add(gcId);
        JvmTracepoints.GC_PAUSE.register(probe);
        try (JvmTracepoints jvm = JvmTracepoints.start()) {
            assertThat(jvm.events()).hasSize(5); // all of them; the session records gc_pause alone
            for (int step = 0; step < 3; step++) {
                WORK.fire().work(step);
                System.gc();
            }
            Waits.awaitTrue(() -> !seen.isEmpty(), () -> "a jvm:gc_pause firing");
        } finally {
            JvmTracepoints.GC_PAUSE.unregister(probe);
            JvmTracepoints.GC_PAUSE.synchronizeUnregister();
        }
        session.stop();
        Babeltrace.Run run = Babeltrace.run(folder).clean();
        assertThat(run.stdout().stream().filter(l -> l.contains(" jfrapp:work: ")))
                .hasSize(3);
        assertThat(run.stdout().stream().filter(l -> l.contains(" jvm:gc_pause: ")))
                .isNotEmpty()
                .allSatisfy(l ->
                        assertThat(l).containsPattern("name = \"[^\"]*Pause").contains("durationNanos = "));
    }

    @Test
    void anUnknownEventOrANegativeThresholdIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> JvmTracepoints.start("gc"))
                .hasMessage("no JVM tracepoint jvm:gc; choose among gc_pause, safepoint, thread_park, monitor_enter,"
                        + " allocation_sample");
        assertThatThrownBy(() -> JvmTracepoints.start(Duration.ofMillis(-1), "gc_pause"))
                .hasMessageContaining("0 or more");
        try (JvmTracepoints twice = JvmTracepoints.start("gc_pause", "gc_pause")) {
            assertThat(twice.events()).as("a name given twice streams once").containsExactly("gc_pause");
        }
    }
}
