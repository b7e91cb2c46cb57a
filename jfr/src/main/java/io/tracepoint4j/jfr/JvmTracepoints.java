package io.tracepoint4j.jfr;

import io.tracepoint4j.Tracepoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;

/**
 * The JVM's own JFR events as tracepoints, so that a trace holds GC pauses, safepoints, parked
 * threads, contended monitors and allocation samples beside the application's events, on one
 * timeline: {@code tp record -e 'jvm:*,web:*'}.
 *
 * <pre>{@code
 * try (JvmTracepoints jvm = JvmTracepoints.start("gc_pause", "thread_park")) {
 *     // ... jvm:gc_pause and jvm:thread_park fire as the JVM's events arrive ...
 * }
 * }</pre>
 *
 * <p>The tracepoints ({@code jvm:gc_pause}, {@code jvm:safepoint}, {@code jvm:thread_park}, {@code
 * jvm:monitor_enter}, {@code jvm:allocation_sample}) are defined when this class is initialized, so
 * {@code tp list} shows them; they fire only while a {@code JvmTracepoints} streams the JFR events
 * they come from, with a {@link RecordingStream} of its own (JFR then runs, as with any recording).
 * JFR hands events over in batches about once a second, on its stream thread: a tracepoint fires
 * then, so its own timestamp in a trace is the delivery's; each carries the JVM event's start
 * ({@code startEpochNanos}, wall clock) and duration, and, for events of a Java thread, that
 * thread's id and name ({@code tid}, {@code thread}), since the firing thread is JFR's.
 *
 * <p>Thread safety: {@link #start} and {@link #close} may be called from any thread.
 */
public final class JvmTracepoints implements AutoCloseable {
    /*
     * Design note.
     *
     * Closing: RecordingStream.close() stops the stream but does not wait for a handler that is
     *   running, so close() then waits (awaitTermination) for the stream's thread, unless it runs
     *   on that thread (a probe of a jvm:* tracepoint closing it): that one would wait for itself.
     *
     * Memory ordering
     *   [DT] dispatcher: volatile; the stream's thread writes itself there before each hand-over,
     *        close() reads it. Only the stream's thread can read its own value; any other thread
     *        reads another one or null, both of which mean "not me", so no stale read misleads it.
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

    public static final Tracepoint<GcPause> GC_PAUSE =
            Tracepoint.define("jvm:gc_pause", GcPause.class, "gcId", "name", "startEpochNanos", "durationNanos");

    public static final Tracepoint<Safepoint> SAFEPOINT = Tracepoint.define(
            "jvm:safepoint", Safepoint.class, "safepointId", "threads", "startEpochNanos", "durationNanos");

    public static final Tracepoint<ThreadPark> THREAD_PARK = Tracepoint.define(
            "jvm:thread_park",
            ThreadPark.class,
            "tid",
            "thread",
            "parkedClass",
            "timeoutNanos",
            "startEpochNanos",
            "durationNanos");

    public static final Tracepoint<MonitorEnter> MONITOR_ENTER = Tracepoint.define(
            "jvm:monitor_enter",
            MonitorEnter.class,
            "tid",
            "thread",
            "monitorClass",
            "previousOwnerTid",
            "startEpochNanos",
            "durationNanos");

    public static final Tracepoint<AllocationSample> ALLOCATION_SAMPLE = Tracepoint.define(
            "jvm:allocation_sample",
            AllocationSample.class,
            "tid",
            "thread",
            "objectClass",
            "weight",
            "startEpochNanos");

    /** The threshold of thread_park and monitor_enter when none is given: JFR's default profile's. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(20);

    /** The rate of allocation samples: JFR's default profile's. */
    static final String ALLOCATION_THROTTLE = "150/s";

    /** Each tracepoint's event name (after "jvm:") and the JFR event it comes from, in the order above. */
    private static final Map<String, String> SOURCES = new LinkedHashMap<>();

    static {
        SOURCES.put("gc_pause", "jdk.GCPhasePause");
        SOURCES.put("safepoint", "jdk.SafepointBegin");
        SOURCES.put("thread_park", "jdk.ThreadPark");
        SOURCES.put("monitor_enter", "jdk.JavaMonitorEnter");
        SOURCES.put("allocation_sample", "jdk.ObjectAllocationSample");
    }

    private final RecordingStream stream;
    private final List<String> events;
    /** The stream's thread, once it has delivered an event: close() does not wait for itself. */
    private volatile Thread dispatcher; // [DT]

    private JvmTracepoints(RecordingStream stream, List<String> events) {
        this.stream = stream;
        this.events = events;
    }

    /**
     * Streams the JVM events behind the named tracepoints (the part after {@code jvm:}; none: all
     * five) and fires them until {@link #close()}, with {@link #DEFAULT_THRESHOLD}.
     *
     * @throws IllegalArgumentException if a name is not one of the five
     */
    public static JvmTracepoints start(String... events) {
        return start(DEFAULT_THRESHOLD, events);
    }

    /**
     * As {@link #start(String...)}, recording parked threads and contended monitors that waited at
     * least {@code threshold} (ignored by the other events).
     *
     * @throws IllegalArgumentException if a name is not one of the five, or the threshold is negative
     */
    public static JvmTracepoints start(Duration threshold, String... events) {
        if (threshold == null || threshold.isNegative()) {
            throw new IllegalArgumentException("threshold " + threshold + ": give a duration of 0 or more");
        }
        Set<String> chosen = new LinkedHashSet<>( // each once
                events == null || events.length == 0 ? SOURCES.keySet() : Arrays.asList(events));
        for (String event : chosen) {
            if (!SOURCES.containsKey(event)) {
                throw new IllegalArgumentException(
                        "no JVM tracepoint jvm:" + event + "; choose among " + String.join(", ", SOURCES.keySet()));
            }
        }
        RecordingStream stream = new RecordingStream();
        JvmTracepoints jvm = new JvmTracepoints(stream, List.copyOf(chosen));
        for (String event : chosen) {
            String source = SOURCES.get(event);
            switch (event) {
                case "thread_park", "monitor_enter" -> stream.enable(source).withThreshold(threshold);
                case "allocation_sample" -> stream.enable(source).with("throttle", ALLOCATION_THROTTLE);
                default -> stream.enable(source);
            }
            stream.onEvent(source, jvm.handler(event));
        }
        stream.setReuse(true); // the handlers copy what they need: JFR may reuse its event objects
        stream.setOrdered(true); // in time order within each batch
        stream.startAsync();
        return jvm;
    }

    /** The tracepoints this streams, without the {@code jvm:} prefix. */
    public List<String> events() {
        return events;
    }

    /**
     * Stops the stream and waits until its thread has finished the event it was handing over: no
     * tracepoint of it fires after this returns (called from one of its probes, it cannot wait for
     * itself, and returns at once). Idempotent.
     */
    @Override
    public void close() {
        stream.close();
        if (Thread.currentThread() == dispatcher) { // [DT]
            return;
        }
        try {
            stream.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closed, not waited for: the caller asked to stop waiting
        }
    }

    private Consumer<RecordedEvent> handler(String event) {
        Consumer<RecordedEvent> fire = firing(event);
        return e -> {
            dispatcher = Thread.currentThread(); // [DT]
            fire.accept(e);
        };
    }

    private static Consumer<RecordedEvent> firing(String event) {
        return switch (event) {
            case "gc_pause" ->
                e -> GC_PAUSE.fire()
                        .gcPause(e.getLong("gcId"), e.getString("name"), epochNanos(e.getStartTime()), nanos(e));
            case "safepoint" ->
                e -> SAFEPOINT
                        .fire()
                        .safepoint(
                                e.getLong("safepointId"),
                                e.getInt("totalThreadCount"),
                                epochNanos(e.getStartTime()),
                                nanos(e));
            case "thread_park" ->
                e -> {
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
                };
            case "monitor_enter" ->
                e -> {
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
                };
            case "allocation_sample" ->
                e -> {
                    RecordedThread thread = e.getThread();
                    ALLOCATION_SAMPLE
                            .fire()
                            .allocationSample(
                                    tid(thread),
                                    name(thread),
                                    className(e.getClass("objectClass")),
                                    e.getLong("weight"),
                                    epochNanos(e.getStartTime()));
                };
            default -> throw new AssertionError(event); // start() checked the names
        };
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
