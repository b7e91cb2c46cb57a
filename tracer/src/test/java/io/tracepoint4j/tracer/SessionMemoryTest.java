package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ringbuffer.Loss;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's buffer memory goes back when the session stops, not at some later GC, and a session
 * never started goes back once unreachable (SessionBuffers, "Memory").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class SessionMemoryTest {
    /** A prototype. */
    public interface Tick {
        void tick(long n);
    }

    @Test
    void aStoppedSessionGivesItsBuffersBackAndItsWritersTouchThemNoMore(@TempDir Path dir) throws Exception {
        Tracepoint<Tick> tick = Tracepoint.define("memory1:tick", Tick.class, "n");
        Session session = Session.builder("memory1")
                .enable("memory1:*")
                .output(dir.resolve("trace"))
                .start();
        MemorySegment.Scope memory = session.recorder().memory.scope();
        tick.fire().tick(1);
        assertThat(memory.isAlive()).as("the buffers' memory while recording").isTrue();
        // a writer of the session's, as a probe still running on a tracepoint after the stop would be
        TracepointWriter late = new TracepointWriter(session.recorder(), 1, Long.BYTES, 64, false, "late");

        Session.Summary summary = session.stop();

        assertThat(memory.isAlive()).as("the buffers' memory after the stop").isFalse();
        assertThat(summary.lost()).isZero();
        assertThat(session.lost(Loss.BUFFER_FULL)).isZero(); // the counts are not in that memory
        assertThat(SessionTest.events(dir.resolve("trace"))).hasSize(1);
        tick.fire().tick(2); // the session's probe is gone
        assertThat(late.begin(0)).as("a writer after the stop records nothing").isEqualTo(-1);
        late.firingTooDeep(); // counts nothing, and touches no memory: it would throw
    }

    @Test
    void aSessionNeverStartedGivesItsBuffersBackOnceUnreachable(@TempDir Path dir) throws Exception {
        MemorySegment.Scope memory = neverStarted(dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (memory.isAlive() && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(memory.isAlive())
                .as("the memory of a session dropped without a start")
                .isFalse();
    }

    /**
     * Once every session's memory is freed, no thread of the library's is left for it: tp record's
     * detach leaves the target as it was. (A Cleaner's thread used to stay for good after the first
     * session.)
     */
    @Test
    void noThreadIsLeftOnceEverySessionsMemoryIsFreed(@TempDir Path dir) throws Exception {
        Session session = Session.builder("memory3")
                .enable("memory3:*")
                .output(dir.resolve("trace"))
                .start();
        assertThat(memoryThreadRuns()).as("while a session's memory is in use").isTrue();
        session.stop();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((UnfreedMemory.count() > 0 || memoryThreadRuns()) && System.nanoTime() < deadline) {
            System.gc(); // sessions other tests dropped unstarted
            Thread.sleep(50);
        }
        assertThat(UnfreedMemory.count()).as("unfreed memory").isZero();
        assertThat(memoryThreadRuns()).as("the thread that frees it").isFalse();
    }

    private static boolean memoryThreadRuns() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("tracepoint4j-session-memory")) {
                return true;
            }
        }
        return false;
    }

    /** The scope of a session's memory, the session itself no longer referenced. */
    private static MemorySegment.Scope neverStarted(Path dir) {
        Session session = Session.builder("memory2")
                .enable("memory2:*")
                .output(dir.resolve("trace"))
                .subBufferCount(64) // 16 MiB each: a leak would show
                .build();
        return session.recorder().memory.scope();
    }
}
