package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ringbuffer.Mode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drain's periodic flush (Recorder.flush): what a thread recorded and then left in its buffer
 * reaches the disk while the session runs; a busy thread keeps its own buffer across flushes
 * (stealing it would send its records to a shared buffer: see "Flush" in Drain's design note); and
 * flushes that race with writers lose and tear nothing.
 */
@Timeout(60)
class FlushTest {

    /** The prototype. */
    public interface Tick {
        void tick(long n);
    }

    private static Session.Builder session(Path dir, String provider) {
        return Session.builder("flush")
                .enable(provider + ":*")
                .output(dir)
                .mode(Mode.DISCARD)
                .buffers(1)
                .threadBuffers(2)
                .subBufferSize(4096)
                .subBufferCount(64);
    }

    @Test
    void recordsLeftInAnIdleThreadsBufferReachTheDiskWhileTheSessionRuns(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "n");
        Session session = session(dir, provider).start();
        CountDownLatch fired = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread idle = Thread.ofPlatform().name("flush-idle").start(() -> {
            for (int i = 0; i < 10; i++) {
                tick.fire().tick(i);
            }
            fired.countDown();
            SessionTest.await(done); // alive, so that its buffer is not reclaimed: only a flush closes it
        });
        try {
            SessionTest.await(fired);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<CtfEvent> read = List.of();
            while (read.size() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                try {
                    read = SessionTest.events(session.folder());
                } catch (java.io.IOException appending) {
                    // read while the drain appends a packet: look again
                }
            }
            assertThat(read)
                    .as("events on disk while the session runs, its thread idle")
                    .hasSize(10);
            assertThat(read.getFirst().streamInstanceId())
                    .as("written by the thread into its own buffer, not a shared one (buffer 0)")
                    .isNotZero();
        } finally {
            done.countDown();
            idle.join();
            session.stop();
        }
    }

    /**
     * A sub-buffer closed early goes to disk as its events, rounded up to 8 bytes, not whole: ten
     * events in 256 KiB sub-buffers used to take 256 KiB of file a packet.
     */
    @Test
    void aPacketClosedEarlyTakesTheBytesOfItsEventsOnly(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "n");
        Session session = Session.builder("compact")
                .enable(provider + ":*")
                .output(dir)
                .subBufferSize(256 * 1024)
                .subBufferCount(4)
                .start();
        Thread quiet = Thread.ofPlatform().name("compact-quiet").start(() -> {
            for (int i = 0; i < 10; i++) {
                tick.fire().tick(i);
            }
        });
        quiet.join();
        session.stop();
        long fileBytes = 0;
        try (io.tracepoint4j.ctf.CtfReader reader = io.tracepoint4j.ctf.CtfReader.open(dir)) {
            for (Path file : reader.streamFiles()) {
                fileBytes += java.nio.file.Files.size(file);
            }
            assertThat(reader.packets())
                    .isNotEmpty()
                    .allSatisfy(packet -> assertThat(packet.packetSize() - packet.contentSize())
                            .as("padding of %s", packet)
                            .isBetween(0L, 7L));
            assertThat(SessionTest.events(dir))
                    .filteredOn(e -> e.name().endsWith(":tick"))
                    .hasSize(10);
        }
        assertThat(fileBytes).as("the stream files' bytes").isLessThan(16 * 1024);
    }

    /**
     * Flushes back to back while a platform thread (its own buffer) and a virtual thread (a shared
     * one) keep writing slowly into sub-buffers the flushes find still open: nearly every flush
     * steals the platform thread's buffer in the middle of its writing, and cuts the shared buffer
     * under the virtual thread's CAS. Every event must come out once, in order, none lost. An
     * OVERWRITE session has no drain thread, so the test is the one flusher, as the drain is.
     */
    @Test
    void flushesRacingWithWritersLoseNothingAndTearNothing(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "n");
        Session session = session(dir, provider)
                .mode(Mode.OVERWRITE)
                .threadBuffers(1)
                .subBufferSize(8192)
                .subBufferCount(4096) // 32 MiB a buffer
                .start();
        long virtualBase = 1L << 40;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong platformFired = new AtomicLong();
        AtomicLong virtualFired = new AtomicLong();
        Thread platform = Thread.ofPlatform().name("flush-race").start(() -> {
            platformFired.set(fireSlowly(tick, 0, stop));
        });
        Thread virtual = Thread.ofVirtual().start(() -> {
            virtualFired.set(fireSlowly(tick, virtualBase, stop) - virtualBase);
        });
        Recorder.FlushState flushing = new Recorder.FlushState(3);
        long flushes = 0;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < end) {
            session.recorder().flush(flushing);
            flushes++;
            LockSupport.parkNanos(150_000); // at most about 3,300 cuts of 8 KiB a buffer: none overwritten
        }
        stop.set(true);
        platform.join();
        virtual.join();
        Session.Summary summary = session.stop();
        assertThat(summary.lost()).as("lost, after %d flushes", flushes).isZero();
        try (io.tracepoint4j.ctf.CtfReader reader = io.tracepoint4j.ctf.CtfReader.open(session.folder())) {
            assertThat(reader.droppedPackets())
                    .as("packets overwritten: the test's buffers are too small")
                    .isZero();
        }
        List<Long> fromPlatform = new java.util.ArrayList<>();
        List<Long> fromVirtual = new java.util.ArrayList<>();
        for (CtfEvent event : SessionTest.events(session.folder())) {
            long n = (Long) event.field("n");
            (n >= virtualBase ? fromVirtual : fromPlatform).add(n);
        }
        assertThat(fromPlatform).as("the platform thread's events").hasSize((int) platformFired.get());
        assertThat(fromVirtual).as("the virtual thread's events").hasSize((int) virtualFired.get());
        for (int i = 0; i < fromPlatform.size(); i++) {
            assertThat(fromPlatform.get(i)).as("platform event %d", i).isEqualTo(i);
        }
        for (int i = 0; i < fromVirtual.size(); i++) {
            assertThat(fromVirtual.get(i)).as("virtual event %d", i).isEqualTo(virtualBase + i);
        }
        assertThat(flushes).as("flushes").isGreaterThan(10);
    }

    /** Fires base, base + 1, ... about one a microsecond until {@code stop}; returns the next n. */
    private static long fireSlowly(Tracepoint<Tick> tick, long base, AtomicBoolean stop) {
        long n = base;
        while (!stop.get()) {
            tick.fire().tick(n++);
            long until = System.nanoTime() + 1000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        return n;
    }

    @Test
    void aBusyThreadKeepsItsOwnBufferAcrossFlushes(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<Tick> tick = Tracepoint.define(provider + ":tick", Tick.class, "n");
        Session session =
                session(dir, provider).subBufferCount(4096).start(); // 16 MiB: 2 s of events, were the drain to stop
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong fired = new AtomicLong();
        Thread busy = Thread.ofPlatform().name("flush-busy").start(() -> {
            long n = 0;
            while (!stop.get()) {
                tick.fire().tick(n++);
                if ((n & 255) == 0) {
                    LockSupport.parkNanos(1_000_000); // at most 256,000 events a second: no loss
                }
            }
            fired.set(n);
        });
        Thread.sleep(1600); // three flushes or more
        stop.set(true);
        busy.join();
        Session.Summary summary = session.stop();
        List<CtfEvent> events = SessionTest.events(session.folder());
        assertThat(summary.lost()).as("lost").isZero();
        assertThat(events).as("every event fired").hasSize((int) fired.get());
        assertThat(events.stream().filter(e -> e.streamInstanceId() == 0).count())
                .as("events that went to the shared buffer, stolen from the busy thread by a flush")
                .isZero();
    }
}
