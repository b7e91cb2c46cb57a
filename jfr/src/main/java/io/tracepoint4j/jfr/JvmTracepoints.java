package io.tracepoint4j.jfr;

import io.tracepoint4j.Tracepoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;

/**
 * The JVM's own JFR events as tracepoints, so that a trace holds GC pauses, safepoints, parked
 * threads, contended monitors and allocation samples beside the application's events, on one
 * timeline: {@code tp record -e 'jvm:*,web:*'}.
 *
 * <pre>{@code
 * JvmTracepoints.define();   // once, e.g. in main: tools can now list and enable jvm:*
 * }</pre>
 *
 * <p>The tracepoints ({@code jvm:gc_pause}, {@code jvm:safepoint}, {@code jvm:thread_park}, {@code
 * jvm:monitor_enter}, {@code jvm:allocation_sample}) are defined when this class is initialized.
 * Each streams its JFR event while it has probes, and only then: its first probe (a session's, a
 * {@code tp stat}'s, your own) enables that event in the stream, starting it if needed, its last
 * probe disables it, so with nobody listening JFR does not run for them (see {@link #streaming()}).
 *
 * <p>JFR hands events over in batches, about once a second, on its stream thread, which fires the
 * tracepoints then. Each declares the JVM event's end ({@code endEpochNanos}, or {@code epochNanos}
 * for an instant, wall clock) its event time ({@link Tracepoint#eventTime()}), so a session places
 * the record at that time on its own clock, among the application's events, not at the hand-over.
 * Events with a duration carry it ({@code durationNanos}: the event began that long before its
 * record); events of a Java thread carry that thread's id and name ({@code tid}, {@code thread}),
 * since the firing thread is JFR's. The tracepoints are faultable: their probes may block (JFR's
 * thread waits). The events of the library's own threads are left out, as JFR leaves out its own:
 * JFR's stream thread, which fires these tracepoints, and the background threads named {@code
 * tracepoint4j-...} (a session's drain, grace-period callbacks), so that a trace shows the
 * application's parks, monitors and allocations, not the tracer's.
 *
 * <p>All of them share one {@code RecordingStream}, with the events of the tracepoints that have
 * probes enabled, so that the events come in one time order, from one thread.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class JvmTracepoints {
    /*
     * Design note.
     *
     * Streams on demand: each tracepoint's onFirstProbe/onLastProbe hooks enable and disable its
     *   source of the one JfrStream (whose design note says why one, and why stopping does not
     *   wait).
     *
     * Memory ordering
     *   [TH] threshold: volatile; threshold() writes it, a source's settings read it when its
     *        event is enabled in the stream, and store it in the source's own volatile threshold,
     *        which its handler (the stream's thread) reads. Nothing else is published through them.
     */

    /** {@code jvm:gc_pause}: a stop-the-world pause of the garbage collector (JFR's {@code jdk.GCPhasePause}). */
    public interface GcPause {
        void gcPause(long gcId, String name, long durationNanos, long endEpochNanos);
    }

    /** {@code jvm:safepoint}: a safepoint, from its begin to its end (JFR's {@code jdk.SafepointBegin}). */
    public interface Safepoint {
        void safepoint(long safepointId, int threads, long durationNanos, long endEpochNanos);
    }

    /** {@code jvm:thread_park}: a thread parked at least the threshold (JFR's {@code jdk.ThreadPark}). */
    public interface ThreadPark {
        void threadPark(
                long tid, String thread, String parkedClass, long timeoutNanos, long durationNanos, long endEpochNanos);
    }

    /** {@code jvm:monitor_enter}: a contended monitor entered after at least the threshold (JFR's {@code jdk.JavaMonitorEnter}). */
    public interface MonitorEnter {
        void monitorEnter(
                long tid,
                String thread,
                String monitorClass,
                long previousOwnerTid,
                long durationNanos,
                long endEpochNanos);
    }

    /** {@code jvm:allocation_sample}: a sampled allocation, weighted by the bytes it stands for (JFR's {@code jdk.ObjectAllocationSample}). */
    public interface AllocationSample {
        void allocationSample(long tid, String thread, String objectClass, long weight, long epochNanos);
    }

    /** The threshold of thread_park and monitor_enter unless {@link #threshold(Duration)} says otherwise: JFR's default profile's. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(20);

    /** The rate of allocation samples: JFR's default profile's. */
    static final String ALLOCATION_THROTTLE = "150/s";

    /** The threshold for streams started from now on. */
    private static volatile Duration threshold = DEFAULT_THRESHOLD; // [TH]

    /**
     * The thresholds the thread_park and monitor_enter events were enabled with, which their
     * handlers apply again: JFR delivers an event to every recording once any recording's settings
     * let it through (a running -XX:StartFlightRecording with a 10 ms threshold passes 10 ms parks
     * to this stream too), so the stream's own threshold alone does not keep shorter ones out.
     */
    private static volatile long parkThresholdNanos; // [TH]

    private static volatile long monitorThresholdNanos; // [TH]

    /**
     * Every jvm:* tracepoint and its source, in definition order; filled by streamed() during class
     * initialization, read only after it (which publishes it).
     */
    private static final Map<Tracepoint<?>, JfrStream.Source> STREAMED = new LinkedHashMap<>();

    /** The stream of every jvm:* tracepoint's JFR event. */
    private static final JfrStream STREAM = new JfrStream();

    // The sources first: the tracepoints' hooks name them, and the stream is made with all of them.
    private static final JfrStream.Source GC_PAUSE_SOURCE = STREAM.source("jdk.GCPhasePause", s -> {}, e -> gcPause(e));
    private static final JfrStream.Source SAFEPOINT_SOURCE =
            STREAM.source("jdk.SafepointBegin", s -> {}, e -> safepoint(e));
    private static final JfrStream.Source THREAD_PARK_SOURCE =
            thresholded("jdk.ThreadPark", nanos -> parkThresholdNanos = nanos, e -> threadPark(e)); // [TH]
    private static final JfrStream.Source MONITOR_ENTER_SOURCE =
            thresholded("jdk.JavaMonitorEnter", nanos -> monitorThresholdNanos = nanos, e -> monitorEnter(e)); // [TH]
    private static final JfrStream.Source ALLOCATION_SAMPLE_SOURCE = STREAM.source(
            "jdk.ObjectAllocationSample", s -> s.with("throttle", ALLOCATION_THROTTLE), e -> allocationSample(e));

    public static final Tracepoint<GcPause> GC_PAUSE = streamed(
            Tracepoint.builder("jvm:gc_pause", GcPause.class)
                    .arguments("gcId", "name", "durationNanos", "endEpochNanos")
                    .eventTime("endEpochNanos"),
            GC_PAUSE_SOURCE);

    public static final Tracepoint<Safepoint> SAFEPOINT = streamed(
            Tracepoint.builder("jvm:safepoint", Safepoint.class)
                    .arguments("safepointId", "threads", "durationNanos", "endEpochNanos")
                    .eventTime("endEpochNanos"),
            SAFEPOINT_SOURCE);

    public static final Tracepoint<ThreadPark> THREAD_PARK = streamed(
            Tracepoint.builder("jvm:thread_park", ThreadPark.class)
                    .arguments("tid", "thread", "parkedClass", "timeoutNanos", "durationNanos", "endEpochNanos")
                    .eventTime("endEpochNanos"),
            THREAD_PARK_SOURCE);

    public static final Tracepoint<MonitorEnter> MONITOR_ENTER = streamed(
            Tracepoint.builder("jvm:monitor_enter", MonitorEnter.class)
                    .arguments("tid", "thread", "monitorClass", "previousOwnerTid", "durationNanos", "endEpochNanos")
                    .eventTime("endEpochNanos"),
            MONITOR_ENTER_SOURCE);

    public static final Tracepoint<AllocationSample> ALLOCATION_SAMPLE = streamed(
            Tracepoint.builder("jvm:allocation_sample", AllocationSample.class)
                    .arguments("tid", "thread", "objectClass", "weight", "epochNanos")
                    .eventTime("epochNanos"),
            ALLOCATION_SAMPLE_SOURCE);

    private JvmTracepoints() {}

    /**
     * A source of {@code jfrEvent} enabled with the threshold in effect then, which it hands to
     * {@code enabledWith} (nanoseconds) for the handler to apply again (see parkThresholdNanos).
     */
    private static JfrStream.Source thresholded(
            String jfrEvent, LongConsumer enabledWith, java.util.function.Consumer<RecordedEvent> fire) {
        return STREAM.source(
                jfrEvent,
                s -> {
                    Duration now = threshold; // [TH]
                    s.withThreshold(now);
                    enabledWith.accept(now.toNanos()); // [TH] into the source's own volatile threshold
                },
                fire);
    }

    /**
     * Defines the {@code jvm:*} tracepoints (by initializing this class), so that tools and
     * sessions can find and enable them; call it once, early. Returns their names.
     */
    public static List<String> define() {
        List<String> names = new ArrayList<>();
        for (Tracepoint<?> tracepoint : STREAMED.keySet()) {
            names.add(tracepoint.name());
        }
        return names;
    }

    /** The {@code jvm:*} tracepoints whose JFR event is streamed now: those with probes. */
    public static List<String> streaming() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<Tracepoint<?>, JfrStream.Source> streamed : STREAMED.entrySet()) {
            if (streamed.getValue().streaming()) {
                names.add(streamed.getKey().name());
            }
        }
        return names;
    }

    /**
     * Records parked threads and contended monitors that waited at least {@code threshold}, from
     * the next time their tracepoint gains a first probe (one that has probes keeps its threshold
     * until it loses the last); default {@link #DEFAULT_THRESHOLD}.
     *
     * @throws IllegalArgumentException if the threshold is null or negative
     */
    public static void threshold(Duration threshold) {
        if (threshold == null || threshold.isNegative()) {
            throw new IllegalArgumentException("threshold " + threshold + ": give a duration of 0 or more");
        }
        JvmTracepoints.threshold = threshold; // [TH]
    }

    private static <P> Tracepoint<P> streamed(Tracepoint.Builder<P> builder, JfrStream.Source source) {
        Tracepoint<P> tracepoint = builder.faultable() // JFR's thread may wait
                .onFirstProbe(source::start)
                .onLastProbe(source::stop)
                .define();
        STREAMED.put(tracepoint, source);
        return tracepoint;
    }

    private static void gcPause(RecordedEvent e) {
        GC_PAUSE.fire().gcPause(e.getLong("gcId"), e.getString("name"), nanos(e), endEpochNanos(e));
    }

    private static void safepoint(RecordedEvent e) {
        SAFEPOINT.fire().safepoint(e.getLong("safepointId"), e.getInt("totalThreadCount"), nanos(e), endEpochNanos(e));
    }

    private static void threadPark(RecordedEvent e) {
        RecordedThread thread = e.getThread();
        if (libraryThread(thread) || nanos(e) < parkThresholdNanos) { // [TH] another recording's threshold let it in
            return;
        }
        THREAD_PARK
                .fire()
                .threadPark(
                        tid(thread),
                        name(thread),
                        className(e.getClass("parkedClass")),
                        e.getLong("timeout"),
                        nanos(e),
                        endEpochNanos(e));
    }

    private static void monitorEnter(RecordedEvent e) {
        RecordedThread thread = e.getThread();
        if (libraryThread(thread) || nanos(e) < monitorThresholdNanos) { // [TH] as in threadPark
            return;
        }
        MONITOR_ENTER
                .fire()
                .monitorEnter(
                        tid(thread),
                        name(thread),
                        className(e.getClass("monitorClass")),
                        tid(e.getThread("previousOwner")),
                        nanos(e),
                        endEpochNanos(e));
    }

    private static void allocationSample(RecordedEvent e) {
        RecordedThread thread = e.getThread();
        if (libraryThread(thread)) {
            return;
        }
        ALLOCATION_SAMPLE
                .fire()
                .allocationSample(
                        tid(thread),
                        name(thread),
                        className(e.getClass("objectClass")),
                        e.getLong("weight"),
                        endEpochNanos(e));
    }

    /** The names of the library's background threads begin so. */
    static final String LIBRARY_THREAD_PREFIX = "tracepoint4j-";

    /**
     * Whether {@code thread} is the library's own: JFR's stream thread, the current one, which
     * fires these tracepoints (its own parks wait for JFR's next batch), or a background thread of
     * the library, named {@value #LIBRARY_THREAD_PREFIX}...
     */
    private static boolean libraryThread(RecordedThread thread) {
        if (thread == null) {
            return false;
        }
        String name = thread.getJavaName();
        return thread.getJavaThreadId() == Thread.currentThread().threadId()
                || (name != null && name.startsWith(LIBRARY_THREAD_PREFIX));
    }

    /** When the JVM event ended (committed): the order JFR's ordered stream hands them over in. */
    private static long endEpochNanos(RecordedEvent e) {
        return epochNanos(e.getEndTime());
    }

    private static long epochNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static long nanos(RecordedEvent event) {
        return event.getDuration().toNanos();
    }

    private static long tid(RecordedThread thread) {
        return thread == null ? -1 : thread.getJavaThreadId();
    }

    private static String name(RecordedThread thread) {
        return thread == null ? null : thread.getJavaName();
    }

    private static String className(RecordedClass type) {
        return type == null ? null : type.getName();
    }
}
