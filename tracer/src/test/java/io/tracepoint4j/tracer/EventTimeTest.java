package io.tracepoint4j.tracer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.testkit.Babeltrace;
import io.tracepoint4j.testkit.Waits;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracepoints that give their event's time ({@link Tracepoint.Builder#eventTime(String)}), as the
 * JVM's events that JFR reports a second late: a session places each record at that time, among the
 * application's events on one timeline, across the drain's flushes and rotations, in a trace that
 * babeltrace2 reads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class EventTimeTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** How far a record may lie from its event time: the two clocks read back from now, in a short test. */
    private static final long TOLERANCE_NANOS = 5_000_000;

    /** An event reported after it happened, with its time. */
    public interface Reported {
        void reported(long id, long endEpochNanos);
    }

    /** An application's event, at the firing. */
    public interface Mark {
        void mark(long id);
    }

    private final String provider = "evtime" + NAMES.incrementAndGet();
    private final Tracepoint<Reported> reported = Tracepoint.builder(provider + ":reported", Reported.class)
            .arguments("id", "endEpochNanos")
            .eventTime("endEpochNanos")
            .faultable()
            .define();
    private final Tracepoint<Mark> mark = Tracepoint.define(provider + ":mark", Mark.class, "id");

    static long epochNanosNow() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static long epochNanosOf(CtfEvent event) {
        Instant at = event.clock().toInstant(event.timestamp());
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** "mark 3" or "reported 3": an event's tracepoint and id, in the order the trace holds them. */
    static List<String> order(List<CtfEvent> events) {
        List<String> order = new ArrayList<>();
        for (CtfEvent event : events) {
            order.add(event.name().substring(event.name().indexOf(':') + 1) + " " + event.field("id"));
        }
        return order;
    }

    /**
     * The application marks three moments; a reporting thread, a second and a half later, reports
     * events that happened between them, across a flush, and marks one moment of its own among
     * them: the merged trace holds each report between the marks it happened between, at its
     * time; neither the flush nor the reporter's own mark, at now, raises any.
     */
    @Test
    void eventsReportedLateArePlacedAtTheirTimeAmongTheApplicationsEvents(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        Session session = Session.builder("evtime")
                .enable(provider + ":*")
                .output(folder)
                .clock(TraceClock.nanoTime())
                .start();
        long[] between = new long[3];
        for (int i = 0; i < 3; i++) {
            mark.fire().mark(i);
            sleep(50);
            between[i] = epochNanosNow(); // after mark i, 50 ms before mark i + 1
            sleep(50);
        }
        sleep(1500); // the drain flushes meanwhile: records placed before a flush stay there
        Thread reporter = Thread.ofPlatform().name("reporter").start(() -> {
            reported.fire().reported(0, between[0]);
            sleep(1200); // a flush closes the event-time buffer's packet: it must not raise the next reports
            mark.fire().mark(10); // the reporter's own event, at now
            reported.fire().reported(1, between[1]);
            reported.fire().reported(2, between[2]);
        });
        reporter.join();
        Session.Summary summary = session.stop();
        assertThat(summary.lost()).isZero();

        List<CtfEvent> events = SessionTest.events(folder);
        assertThat(order(events))
                .containsExactly("mark 0", "reported 0", "mark 1", "reported 1", "mark 2", "reported 2", "mark 10");
        for (CtfEvent event : events) {
            if (event.name().endsWith(":reported")) {
                assertThat(epochNanosOf(event))
                        .as("%s is placed at its event time", event)
                        .isCloseTo(
                                (Long) event.field("endEpochNanos"),
                                org.assertj.core.data.Offset.offset(TOLERANCE_NANOS));
                assertThat(event.field("tid")).isEqualTo(reporter.threadId());
            }
        }
        List<String> printed = Babeltrace.run(folder).clean().stdout().stream()
                .filter(line -> line.contains(provider))
                .toList();
        assertThat(printed).hasSize(7);
        assertThat(printed.get(1)).contains(":reported:").contains("id = 0");
        assertThat(printed.get(3)).contains(":reported:").contains("id = 1");
    }

    /** A time in the future is placed at the firing: no record of a stream lies ahead of now. */
    @Test
    void aTimeInTheFutureIsPlacedAtTheFiring(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        Session session = Session.builder("evfuture")
                .enable(provider + ":*")
                .output(folder)
                .start();
        long before = epochNanosNow();
        reported.fire().reported(1, before + 60_000_000_000L);
        long after = epochNanosNow();
        session.stop();
        List<CtfEvent> events = SessionTest.events(folder);
        assertThat(events).hasSize(1);
        assertThat(epochNanosOf(events.getFirst())).isBetween(before - TOLERANCE_NANOS, after + TOLERANCE_NANOS);
    }

    /**
     * With no event-time buffer, a platform thread's reports go into its own buffer, still at their
     * time (raised only by that thread's own later events).
     */
    @Test
    void withoutAnEventTimeBufferTheThreadsOwnBufferPlacesThem(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        Session session = Session.builder("evown")
                .enable(provider + ":*")
                .output(folder)
                .eventTimeBuffers(0)
                .start();
        long first = epochNanosNow();
        sleep(100);
        long second = epochNanosNow();
        sleep(100);
        reported.fire().reported(1, first);
        reported.fire().reported(2, second);
        session.stop();
        List<CtfEvent> events = SessionTest.events(folder);
        assertThat(order(events)).containsExactly("reported 1", "reported 2");
        assertThat(epochNanosOf(events.get(0))).isCloseTo(first, org.assertj.core.data.Offset.offset(TOLERANCE_NANOS));
        assertThat(epochNanosOf(events.get(1))).isCloseTo(second, org.assertj.core.data.Offset.offset(TOLERANCE_NANOS));
    }

    private final Tracepoint<Reported> reportedRegular = Tracepoint.builder(
                    provider + ":reported_regular", Reported.class)
            .arguments("id", "endEpochNanos")
            .eventTime("endEpochNanos")
            .define();

    /** One shared buffer (stream 0), one thread buffer (1), one event-time buffer (2); no drain thread. */
    private static Session.Builder threeBuffers(String name, String glob, Path folder) {
        return Session.builder(name)
                .enable(glob)
                .output(folder)
                .buffers(1)
                .threadBuffers(1)
                .eventTimeBuffers(1);
    }

    private static final int EVENT_TIME_STREAM = 2;

    /**
     * While the lifecycle side holds the event-time buffer (as a flush does for a grace period), a
     * faultable tracepoint's firing waits for it, outside the session's section, and then records
     * at its event's time; a regular tracepoint's firing may not wait, and records into a shared
     * buffer at once, at the firing's time.
     */
    @Test
    void aFiringWaitsWhileItsEventTimeBufferIsHeldUnlessItMayNotBlock(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        Session session = threeBuffers("evheld", provider + ":reported*", folder)
                .mode(io.tracepoint4j.ringbuffer.Mode.OVERWRITE) // no drain thread: only this test steals
                .start();
        sleep(400); // the events happen after the session started: earlier ones are raised to its start
        long happened = epochNanosNow() - 300_000_000L;
        Thread reporter = Thread.ofPlatform().name("reporter").start(() -> {
            reported.fire().reported(1, happened); // takes the event-time buffer
            sleep(300);
            reported.fire().reported(2, happened + 100_000_000L); // will wait
        });
        sleep(100);
        session.threadBuffers().stealAll(); // as Recorder.cutAll does, without the grace period's end
        long regularFired;
        try {
            sleep(400);
            assertThat(reporter.getState())
                    .as("the faultable firing waits for its buffer")
                    .isIn(Thread.State.TIMED_WAITING, Thread.State.WAITING);
            Thread regular = Thread.ofPlatform()
                    .name("regular")
                    .unstarted(() -> reportedRegular.fire().reported(3, happened));
            regularFired = epochNanosNow();
            regular.start();
            regular.join(10_000);
            assertThat(regular.isAlive())
                    .as("a regular tracepoint's firing does not wait")
                    .isFalse();
        } finally {
            session.threadBuffers().returnAll();
        }
        reporter.join();
        session.stop();
        List<CtfEvent> events = SessionTest.events(folder);
        assertThat(order(events)).containsExactly("reported 1", "reported 2", "reported_regular 3");
        assertThat(epochNanosOf(events.get(1)))
                .as("placed at its time after the wait")
                .isCloseTo(happened + 100_000_000L, org.assertj.core.data.Offset.offset(TOLERANCE_NANOS));
        assertThat(events.get(1).streamInstanceId()).isEqualTo(EVENT_TIME_STREAM);
        assertThat(events.get(2).streamInstanceId()).as("a shared buffer").isZero();
        assertThat(epochNanosOf(events.get(2)))
                .as("at the firing: a shared buffer's writers are ordered by the clock")
                .isGreaterThanOrEqualTo(regularFired - TOLERANCE_NANOS);
    }

    /**
     * The event-time buffer of a reporting thread that ended passes to the next reporter: the
     * drain reclaims it (DISCARD), or, with no drain thread (OVERWRITE), the next reporter takes
     * it over; either way its events are at their own times, in that buffer.
     */
    @Test
    void theEventTimeBufferOfAReporterThatEndedPassesToTheNext(@TempDir Path dir) throws Exception {
        for (io.tracepoint4j.ringbuffer.Mode mode : io.tracepoint4j.ringbuffer.Mode.values()) {
            Path folder = dir.resolve(mode.name());
            Session session = threeBuffers("evpass", provider + ":reported", folder)
                    .mode(mode)
                    .start();
            sleep(300); // after the session started, as above
            long first = epochNanosNow() - 200_000_000L;
            Thread one = Thread.ofPlatform().start(() -> reported.fire().reported(1, first));
            one.join();
            if (mode == io.tracepoint4j.ringbuffer.Mode.DISCARD) {
                Waits.awaitTrue(
                        () -> !session.threadBuffers().owners().contains(one),
                        () -> "the drain reclaims the event-time buffer of a reporter that ended");
            }
            long second = epochNanosNow() - 100_000_000L;
            Thread two = Thread.ofPlatform().start(() -> reported.fire().reported(2, second));
            two.join();
            session.stop();
            List<CtfEvent> events = SessionTest.events(folder);
            assertThat(order(events)).as("%s", mode).containsExactly("reported 1", "reported 2");
            assertThat(events)
                    .as("%s: both in the event-time buffer", mode)
                    .extracting(CtfEvent::streamInstanceId)
                    .containsOnly((long) EVENT_TIME_STREAM);
            assertThat(epochNanosOf(events.get(1)))
                    .as("%s", mode)
                    .isCloseTo(second, org.assertj.core.data.Offset.offset(TOLERANCE_NANOS));
            Babeltrace.run(folder).clean();
        }
    }

    /**
     * A time before the session started (here 0, the Unix epoch: before the machine booted, for
     * the clock's tick 0) is placed at the session's start: the trace begins there.
     */
    @Test
    void aTimeBeforeTheSessionIsPlacedAtItsStart(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("trace");
        long before = epochNanosNow();
        Session session =
                Session.builder("evzero").enable(provider + ":*").output(folder).start();
        long started = epochNanosNow();
        reported.fire().reported(1, 0);
        Session.Summary summary = session.stop();
        assertThat(summary.lost()).isZero();
        List<CtfEvent> events = SessionTest.events(folder);
        assertThat(order(events)).containsExactly("reported 1");
        assertThat(epochNanosOf(events.getFirst())).isBetween(before - TOLERANCE_NANOS, started + TOLERANCE_NANOS);
        Babeltrace.run(folder).clean();
    }

    /**
     * An event reported after a rotation, which happened before it, goes into the new chunk no
     * earlier than the rotation: each chunk begins where the last one ended.
     */
    @Test
    void aReportAfterARotationIsNotEarlierThanTheRotation(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Session session = Session.builder("evrotate")
                .enable(provider + ":*")
                .output(first)
                .start();
        long happened = epochNanosNow();
        reported.fire().reported(1, happened); // takes the event-time buffer: the next report goes there too
        sleep(50);
        mark.fire().mark(2);
        long rotatedAt = epochNanosNow();
        session.rotate(dir.resolve("second"));
        reported.fire().reported(3, happened + 10_000_000); // before the rotation
        session.stop();
        assertThat(order(SessionTest.events(first))).containsExactly("reported 1", "mark 2");
        List<CtfEvent> second = SessionTest.events(dir.resolve("second"));
        assertThat(order(second)).containsExactly("reported 3");
        assertThat(epochNanosOf(second.getFirst())).isGreaterThanOrEqualTo(rotatedAt - TOLERANCE_NANOS);
        Babeltrace.run(dir.resolve("second")).clean();
    }
}
