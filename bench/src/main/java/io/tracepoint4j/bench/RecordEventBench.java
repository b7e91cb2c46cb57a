package io.tracepoint4j.bench;

import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.ringbuffer.Loss;
import io.tracepoint4j.tracer.Session;
import io.tracepoint4j.tracer.TraceClock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.StackTrace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Question: what does recording one event cost the thread that fires it, a tracepoint with three
 * arguments ({@code long}, {@code int}, a short {@code String}) recorded by a running session,
 * compared with {@code System.nanoTime()} alone and with a JFR event of the same three fields
 * committed into a running recording; how does it scale from one to two threads; and does it
 * allocate?
 *
 * <p>One op is one event, its arguments read from the state ({@code id = 42}, {@code status = 200},
 * {@code route = "/orders"}). {@code scenario}:
 *
 * <ul>
 *   <li>{@code nanoTime}: {@code System.nanoTime()} alone, the <b>baseline</b>: what any timestamped
 *       event pays at least (sessions read the time-stamp counter instead where they can, {@link
 *       ClockBench});
 *   <li>{@code tracepoint4j}: {@code RECORDED.fire().record(id, status, route)}, the tracepoint
 *       enabled in a running {@link Session}: DISCARD mode, {@value #THREAD_BUFFERS} single-producer
 *       buffers (one per firing thread, and one shared buffer; no event-time buffer) of {@value
 *       #SUB_BUFFER_COUNT} sub-buffers of {@value #SUB_BUFFER_SIZE} bytes (256 MiB each, about 0.2 s
 *       of one thread's events at this rate with no drain at all), {@link TraceClock#best()}, the
 *       trace in a folder under {@code java.io.tmpdir}. A record is 38 bytes: event header 10,
 *       thread id 8, then 8 + 4 + the route's 8;
 *   <li>{@code jfr}: the same three fields in a JFR event ({@link RecordEvent}: {@code isEnabled()},
 *       the fields, {@code commit()}), enabled in a running recording without stack trace and with
 *       threshold 0 (as ours: no stack trace; JFR's default stack trace is a stack walk per event),
 *       to disk with no destination: its chunks go to JFR's repository (under {@code
 *       java.io.tmpdir}, removed when the recording closes), at most {@value JfrRecordings#MAX_SIZE} bytes of
 *       them kept. To disk, because the session writes its trace too: each side then pays for a
 *       background thread that writes out what the firing threads record;
 *   <li>{@code flightRecorder}: as {@code tracepoint4j}, in an OVERWRITE session (a flight
 *       recorder): no drain thread writes while the threads fire, so against {@code tracepoint4j} it
 *       tells the write path's own cost from what the drain running beside it adds;
 *   <li>{@code filteredOut}: as {@code tracepoint4j}, but the session's rule has the filter
 *       {@value #FILTER}, which the firings fail: the cost of an event a filter drops, which issue 14
 *       wants at most a third of a recorded one's;
 *   <li>{@code disabledTracepoint}: the same call on a tracepoint no session enables.
 * </ul>
 *
 * <p>Room to spare. A thread firing back to back records about 1.3 GB/s (38 bytes every 30 ns); in
 * DISCARD mode a buffer the drain has not emptied refuses events, and a refusal is cheaper than a
 * record, so a run with losses would time the wrong path. Hence the large buffers, and in {@code tracepoint4j} each
 * iteration's tear-down waits until the drain has written every complete sub-buffer (the stream
 * files stop growing for {@value #SETTLE_MILLIS} ms), prints {@code # tracepoint4j iteration:
 * drained N MB, lost M events}, and cuts the stream files to 0 bytes (they grow sparse: the disk
 * holds one iteration's packets at most; the trace is deleted at the end, not read). A measurement
 * iteration that lost any event fails the benchmark; a warm-up iteration only says so. Each
 * firing thread takes a single-producer buffer of its own at its first event; the tear-down prints
 * how much went through the shared buffer instead (while something stole the threads' own: a
 * drain's flush steals only a buffer left idle, so this is 0 MB when all is well), and a
 * measurement iteration where that is more than a tenth fails, since the score would then time a
 * contended buffer.
 *
 * <p>Threads: {@link #threads1} and {@link #threads2} run one and two firing threads, so one run
 * gives both; on two cores the session's drain thread (and JFR's recorder thread) share the cores
 * with the firing threads, which is part of the answer there.
 *
 * <p>How to read it: average time per event per thread in ns; {@code bench/report --baseline
 * scenario=nanoTime --vs scenario=jfr} adds {@code ×jfr}, and {@code scaling} is {@code 2 ×
 * t(threads1) / t(threads2)}. Run with {@code -prof gc} for {@code alloc B/op}. Targets (issue 13),
 * from one run: {@code tracepoint4j} at most 0.8x {@code jfr} at one thread; {@code tracepoint4j}
 * scaling at least 1.8x; 0 B/op allocated. Do not use {@code -f 0}: each scenario loads one {@link Firing} subclass
 * per fork, so its call stays monomorphic.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, Jvm.QUIET_UNSAFE})
@State(Scope.Benchmark)
public class RecordEventBench {

    /** The session's single-producer buffers: one per firing thread of {@link #threads2}. */
    static final int THREAD_BUFFERS = 2;

    /** The session's shared buffer: where a firing thread records while the drain steals its own. */
    static final int SHARED_BUFFERS = 1;

    /** The session's packet size: its default. */
    static final int SUB_BUFFER_SIZE = 256 * 1024;

    /** Sub-buffers per buffer: 256 MiB each. */
    static final int SUB_BUFFER_COUNT = 1024;

    /** How long the stream files must stay the same size before the drain counts as caught up. */
    static final long SETTLE_MILLIS = 100;

    /** How long an iteration's tear-down waits for the drain at most. */
    static final long DRAIN_TIMEOUT_SECONDS = 60;

    /** The prototype: three arguments, as a request event might have. */
    public interface Record {
        void record(long id, int status, String route);
    }

    static final Tracepoint<Record> RECORDED = Tracepoint.define("bench:record", Record.class, "id", "status", "route");
    static final Tracepoint<Record> DISABLED =
            Tracepoint.define("bench:record_disabled", Record.class, "id", "status", "route");

    /** The JFR name of {@link RecordEvent}. */
    static final String RECORD_EVENT = "io.tracepoint4j.bench.Record";

    /** The same fields as a JFR event. */
    @Name(RECORD_EVENT)
    @StackTrace(false)
    static final class RecordEvent extends Event {
        long id;
        int status;
        String route;
    }

    /** The filteredOut scenario's filter: both comparisons run, and neither holds for (42, 200, "/orders"). */
    static final String FILTER = "status >= 500 || route ~ \"/admin/*\"";

    /** What one op does; {@code nanoTime} is the baseline. */
    @Param({"nanoTime", "tracepoint4j", "flightRecorder", "filteredOut", "jfr", "disabledTracepoint"})
    public String scenario;

    long id = 42;
    int status = 200;
    String route = "/orders";
    Firing firing;

    private Path folder;
    private Session session;
    private List<Path> streamFiles = List.of();
    private long drainedBefore;
    /** Bytes drained before this iteration, for the shared buffer's share. */
    private long drainedBeforeIteration;

    private long lostBefore;
    private Recording recording;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Object made; // not Firing, so that only the class taken loads: see the note in Reader
        switch (scenario) {
            case "nanoTime" -> made = new NanoTime();
            case "tracepoint4j", "flightRecorder", "filteredOut" -> made = new Recorded();
            case "jfr" -> made = new Jfr();
            case "disabledTracepoint" -> made = new DisabledTracepoint();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        firing = (Firing) made;
        switch (scenario) {
            case "tracepoint4j" -> startSession(null, io.tracepoint4j.ringbuffer.Mode.DISCARD);
            case "flightRecorder" -> startSession(null, io.tracepoint4j.ringbuffer.Mode.OVERWRITE);
            case "filteredOut" -> startSession(FILTER, io.tracepoint4j.ringbuffer.Mode.DISCARD);
            case "jfr" -> startRecording();
            default -> {}
        }
    }

    private void startSession(String filter, io.tracepoint4j.ringbuffer.Mode mode) throws IOException {
        folder = TempFolder.create("RecordEventBench");
        session = Session.builder("RecordEventBench")
                .enable(RECORDED.name(), filter)
                .output(folder.resolve("trace"))
                .mode(mode)
                .buffers(SHARED_BUFFERS)
                .threadBuffers(THREAD_BUFFERS)
                .eventTimeBuffers(0) // no tracepoint here gives its event time: no stream for them
                .subBufferSize(SUB_BUFFER_SIZE)
                .subBufferCount(SUB_BUFFER_COUNT)
                .clock(TraceClock.best())
                .start();
        if (!RECORDED.enabled() || !session.recorded().equals(List.of(RECORDED.name()))) {
            throw new IllegalStateException("the session records " + session.recorded() + ", not " + RECORDED);
        }
        if (mode == io.tracepoint4j.ringbuffer.Mode.OVERWRITE) {
            System.out.println("# tracepoint4j: flight recorder, session clock "
                    + session.clock().name());
            return; // no stream file until the stop
        }
        streamFiles = TempFolder.files(session.folder(), "stream-");
        if (streamFiles.size() != SHARED_BUFFERS + THREAD_BUFFERS) {
            throw new IllegalStateException("expected " + (SHARED_BUFFERS + THREAD_BUFFERS) + " stream files in "
                    + session.folder() + ", found " + streamFiles);
        }
        System.out.println(
                "# tracepoint4j: session clock " + session.clock().name() + ", trace in " + session.folder());
    }

    private void startRecording() {
        recording = JfrRecordings.toDisk("RecordEventBench", RECORD_EVENT);
        if (!new RecordEvent().isEnabled()) {
            throw new IllegalStateException("the recording did not enable " + RecordEvent.class.getName());
        }
    }

    /**
     * {@code tracepoint4j}: waits for the drain, reports the iteration's packets and losses, cuts
     * the stream files; fails a measurement iteration that lost events.
     */
    private final BackgroundCpu backgroundCpu = new BackgroundCpu();

    /** Starts counting the CPU time of the threads that are not firing (the drain, JFR's own). */
    @Setup(Level.Iteration)
    public void beforeIteration() {
        backgroundCpu.start();
    }

    @TearDown(Level.Iteration)
    public void afterIteration(IterationParams iteration) throws IOException, InterruptedException {
        if (session == null) {
            if (recording != null) {
                backgroundCpu.report("# jfr iteration: ");
            }
            return;
        }
        if (streamFiles.isEmpty()) { // the flight recorder: nothing is drained while it runs
            backgroundCpu.report("# flightRecorder iteration: ");
            long lostNow = lostTotal() - lostBefore;
            lostBefore += lostNow;
            if (lostNow > 0 && iteration.getType() == IterationType.MEASUREMENT) {
                throw new IllegalStateException("the flight recorder lost " + lostNow + " events (" + losses() + ")");
            }
            return;
        }
        long drained = waitForDrain();
        backgroundCpu.report("# tracepoint4j iteration: until drained, ");
        long lost = lostTotal();
        long lostNow = lost - lostBefore;
        System.out.println("# tracepoint4j iteration: drained " + (drained - drainedBefore) / 1_000_000 + " MB, lost "
                + lostNow + " events" + (lostNow > 0 ? " (" + losses() + ")" : ""));
        drainedBefore = drained;
        lostBefore = lost;
        long shared = Files.size(session.folder().resolve("stream-0-0")); // the shared buffer's stream
        System.out.println("# tracepoint4j iteration: " + shared / 1_000_000 + " MB of it through the shared buffer"
                + " (while the threads' own were stolen)");
        if (iteration.getType() == IterationType.MEASUREMENT && shared * 10 > drained - drainedBeforeIteration) {
            throw new IllegalStateException("more than a tenth of the iteration's records went through the shared"
                    + " buffer: the firing threads did not record into buffers of their own, and the score would time"
                    + " a contended buffer");
        }
        drainedBeforeIteration = drained;
        for (Path file : streamFiles) {
            TempFolder.truncate(file);
        }
        if (lostNow > 0 && iteration.getType() == IterationType.MEASUREMENT) {
            throw new IllegalStateException("the session lost " + lostNow + " events in this measurement iteration ("
                    + losses() + "): its score would time the refusal of a full buffer, not recording. The drain"
                    + " did not keep up with the firing threads; run on a quieter machine, or give the session"
                    + " more room (SUB_BUFFER_COUNT)");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (session != null) {
                Session.Summary summary = session.stop();
                System.out.println("# tracepoint4j: session stopped, " + summary.lost() + " events lost in all");
            }
            if (recording != null) {
                recording.close();
            }
        } finally {
            TempFolder.delete(folder);
        }
    }

    /** Waits until the stream files stop growing; returns their length, every byte drained so far. */
    private long waitForDrain() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
        long size = TempFolder.size(streamFiles);
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the session's drain still writes after " + DRAIN_TIMEOUT_SECONDS
                        + " s; is the disk under " + folder + " full or stalled?");
            }
            Thread.sleep(10);
            long now = TempFolder.size(streamFiles);
            if (now != size) {
                size = now;
                stableSince = System.nanoTime();
            }
        }
        return size;
    }

    private long lostTotal() {
        long total = 0;
        for (Loss cause : Loss.values()) {
            total += session.lost(cause);
        }
        return total;
    }

    private String losses() {
        StringBuilder text = new StringBuilder();
        for (Loss cause : Loss.values()) {
            long n = session.lost(cause);
            if (n > 0) {
                text.append(text.isEmpty() ? "" : ", ")
                        .append(cause)
                        .append(' ')
                        .append(n);
            }
        }
        return text + " since the trial began";
    }

    /**
     * A benchmark thread, in {@code tracepoint4j}: says which of the session's buffers it records
     * into, and what it allocated in each iteration (JMH's gc profiler counts every thread, the
     * drain's per-packet objects included; this is the firing thread alone).
     */
    @State(Scope.Thread)
    public static class Worker {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        private long allocatedBefore;

        @Setup(Level.Trial)
        public void setUp(RecordEventBench bench) {
            if (bench.session == null) {
                return;
            }
            Thread thread = Thread.currentThread();
            System.out.println("# tracepoint4j: " + thread.getName() + " (id " + thread.threadId()
                    + ") records into a buffer of its own (one of " + THREAD_BUFFERS + ")");
        }

        @Setup(Level.Iteration)
        public void beforeIteration() {
            allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        }

        @TearDown(Level.Iteration)
        public void afterIteration(RecordEventBench bench) {
            if (bench.session != null) {
                long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
                System.out.println("# tracepoint4j: " + Thread.currentThread().getName() + " allocated " + allocated
                        + " bytes in the iteration, JMH's own included");
            }
        }
    }

    /** One event; exactly one subclass is loaded per fork. */
    abstract static class Firing {
        abstract long fire(long id, int status, String route);
    }

    static final class NanoTime extends Firing {
        @Override
        long fire(long id, int status, String route) {
            return System.nanoTime();
        }
    }

    static final class Recorded extends Firing {
        @Override
        long fire(long id, int status, String route) {
            RECORDED.fire().record(id, status, route);
            return 0;
        }
    }

    static final class Jfr extends Firing {
        @Override
        long fire(long id, int status, String route) {
            RecordEvent event = new RecordEvent();
            if (event.isEnabled()) {
                event.id = id;
                event.status = status;
                event.route = route;
                event.commit();
            }
            return 0;
        }
    }

    static final class DisabledTracepoint extends Firing {
        @Override
        long fire(long id, int status, String route) {
            DISABLED.fire().record(id, status, route);
            return 0;
        }
    }

    /** One firing thread. */
    @Benchmark
    @Threads(1)
    public long threads1(Worker worker) {
        return firing.fire(id, status, route);
    }

    /** Two firing threads, each with a buffer of its own. */
    @Benchmark
    @Threads(2)
    public long threads2(Worker worker) {
        return firing.fire(id, status, route);
    }
}
