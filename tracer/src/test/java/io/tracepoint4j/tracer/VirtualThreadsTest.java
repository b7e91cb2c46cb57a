package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.testkit.Babeltrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 virtual threads record into one session: memory stays what the session was configured
 * with (the trace is no larger than the events need), every event is recorded or counted as lost,
 * and a thread that yields (and may move to another carrier) between its two events loses and
 * tears nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class VirtualThreadsTest {

    /** The thread's own id, and which of its two events this is. */
    public interface Step {
        void step(long self, int which);
    }

    @Test
    void aHundredThousandVirtualThreadsShareTheSessionsBuffers(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<Step> step = Tracepoint.define(provider + ":step", Step.class, "self", "which");
        Path folder = dir.resolve("t");
        Session session = Session.builder("virtual")
                .enable(provider + ":*")
                .output(folder)
                .buffers(4)
                .subBufferSize(64 * 1024)
                .subBufferCount(8)
                .start();
        int threads = 100_000;
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                executor.submit(() -> {
                    long self = Thread.currentThread().threadId();
                    step.fire().step(self, 1);
                    Thread.yield(); // unmounts: the next event may run on another carrier
                    step.fire().step(self, 2);
                });
            }
        }
        Session.Summary summary = session.stop();

        Map<Long, List<Integer>> byThread = new HashMap<>();
        long names = 0;
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                long tid = (Long) event.field("tid");
                if (event.name().equals("tracepoint4j:thread")) {
                    names++;
                    continue;
                }
                assertThat(event.field("self"))
                        .as("a record holds its own thread's values")
                        .isEqualTo(tid);
                byThread.computeIfAbsent(tid, t -> new ArrayList<>()).add((Integer) event.field("which"));
            }
        }
        long recorded = byThread.values().stream().mapToLong(List::size).sum();
        assertThat(recorded + summary.lost()).as("recorded + lost = fired").isEqualTo(2L * threads);
        assertThat(recorded).as("most are recorded").isGreaterThan(threads);
        for (List<Integer> steps : byThread.values()) {
            assertThat(steps).as("a thread's events, in order, once each").isIn(List.of(1, 2), List.of(1), List.of(2));
        }
        // more threads than the 4096 name slots fire in turns: a thread may be named before each event
        assertThat(names).as("a name per event at most").isLessThanOrEqualTo(recorded);
        long traceBytes = 0;
        try (var files = Files.list(folder)) {
            for (Path file : files.toList()) {
                traceBytes += Files.size(file);
            }
        }
        assertThat(traceBytes)
                .as("the trace holds the events and names, nothing per thread beyond them")
                .isLessThan((recorded + names) * 80 + 1_000_000);
        Babeltrace.Run run = Babeltrace.run(folder);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
    }
}
