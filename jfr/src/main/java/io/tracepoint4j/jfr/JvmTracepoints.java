package io.tracepoint4j.jfr;

import io.tracepoint4j.Tracepoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@code tp stat}'s, your own) starts a {@code RecordingStream} of that event, its last probe stops
 * it, so with nobody listening JFR does not run for it (see {@link #streaming()}).
 *
 * <p>JFR hands events over in batches, about once a second, on its stream thread: a tracepoint fires
 * then, so its own timestamp in a trace is the hand-over's; each carries the JVM event's start
 * ({@code startEpochNanos}, wall clock) and duration, and, for events of a Java thread, that
 * thread's id and name ({@code tid}, {@code thread}), since the firing thread is JFR's.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class JvmTracepoints {
    /*
     * Design note.
     *
     * Streams on demand: each tracepoint's onFirstProbe/onLastProbe hooks start and stop its
     *   JfrSource (its design note says why stopping does not wait).
     *
     * Memory ordering
     *   [TH] threshold: volatile; threshold() writes it, a source's settings read it when its stream
     *        starts. Nothing else is published through it.
     */

    /** {@code jvm:gc_pause}: a stop-the-world pause of the garbage collector (JFR's {@code jdk.GCPhasePause}). */
    public interface GcPause {
        void gcPause(long gcId, String name, long startEpochNanos, long durationNanos);
    }

    /** {@code jvm:safepoint}: a safepoint, from its begin to its end (JFR's {@code jdk.SafepointBegin}). */
    public interface Safepoint {
        void safepoint(long safepointId, int threads, long startEpochNanos, long durationNanos);
    }

    /** {@code jvm:thread_park}: a thread parked at least the threshold (JFR's {@code jdk.ThreadPark}). */
    public interface ThreadPark {
        void threadPark(
                long tid,
                String thread,
                String parkedClass,
                long timeoutNanos,
                long startEpochNanos,
                long durationNanos);
    }

    /** {@code jvm:monitor_enter}: a contended monitor entered after at least the threshold (JFR's {@code jdk.JavaMonitorEnter}). */
    public interface MonitorEnter {
        void monitorEnter(
                long tid,
                String thread,
                String monitorClass,
                long previousOwnerTid,
                long startEpochNanos,
                long durationNanos);
    }

    /** {@code jvm:allocation_sample}: a sampled allocation, weighted by the bytes it stands for (JFR's {@code jdk.ObjectAllocationSample}). */
    public interface AllocationSample {
        void allocationSample(long tid, String thread, String objectClass, long weight, long startEpochNanos);
    }

    /** The threshold of thread_park and monitor_enter unless {@link #threshold(Duration)} says otherwise: JFR's default profile's. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(20);

    /** The rate of allocation samples: JFR's default profile's. */
    static final String ALLOCATION_THROTTLE = "150/s";

    /** The threshold for streams started from now on. */
    private static volatile Duration threshold = DEFAULT_THRESHOLD; // [TH]

    /**
     * Every jvm:* tracepoint and its source, in definition order; filled by streamed() during class
     * initialization, read only after it (which publishes it).
     */
    private static final Map<Tracepoint<?>, JfrSource> STREAMED = new LinkedHashMap<>();

    // The sources first: the tracepoints' hooks name them.
    private static final JfrSource GC_PAUSE_SOURCE = new JfrSource("jdk.GCPhasePause", s -> {}, e -> gcPause(e));
    private static final JfrSource SAFEPOINT_SOURCE = new JfrSource("jdk.SafepointBegin", s -> {}, e -> safepoint(e));
    private static final JfrSource THREAD_PARK_SOURCE =
            new JfrSource("jdk.ThreadPark", s -> s.withThreshold(threshold), e -> threadPark(e)); // [TH]
    private static final JfrSource MONITOR_ENTER_SOURCE =
            new JfrSource("jdk.JavaMonitorEnter", s -> s.withThreshold(threshold), e -> monitorEnter(e)); // [TH]
    private static final JfrSource ALLOCATION_SAMPLE_SOURCE = new JfrSource(
            "jdk.ObjectAllocationSample", s -> s.with("throttle", ALLOCATION_THROTTLE), e -> allocationSample(e));

    public static final Tracepoint<GcPause> GC_PAUSE = streamed(
            Tracepoint.builder("jvm:gc_pause", GcPause.class)
                    .arguments("gcId", "name", "startEpochNanos", "durationNanos"),
            GC_PAUSE_SOURCE);

    public static final Tracepoint<Safepoint> SAFEPOINT = streamed(
            Tracepoint.builder("jvm:safepoint", Safepoint.class)
                    .arguments("safepointId", "threads", "startEpochNanos", "durationNanos"),
            SAFEPOINT_SOURCE);

    public static final Tracepoint<ThreadPark> THREAD_PARK = streamed(
            Tracepoint.builder("jvm:thread_park", ThreadPark.class)
                    .arguments("tid", "thread", "parkedClass", "timeoutNanos", "startEpochNanos", "durationNanos"),
            THREAD_PARK_SOURCE);

    public static final Tracepoint<MonitorEnter> MONITOR_ENTER = streamed(
            Tracepoint.builder("jvm:monitor_enter", MonitorEnter.class)
                    .arguments("tid", "thread", "monitorClass", "previousOwnerTid", "startEpochNanos", "durationNanos"),
            MONITOR_ENTER_SOURCE);

    public static final Tracepoint<AllocationSample> ALLOCATION_SAMPLE = streamed(
            Tracepoint.builder("jvm:allocation_sample", AllocationSample.class)
                    .arguments("tid", "thread", "objectClass", "weight", "startEpochNanos"),
            ALLOCATION_SAMPLE_SOURCE);

    private JvmTracepoints() {}

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
        for (Map.Entry<Tracepoint<?>, JfrSource> streamed : STREAMED.entrySet()) {
            if (streamed.getValue().streaming()) {
                names.add(streamed.getKey().name());
            }
        }
        return names;
    }

    /**
     * Records parked threads and contended monitors that waited at least {@code threshold}, in
     * the streams started from now on (a running one keeps its threshold until its tracepoint
     * loses its last probe); default {@link #DEFAULT_THRESHOLD}.
     *
     * @throws IllegalArgumentException if the threshold is null or negative
     */
    public static void threshold(Duration threshold) {
        if (threshold == null || threshold.isNegative()) {
            throw new IllegalArgumentException("threshold " + threshold + ": give a duration of 0 or more");
        }
        JvmTracepoints.threshold = threshold; // [TH]
    }

    private static <P> Tracepoint<P> streamed(Tracepoint.Builder<P> builder, JfrSource source) {
        Tracepoint<P> tracepoint =
                builder.onFirstProbe(source::start).onLastProbe(source::stop).define();
        STREAMED.put(tracepoint, source);
        return tracepoint;
    }

    private static void gcPause(RecordedEvent e) {
        GC_PAUSE.fire().gcPause(e.getLong("gcId"), e.getString("name"), epochNanos(e.getStartTime()), nanos(e));
    }

    private static void safepoint(RecordedEvent e) {
        SAFEPOINT
                .fire()
                .safepoint(
                        e.getLong("safepointId"), e.getInt("totalThreadCount"), epochNanos(e.getStartTime()), nanos(e));
    }

    private static void threadPark(RecordedEvent e) {
        RecordedThread thread = e.getThread();
        THREAD_PARK
                .fire()
                .threadPark(
                        tid(thread),
                        name(thread),
                        className(e.getClass("parkedClass")),
                        e.getLong("timeout"),
                        epochNanos(e.getStartTime()),
                        nanos(e));
    }

    private static void monitorEnter(RecordedEvent e) {
        RecordedThread thread = e.getThread();
        MONITOR_ENTER
                .fire()
                .monitorEnter(
                        tid(thread),
                        name(thread),
                        className(e.getClass("monitorClass")),
                        tid(e.getThread("previousOwner")),
                        epochNanos(e.getStartTime()),
                        nanos(e));
    }

    private static void allocationSample(RecordedEvent e) {
        RecordedThread thread = e.getThread();
        ALLOCATION_SAMPLE
                .fire()
                .allocationSample(
                        tid(thread),
                        name(thread),
                        className(e.getClass("objectClass")),
                        e.getLong("weight"),
                        epochNanos(e.getStartTime()));
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
