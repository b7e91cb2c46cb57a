package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.ringbuffer.Loss;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import io.tracepoint4j.testkit.Babeltrace;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drain's polled drop of the sub-buffers that abandoned reservations hold up in a shared buffer
 * (Drain.pollStuck; see "Abandoned reservations" in Drain's design note), made deterministic: the
 * test thread reserves a record in the shared buffer its firings use and never commits it, as a
 * firing cut short by a StackOverflowError leaves one ({@link AbandonedRecordTest} makes real
 * ones, at the mercy of where the error strikes).
 */
@Timeout(60)
class AbandonedDropTest {

    private static Session start(Path dir, String provider) throws java.io.IOException {
        return Session.builder("dropped")
                .enable(provider + ":*")
                .output(dir)
                .mode(Mode.DISCARD)
                .buffers(1)
                .threadBuffers(0) // every firing into shared buffer 0
                .subBufferSize(4096)
                .subBufferCount(64)
                .start();
    }

    /**
     * Six sub-buffers in a row hold an abandoned reservation each: the drain drops them all within
     * a grace period or two (those closed when it polled one, and the rest at the next), not one
     * sub-buffer per grace period (six or more seconds at a flush every half second), and leaves
     * the stop nothing to drop.
     */
    @Test
    void subBuffersHeldUpByAbandonedRecordsAreDroppedTogetherAfterOneGracePeriod(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Session session = start(dir, provider);
        RingBuffer shared = session.recorder().buffers.buffer(0);
        long fired = 0;
        for (int k = 0; k < 6; k++) {
            tick.fire().tick(fired++); // the sub-buffer is open: the abandoned record goes into it
            abandonAReservation(shared);
            fired += fireUntilTheSubBufferCloses(tick, shared, fired);
        }
        long firstDrop = awaitAbandonedLoss(session);
        long lastChange = firstDrop;
        long dropped = session.lost(Loss.ABANDONED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - lastChange < TimeUnit.SECONDS.toNanos(3) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            long now = session.lost(Loss.ABANDONED);
            if (now != dropped) {
                dropped = now;
                lastChange = System.nanoTime();
            }
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(lastChange - firstDrop))
                .as("milliseconds from the first drop to the last: two grace periods at most (about 1 s), not"
                        + " five more (the other sub-buffers, one by one: 5 s or more)")
                .isLessThan(4000);
        session.stop();
        assertThat(session.lost(Loss.ABANDONED))
                .as("the drain dropped every held-up sub-buffer while the session recorded")
                .isEqualTo(dropped);
        long inTrace = SessionTest.events(dir).size();
        long lost = 0;
        for (Loss cause : Loss.values()) {
            lost += session.lost(cause);
        }
        assertThat(inTrace + lost)
                .as("events in the trace %d and lost %d: a drop counts the thread names it takes too", inTrace, lost)
                .isBetween(fired, fired + 6);
        Babeltrace.Run run = Babeltrace.run(dir);
        assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isZero();
        assertThat(run.stdout().stream().filter(l -> l.contains(":tick: ")).count())
                .isEqualTo(inTrace);
    }

    /**
     * The packet a drop takes out may hold the names of the threads of a shared buffer: the drain
     * forgets them all, so that the next firing of each writes its name again, after the gap.
     */
    @Test
    void aSharedBuffersThreadIsNamedAgainAfterTheDrainDropsAPacket(@TempDir Path dir) throws Exception {
        String provider = SessionTest.provider();
        Tracepoint<SessionTest.Tick> tick = Tracepoint.define(provider + ":tick", SessionTest.Tick.class, "n");
        Session session = start(dir, provider);
        RingBuffer shared = session.recorder().buffers.buffer(0);
        tick.fire().tick(0); // the thread's name, then its event
        abandonAReservation(shared); // in the same sub-buffer, unless a flush closed it just now
        fireUntilTheSubBufferCloses(tick, shared, 1);
        awaitAbandonedLoss(session);
        tick.fire().tick(-1); // after the drop
        session.stop();

        long tid = Thread.currentThread().threadId();
        boolean namedSinceTheGap = false;
        boolean sawTheGap = false;
        CtfEvent last = null;
        try (CtfReader reader = CtfReader.open(dir)) {
            for (CtfEvent event : reader) {
                if (event.packet().droppedPacketsBefore() > 0 && (last == null || last.packet() != event.packet())) {
                    sawTheGap = true;
                    namedSinceTheGap = false;
                }
                if (event.name().equals("tracepoint4j:thread") && ((Number) event.field("tid")).longValue() == tid) {
                    namedSinceTheGap = true;
                }
                if (event.name().endsWith(":tick") && ((Number) event.field("n")).longValue() == -1) {
                    assertThat(sawTheGap)
                            .as("the dropped packet is a gap in the stream")
                            .isTrue();
                    assertThat(namedSinceTheGap)
                            .as("the thread is named again between the gap and its firing after the drop")
                            .isTrue();
                }
                last = event;
            }
        }
        assertThat(last).isNotNull();
        assertThat(((Number) last.field("n")).longValue())
                .as("the firing after the drop is in the trace, last")
                .isEqualTo(-1);
    }

    /** Reserves room for a record in {@code buffer} and never commits it, as a firing cut short would. */
    private static void abandonAReservation(RingBuffer buffer) {
        assertThat(buffer.reserve(64)).as("room reserved").isNotNegative();
    }

    /** Fires until {@code buffer} moves on to another sub-buffer; returns how many firings that took. */
    private static long fireUntilTheSubBufferCloses(Tracepoint<SessionTest.Tick> tick, RingBuffer buffer, long n) {
        long sequence = buffer.writeSequence();
        long fired = 0;
        while (buffer.writeSequence() == sequence) {
            tick.fire().tick(n + fired++);
        }
        return fired;
    }

    /** Waits for the drain's first drop; returns System.nanoTime() then. */
    private static long awaitAbandonedLoss(Session session) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (session.lost(Loss.ABANDONED) == 0) {
            assertThat(System.nanoTime())
                    .as("the drain dropped a held-up sub-buffer")
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
        return System.nanoTime();
    }
}
