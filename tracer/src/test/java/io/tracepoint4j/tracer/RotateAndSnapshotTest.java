package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.testkit.Babeltrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation (a DISCARD session goes on into a new trace chunk) and snapshots (an OVERWRITE session
 * writes what its buffers hold), while threads keep firing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class RotateAndSnapshotTest {

    /**
     * Two threads fire without pause while the session rotates three times: every event lands in
     * exactly one chunk, in order, each chunk names the threads of its events and is read by
     * babeltrace2 alone and with the others.
     */
    @Test
    void everyEventLandsInExactlyOneChunkAndEachChunkNamesItsThreads(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Path folder = dir.resolve("trace");
        Session session = Session.builder("rotating")
                .enable(provider + ":*")
                .output(folder)
                .buffers(2)
                .subBufferSize(64 * 1024)
                .subBufferCount(16)
                .start();
        AtomicBoolean running = new AtomicBoolean(true);
        Map<Long, AtomicLong> firedByThread = new HashMap<>();
        List<Thread> firing = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            AtomicLong fired = new AtomicLong();
            Thread thread = Thread.ofPlatform().name("firing-" + t).unstarted(() -> {
                for (long n = 0; running.get(); n++) {
                    tick.fire().tick(n);
                    fired.set(n + 1);
                    if (n % 100 == 99) {
                        pause(); // at most 100,000 events a second: the drain keeps up
                    }
                }
            });
            firedByThread.put(thread.threadId(), fired);
            firing.add(thread);
            thread.start();
        }
        List<Path> rotatedOut = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            Thread.sleep(150);
            rotatedOut.add(session.rotate());
        }
        Thread.sleep(150);
        running.set(false);
        for (Thread thread : firing) {
            thread.join();
        }
        Session.Summary summary = session.stop();

        assertThat(summary.chunks())
                .containsExactly(folder, dir.resolve("trace.1"), dir.resolve("trace.2"), dir.resolve("trace.3"));
        assertThat(rotatedOut).containsExactlyElementsOf(summary.chunks().subList(0, 3));
        assertThat(summary.lost()).as("room to spare").isZero();
        Map<Long, List<Long>> all = new HashMap<>();
        for (Path chunkFolder : summary.chunks()) {
            SessionTest.Ticks chunk = SessionTest.ticks(chunkFolder);
            assertThat(chunk.ticksByThread())
                    .as("every chunk has events of both threads")
                    .hasSize(2);
            for (Long tid : chunk.ticksByThread().keySet()) {
                assertThat(chunk.names().get(tid))
                        .as("%s names thread %d", chunkFolder, tid)
                        .startsWith("firing-");
            }
            chunk.ticksByThread()
                    .forEach((tid, n) ->
                            all.computeIfAbsent(tid, t -> new ArrayList<>()).addAll(n));
            Babeltrace.Run run = Babeltrace.run(chunkFolder);
            assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
            assertThat(run.stderr()).as("nothing discarded").doesNotContain("discarded");
        }
        for (Map.Entry<Long, List<Long>> thread : all.entrySet()) {
            long fired = firedByThread.get(thread.getKey()).get();
            List<Long> expected = new ArrayList<>();
            for (long n = 0; n < fired; n++) {
                expected.add(n);
            }
            assertThat(thread.getValue())
                    .as("each event once, in order, across the chunks")
                    .isEqualTo(expected);
        }
        Babeltrace.Run together = Babeltrace.run((Object[]) summary.chunks().toArray(Path[]::new));
        assertThat(together.exitCode()).as("stderr: %s", together.stderr()).isZero();
        long total = all.values().stream().mapToLong(List::size).sum();
        assertThat(together.stdout().stream()
                        .filter(l -> l.contains(provider + ":tick"))
                        .count())
                .isEqualTo(total);
    }

    /**
     * A flight recorder: far more events than its buffers hold; a snapshot has the newest ones, in
     * order, and names their thread although its first event (which named it) was overwritten; the
     * events after the snapshot are in the trace written at the stop.
     */
    @Test
    void aSnapshotHoldsTheNewestEventsAndTheStopTheOnesAfterIt(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Path folder = dir.resolve("recorder");
        Session session = Session.builder("flight")
                .enable(provider + ":*")
                .output(folder)
                .mode(Mode.OVERWRITE)
                .buffers(1)
                .subBufferSize(4096)
                .subBufferCount(4)
                .start();
        int fired = 100_000;
        Thread thread = Thread.ofPlatform().name("flight-worker").start(() -> {
            for (int n = 0; n < fired; n++) {
                tick.fire().tick(n);
            }
        });
        thread.join();
        Path snapshot = session.snapshot(dir.resolve("snapshot-1"));
        for (int n = fired; n < fired + 10; n++) {
            tick.fire().tick(n);
        }
        session.stop();

        SessionTest.Ticks snap = SessionTest.ticks(snapshot);
        List<Long> newest = snap.ticksByThread().get(thread.threadId());
        assertThat(newest)
                .as("some, not all: the buffers hold 16 KiB")
                .isNotEmpty()
                .hasSizeLessThan(1000);
        assertThat(newest.getLast()).as("the newest event").isEqualTo(fired - 1L);
        for (int i = 1; i < newest.size(); i++) {
            assertThat(newest.get(i)).as("in order").isGreaterThan(newest.get(i - 1));
        }
        assertThat(snap.names()).containsEntry(thread.threadId(), "flight-worker");
        Babeltrace.Run run = Babeltrace.run(snapshot);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        List<String> lines = run.stdout();
        int named = indexOf(lines, "name = \"flight-worker\"");
        assertThat(named)
                .as("the thread's name before its first event (at its time it sorted after it)")
                .isNotNegative()
                .isLessThan(indexOf(lines, provider + ":tick"));

        SessionTest.Ticks last = SessionTest.ticks(folder);
        assertThat(last.ticksByThread().get(Thread.currentThread().threadId()))
                .as("the stop writes the events after the snapshot")
                .containsExactly(
                        100_000L, 100_001L, 100_002L, 100_003L, 100_004L, 100_005L, 100_006L, 100_007L, 100_008L,
                        100_009L);
        assertThat(last.ticksByThread()).doesNotContainKey(thread.threadId());
        assertThat(last.names())
                .containsEntry(
                        Thread.currentThread().threadId(),
                        Thread.currentThread().getName());
        assertThat(Babeltrace.run(folder).exitCode()).isZero();
    }

    /**
     * A flight recorder whose buffers a hot writer fills many times during one packet's disk
     * write: each snapshot holds the newest sub-buffers, and no more than the buffers hold. A
     * snapshot that wrote each sub-buffer before copying the next was at times empty (the writer
     * had overwritten the rest meanwhile) and at times chased the writer far past what the buffers
     * hold (found by a black-box test: 0 events, or 49,896 where 16 KiB holds about 600).
     */
    @Test
    void aHotWritersSnapshotsHoldTheNewestSubBuffersAndNoMore(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        int bufferBytes = 4 * 4096;
        Session session = Session.builder("hot-flight")
                .enable(provider + ":*")
                .output(dir.resolve("recorder"))
                .mode(Mode.OVERWRITE)
                .buffers(1)
                .subBufferSize(4096)
                .subBufferCount(4)
                .start();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofVirtual()
                .name("hot")
                .start(
                        () -> { // a shared buffer: it never stops writing
                            long n = 0;
                            while (!stop.get()) {
                                tick.fire().tick(n++);
                            }
                        });
        try {
            Thread.sleep(100);
            for (int i = 0; i < 20; i++) {
                Path snapshot = session.snapshot(dir.resolve("snapshot-" + i));
                long buffers;
                try (var files = Files.list(snapshot)) {
                    buffers = files.filter(f -> f.getFileName().toString().startsWith("stream-"))
                                    .count()
                            - 1;
                }
                List<Long> events =
                        SessionTest.ticks(snapshot).ticksByThread().getOrDefault(writer.threadId(), List.of());
                assertThat(events)
                        .as("snapshot %d: the newest sub-buffers, at most its %d buffers' worth", i, buffers)
                        .isNotEmpty()
                        .hasSizeLessThanOrEqualTo((int) (buffers * bufferBytes / EVENT_BYTES_AT_LEAST));
                for (int k = 1; k < events.size(); k++) {
                    assertThat(events.get(k)).as("in order").isGreaterThan(events.get(k - 1));
                }
            }
        } finally {
            stop.set(true);
            writer.join();
            session.stop();
        }
    }

    /** A tick event's bytes at least: its id, timestamp, thread id and argument. */
    private static final int EVENT_BYTES_AT_LEAST = 2 + 8 + 8 + 8;

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Losses stay in the chunk they happened in: read alone, a chunk after a rotation counts none
     * of the earlier chunk's (its streams go on counting from there: it may have lost before, as
     * babeltrace2 says), and the chunks together count the session's. The Java reader used to
     * count the first chunk's losses again in the second (found by a black-box test).
     */
    @Test
    void aChunkReadAloneCountsOnlyItsOwnLosses(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Session session = Session.builder("losses")
                .enable(provider + ":*")
                .output(dir.resolve("trace"))
                .buffers(1)
                .threadBuffers(1)
                .subBufferSize(4096)
                .subBufferCount(2)
                .start();
        for (int i = 0; i < 10_000; i++) {
            tick.fire().tick(i); // far more than two sub-buffers hold: most are lost
        }
        Path first = session.rotate();
        for (int i = 0; i < 10; i++) {
            tick.fire().tick(i);
        }
        Session.Summary summary = session.stop();
        assertThat(summary.lost()).isPositive();
        Path second = summary.chunks().getLast();
        try (CtfReader one = CtfReader.open(first);
                CtfReader two = CtfReader.open(second)) {
            assertThat(one.discardedEvents()).as("the first chunk's losses").isEqualTo(summary.lost());
            assertThat(one.mayHaveLostBefore()).isFalse();
            assertThat(two.discardedEvents())
                    .as("the second chunk lost nothing")
                    .isZero();
            assertThat(two.mayHaveLostBefore()).as("its streams go on counting").isTrue();
            assertThat(two.events()).hasSize(10 + 1); // its thread's name, and the ten
        }
    }

    /** Rotations from several threads at once each take a folder of their own (.1, .2, ...). */
    @Test
    void concurrentRotationsTakeFoldersOfTheirOwn(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Path folder = dir.resolve("trace");
        Session session = Session.builder("rotating-together")
                .enable(provider + ":*")
                .output(folder)
                .start();
        int threads = 4;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(threads);
        List<java.util.concurrent.Future<Path>> rotations = new ArrayList<>();
        try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                rotations.add(pool.submit(() -> {
                    together.await();
                    return session.rotate();
                }));
            }
            List<Path> closed = new ArrayList<>();
            for (java.util.concurrent.Future<Path> rotation : rotations) {
                closed.add(rotation.get()); // throws if one failed ("folder not empty")
            }
            assertThat(closed).doesNotHaveDuplicates().hasSize(threads);
        } finally {
            session.stop();
        }
        for (int chunk = 1; chunk <= threads; chunk++) {
            assertThat(dir.resolve("trace." + chunk)).isDirectory();
        }
    }

    @Test
    void rotationIsForStreamingSessionsAndSnapshotsForFlightRecorders(@TempDir Path dir) throws Exception {
        try (Session streaming =
                Session.builder("streaming").output(dir.resolve("a")).start()) {
            assertThatThrownBy(() -> streaming.snapshot(dir.resolve("s")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("rotate()");
        }
        try (Session recorder = Session.builder("recorder")
                .output(dir.resolve("b"))
                .mode(Mode.OVERWRITE)
                .start()) {
            assertThatThrownBy(recorder::rotate)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("snapshot(folder)");
        }
        Session stopped = Session.builder("stopped").output(dir.resolve("c")).start();
        stopped.stop();
        assertThatThrownBy(stopped::rotate)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STOPPED");
    }
}
