package io.tracepoint4j.tracer;

import io.tracepoint4j.ArgumentFilter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.ctf.CtfClock;
import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.ctf.EventClass;
import io.tracepoint4j.ctf.Field;
import io.tracepoint4j.ctf.FieldType;
import io.tracepoint4j.ctf.PacketLayout;
import io.tracepoint4j.ctf.StreamClass;
import io.tracepoint4j.ctf.TraceMetadata;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.rcu.internal.LibraryThreads;
import io.tracepoint4j.ringbuffer.Loss;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * A recording of tracepoints into a CTF trace: enables tracepoints by name or glob (now and as they
 * are defined later), records each firing with its timestamp, thread and arguments into lock-free
 * ring buffers, and a thread of its own writes the buffers' packets into a trace folder that
 * babeltrace2 reads.
 *
 * <pre>{@code
 * Session session = Session.builder("requests")
 *         .enable("http:*")
 *         .output(Path.of("traces/requests"))
 *         .start();
 * ...
 * Session.Summary summary = session.stop();   // events recorded, lost, the folder
 * }</pre>
 *
 * <p>A DISCARD session (the default) streams its trace to the folder while it records, and can
 * {@link #rotate()} it: close the current chunk and go on in a new folder. An OVERWRITE session is a
 * flight recorder: it keeps the newest events in its buffers and writes them when asked, to a
 * folder of their own ({@link #snapshot(Path)}) and to its folder when it stops.
 *
 * <p>Several sessions may run at once, each with its rules, buffers and folder; a tracepoint
 * enabled in two sessions is recorded by both. Each session's records are protected by an SRCU
 * domain of its own, so stopping, rotating and snapshots wait for its own writers only. A session
 * still running when the JVM exits is stopped by a shutdown hook, so its trace holds what was
 * buffered (unless a thread holds up the stop for 12 s: see tracer/README.md, "Firings cut short").
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class Session implements AutoCloseable {
    /*
     * Design note.
     *
     * Overview: a session attaches to each enabled tracepoint one writer probe
     *   (Tracepoint.writerProbe) whose writer, a TracepointWriter, records into the session's
     *   buffers (SessionBuffers: a fixed number of ring buffers, single-producer ones owned by
     *   platform threads in turn (ThreadBuffers), event-time ones owned by threads that report
     *   events late, and shared ones for the rest); the
     *   drain thread (Drain) hands their complete sub-buffers, which are CTF packets with the
     *   packet header room in front, to the trace's stream files, one per buffer. Each tracepoint
     *   gets an event class (id from 2; 0 is the thread-name event, 1 the abandoned record's,
     *   see AbandonedFirings) when first attached, added to
     *   the trace's metadata then.
     *
     * Concurrency: this object's monitor guards the rules, the attached probes, the event ids, the
     *   state, the open traces and the chunks; the registry listener takes it too, on the defining
     *   thread. It is never held while waiting for a grace period or the drain thread. `lifecycle`
     *   serializes start, stop, rotate and snapshot, and is held while they wait. Lock order:
     *   lifecycle, then this monitor, then the tracepoint's update lock (register/unregister/replace) and
     *   CtfTrace's.
     *
     * Traces: `traces` holds every trace being written: the current chunk, and during a rotation
     *   or a snapshot the one being made. eventId() adds a tracepoint's event class to each, so
     *   every trace's metadata names every event its packets can hold.
     *
     * Stop: the recorder stops recording and waits for the session's SRCU grace period (Recorder's
     *   design note), detaches every probe, then the drain writes what the buffers hold and closes
     *   the trace. A firing that still calls a detached writer sees recording off and writes
     *   nothing. The flag's ordering is [RC] in Recorder; the thread events' loss count [LT] there.
     *
     * Rotate: the drain thread stops; each buffer is cut (RingBuffer.cut(long): the records reserved
     *   before lie in sub-buffers below the returned sequence number); a grace period of the
     *   session's domain passes, so every record reserved before a cut is committed (it was
     *   reserved inside a section that began before the grace period); the old drain hands the
     *   sub-buffers below the cuts to the old chunk and later ones to the new, closes the old chunk,
     *   and a new drain thread goes on. Writers never pause. Thread names: the new chunk gets a
     *   stream naming every thread of the cache, read after the grace period, stamped with a time
     *   read before the cuts (so before every event of the new chunk). A thread whose name event
     *   went into the old chunk claimed its slot inside a section the grace period waited for, so
     *   the list read after it includes that thread; a thread that claims later writes its name
     *   event into the new chunk itself.
     *
     * Single-producer buffers (ThreadBuffers) are cut after the grace period, having been stolen
     *   from their writers before it ([ST] in ThreadBuffers): see Recorder.cutAll(long).
     *
     * Snapshot (OVERWRITE): cut, a grace period, then every complete sub-buffer is copied out
     *   (RingBuffer's [SL] validation drops one a writer overwrote meanwhile) into a trace of its
     *   own, with a stream naming the cache's threads, stamped with the snapshot's first packet's
     *   begin time. A snapshot consumes what it writes: the next one, or the stop, holds newer
     *   events.
     *
     * Firings cut short (AbandonedFirings): after the grace period of a stop, a rotation or a
     *   snapshot, a sub-buffer before the cuts still short of its count holds a record a firing
     *   abandoned, and is dropped (Drain.drainPastAbandoned); the stop reads the count of records
     *   rewritten as abandoned events after its grace period ([AB] in AbandonedFirings).
     */

    private final String name;
    private final Path folder;
    private final Mode mode;
    private final int maxVariable;
    private final TraceClock clock;
    private final Warnings warnings;
    /** Rule globs and their filters (null: every firing), in the order added. */
    private final Map<String, Filter> rules = new LinkedHashMap<>(); // guarded by this

    /**
     * The probes attached, by tracepoint id, each with its tracepoint, both held weakly: a running
     * session must not keep a plugin's class loader alive (its tracepoint, and the probe generated
     * beside its prototype, would), and the listener drops the entry when the loader goes. Not
     * io.tracepoint4j.Attachments, which asks once per tracepoint and detaches only at its close:
     * a session's rules change while it runs, and update() replaces a probe in one step.
     */
    private final Map<Long, Attached> probes = new HashMap<>(); // guarded by this
    /** The event id of each tracepoint ever attached, by tracepoint id: attached again, it keeps its class. */
    private final Map<Long, Integer> eventIds = new HashMap<>(); // guarded by this

    private final Listener listener = new Listener();
    private final Srcu domain;
    private final TraceMetadata metadata;
    private final SessionBuffers buffers;
    private final Recorder recorder;
    /** Serializes start, stop, rotate and snapshot; held while they wait (see the design note). */
    private final Object lifecycle = new Object();
    /** What the stop that ended the session answered: its summary, and its failure if any. Guarded by lifecycle. */
    private Summary stoppedWith;

    private IncompleteTrace stopFailure;

    private final ShutdownHook shutdownHook = new ShutdownHook();

    /** The sessions running in this JVM, for tools ({@link #running()}). */
    private static final Set<Session> RUNNING = ConcurrentHashMap.newKeySet();

    private final List<CtfTrace> traces = new ArrayList<>(); // guarded by this: being written
    private final List<Path> chunks = new ArrayList<>(); // guarded by this: the folders, oldest first
    private CtfTrace trace; // guarded by this: the current chunk's
    private Drain drain; // guarded by this: the current chunk's
    private int nextEventId = AbandonedFirings.ABANDONED_EVENT_ID + 1; // guarded by this
    /** The largest event id: the event header's id is 16 bits (see metadata()). */
    static final int MAX_EVENT_ID = 0xFFFF;
    /** How long the exit hook waits for the writers: past the domain's stall report (10 s by default). */
    private static final long EXIT_WAIT_NANOS = 12_000_000_000L;
    /** How often the exit hook looks whether its grace period ended. */
    private static final long EXIT_POLL_NANOS = 10_000_000L;
    /** How long the exit hook, giving up, waits for the drain thread to finish its round. */
    private static final long EXIT_DRAIN_NANOS = 2_000_000_000L;

    private State state = State.NEW; // guarded by this

    private enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    private Session(Builder builder) {
        this.name = builder.name;
        this.folder = builder.folder;
        this.mode = builder.mode;
        this.maxVariable = builder.maxVariable;
        this.clock = builder.clock;
        this.warnings = new Warnings(builder.warnings);
        this.rules.putAll(builder.rules);
        this.domain = Srcu.builder("tracepoint4j-session-" + name)
                .stallAdvice(new AbandonedFirings.StallAdvice(name))
                .build();
        this.metadata = metadata();
        PacketLayout layout = metadata.packetLayout(STREAM_CLASS);
        int eventHeaderSize = layout.eventHeaderSize(); // id, then the timestamp: the last 8 bytes
        this.buffers = new SessionBuffers(
                builder.buffers,
                builder.threadBuffers,
                builder.eventTimeBuffers,
                builder.subBufferSize,
                builder.subBufferCount,
                layout.eventsOffset(), // the packet header and context, filled by the drain
                mode,
                clock,
                eventHeaderSize - Long.BYTES);
        this.recorder = new Recorder(buffers, domain, clock, new ThreadNames(builder.threadNameSlots), eventHeaderSize);
    }

    /** A builder of a session named {@code name} (letters, digits, {@code -} and {@code _}). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Enables the tracepoints matching {@code glob} ({@link Tracepoints#find} syntax), those defined
     * now and those defined later; while running, at once.
     *
     * @return this session
     * @throws IllegalStateException if the session is stopped
     */
    public synchronized Session enable(String glob) {
        return enable(glob, null);
    }

    /**
     * Enables the tracepoints matching {@code glob}, as {@link #enable(String)} does, recording only
     * the firings {@code filter} accepts ({@link Filter}; null for every firing). A tracepoint that
     * several rules match records a firing when any of them accepts it. Enabling a glob again
     * replaces its filter. While running, a tracepoint whose rules' filter changes gets a probe with
     * the new one in place of the old in one update (Tracepoint.replace): every firing is recorded
     * under the filter before or the one after, none lost and none twice.
     *
     * @return this session
     * @throws FilterException if the filter cannot be parsed, or does not fit a tracepoint defined
     *     now that {@code glob} matches (an argument it lacks, a literal of the wrong type), or
     *     joined with the other rules matching one makes a filter too large to compile; a
     *     tracepoint defined later that it does not fit is not recorded, with a warning
     * @throws IllegalStateException if the session is stopped
     */
    public synchronized Session enable(String glob, String filter) {
        checkNotStopped("enable");
        Tracepoints.checkGlob(glob); // a rule that could match nothing is refused, not kept empty
        Filter parsed = filter == null ? null : Filter.parse(filter);
        checkFits(glob, parsed);
        rules.put(glob, parsed);
        if (state == State.RUNNING) {
            for (Tracepoint<?> tracepoint : Tracepoints.find(glob)) {
                update(tracepoint);
            }
        }
        return this;
    }

    /**
     * Throws if {@code filter} does not fit a tracepoint defined now that {@code glob} matches, or
     * if, with the other rules that match it, the filters together do not compile (more
     * comparisons than a compiled filter holds): refused now, rather than the tracepoint's
     * recording stopped with a warning once the rule is in.
     */
    private void checkFits(String glob, Filter filter) {
        Map<String, Filter> after = new LinkedHashMap<>(rules);
        after.put(glob, filter);
        for (Tracepoint<?> tracepoint : Tracepoints.find(glob)) {
            if (filter != null) {
                filter.compile(tracepoint, "check"); // its own fit first: its message points into it
            }
            Filter combined = filterOf(after, tracepoint.name());
            if (combined != null && combined != filter) {
                try {
                    combined.compile(tracepoint, "check");
                } catch (FilterException e) {
                    throw new FilterException(
                            filter == null ? "" : filter.expression(),
                            0,
                            "with the other rules that match " + tracepoint.name() + " it makes a filter that does"
                                    + " not compile (" + e.reason() + "): join rules, or give this one fewer"
                                    + " comparisons");
                }
            }
        }
    }

    /**
     * Removes the rule {@code glob}: tracepoints no other rule matches are no longer recorded, and
     * those another rule matches are recorded as the rules left say (their filters alone).
     *
     * @return whether the rule was there
     * @throws IllegalStateException if the session is stopped
     */
    public synchronized boolean disable(String glob) {
        checkNotStopped("disable");
        Tracepoints.checkGlob(glob); // a rule that could match nothing is refused, not kept empty
        if (!rules.containsKey(glob)) {
            return false;
        }
        rules.remove(glob);
        if (state == State.RUNNING) {
            for (Tracepoint<?> tracepoint : Tracepoints.find(glob)) { // the ones whose rules changed
                update(tracepoint); // detached if no rule is left, else held to the filters left
            }
        }
        return true;
    }

    /**
     * Creates the trace folder and starts recording.
     *
     * @return this session
     * @throws IOException if the folder cannot be created or written (nothing is recorded then,
     *     and the session is over: make a new one)
     * @throws IllegalStateException if the session was started before
     */
    public Session start() throws IOException {
        synchronized (lifecycle) {
            synchronized (this) {
                if (state != State.NEW) {
                    throw new IllegalStateException("session " + name + " was started before; make a new one");
                }
                CtfTrace first;
                try {
                    for (Map.Entry<String, Filter> rule : rules.entrySet()) {
                        checkFits(rule.getKey(), rule.getValue());
                    }
                    first = CtfTrace.create(folder, metadata);
                    try {
                        drain = new Drain(name, warnings, recorder, first, mode, true);
                    } catch (IOException | RuntimeException e) {
                        closeQuietly(first, e);
                        throw e;
                    }
                } catch (IOException | RuntimeException e) {
                    state = State.STOPPED; // it records once: a new session for another try
                    buffers.free(); // nothing wrote into them, nor will: its memory goes back now, not at a GC
                    throw e;
                }
                trace = first;
                traces.add(first);
                chunks.add(folder);
                recorder.startAt(clock.now()); // no event placed at its own time before the session
                recorder.setRecordingRelease(true); // [RC] in Recorder
                state = State.RUNNING;
                RUNNING.add(this);
                Tracepoints.addListener(listener); // tells of the existing tracepoints now, then of new ones
                drain.start();
            }
            try {
                Runtime.getRuntime().addShutdownHook(shutdownHook.thread);
            } catch (IllegalStateException exiting) {
                // started while the JVM exits: nobody will stop it; the drain streams until the end
            }
            return this;
        }
    }

    /**
     * Stops recording, waits for the session's writers in flight (never for another session's, nor
     * for blocked probes), writes what the buffers hold and closes the trace. On a session stopped
     * already (by an earlier stop(), or by its shutdown hook as the JVM exits, which may race with
     * a stop() of its own), answers as that stop did: the same summary, or an IncompleteTrace with
     * the same message and summary.
     *
     * @return what was recorded
     * @throws IncompleteTrace if writing the trace failed (what was written before stays readable;
     *     its summary counts the rest as lost)
     * @throws IllegalStateException if the session never started, or an earlier stop failed with
     *     an unexpected exception (not an IncompleteTrace)
     */
    public Summary stop() throws IOException {
        return stop(false);
    }

    /**
     * stop(); {@code writersDone}: the caller turned recording off and has seen a grace period of
     * the domain end since (the exit hook, writersDoneAtExit()), so every writer that saw
     * `recording` set has committed its record already.
     */
    private Summary stop(boolean writersDone) throws IOException {
        synchronized (lifecycle) {
            if (stoppedWith != null) { // the stop that ended it answered this
                if (stopFailure != null) {
                    throw new IncompleteTrace(
                            stopFailure.getMessage(), (IOException) stopFailure.getCause(), stoppedWith);
                }
                return stoppedWith;
            }
            Drain stopping;
            synchronized (this) {
                checkRunning();
                state = State.STOPPED;
                RUNNING.remove(this);
                Tracepoints.removeListener(listener);
                recorder.setRecordingRelease(false); // [RC] in Recorder: before the grace period
                stopping = drain;
            }
            shutdownHook.remove();
            if (!writersDone) {
                domain.synchronize(); // every writer that saw `recording` has committed its record
            }
            synchronized (this) {
                // only now: a thread that left a section open ends it at its next recorded firing
                // (AbandonedFirings), which the grace period may be waiting for
                for (Tracepoint<?> tracepoint : attached()) {
                    detach(tracepoint);
                }
            }
            IOException failure = stopping.stopThread();
            try {
                if (failure == null) {
                    stopping.switchAll();
                    stopping.drainAll();
                    stopping.drainPastAbandoned(null); // no writer is left: what is missing was abandoned
                    stopping.trailLosses(clock.now()); // losses no packet carries yet
                    if (mode == Mode.OVERWRITE) {
                        stopping.writeThreadNames(
                                recorder.threadsToName(), stopping.namesTime(clock.now(), ticksPerMicrosecond()));
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
            try {
                if (failure != null) { // what the buffers still hold is counted, as lost
                    stopping.switchAll();
                    stopping.discardAll();
                }
                failure = closeTrace(stopping, failure);
            } finally {
                buffers.free(); // no writer (the grace period above) and no drain touches them again
            }
            List<Path> written;
            synchronized (this) {
                traces.clear();
                written = List.copyOf(chunks);
            }
            warnAbandoned();
            long unwritten = recorder.recordsUnwrittenVolatile(); // [LT] in Recorder
            Summary summary = new Summary(
                    written, lostTotal() - recorder.threadEventsLostVolatile() + unwritten); // [LT] in Recorder
            stoppedWith = summary;
            if (failure != null) {
                stopFailure = new IncompleteTrace(
                        "session " + name + ": the trace in " + stopping.trace().folder()
                                + " could not be written completely: " + failure.getMessage()
                                + (unwritten == 0
                                        ? ""
                                        : "; " + unwritten + " records recorded were not written, counted as lost"),
                        failure,
                        summary);
                throw stopFailure;
            }
            return summary;
        }
    }

    /** At the stop: says what recorded firings that threw inside their writer cost the trace, if any. */
    private void warnAbandoned() {
        long rewritten = recorder.abandoned.rewrittenVolatile(); // [AB] in AbandonedFirings: after the grace period
        long dropped = lost(Loss.ABANDONED);
        if (rewritten + dropped == 0) {
            return;
        }
        warnings.say(
                "session " + name + ": recorded firings threw before their record was complete (a StackOverflowError"
                        + " in instrumented code that recursed to the stack's limit)"
                        + (rewritten == 0
                                ? ""
                                : "; " + rewritten + " are in the trace as tracepoint4j:abandoned events")
                        + (dropped == 0
                                ? ""
                                : "; " + dropped + " events of other firings were lost with the packets such a"
                                        + " firing's record held up"),
                null);
    }

    /**
     * Closes the current trace chunk and goes on recording into a new one in a folder next to it,
     * named after the first with {@code .1}, {@code .2}, ...: see {@link #rotate(Path)}.
     *
     * @return the folder of the chunk closed
     */
    public Path rotate() throws IOException {
        synchronized (lifecycle) { // named and made in one step: two rotations at once take .1 and .2
            Path next;
            synchronized (this) {
                next = folder.resolveSibling(folder.getFileName() + "." + chunks.size());
            }
            return rotate(next);
        }
    }

    /**
     * Closes the current trace chunk, complete and readable, and goes on recording into a new one in
     * {@code next} (a folder created as the first one was). Every event recorded lands in exactly one
     * chunk; writers never pause; each chunk names its threads. {@code babeltrace2 CHUNK...} reads
     * several chunks as one trace.
     *
     * @return the folder of the chunk closed
     * @throws IOException if {@code next} cannot be created (the session goes on in the current
     *     chunk), or the chunk closed could not be written completely (the session goes on in
     *     {@code next})
     * @throws IllegalStateException if the session is not running, or is an OVERWRITE session
     *     (which writes snapshots instead)
     * @throws IllegalArgumentException if {@code next} is null
     */
    public Path rotate(Path next) throws IOException {
        Builder.requireGiven(next, "rotate", "give the new chunk's folder, or call rotate() for NAME.N");
        synchronized (lifecycle) {
            Drain old;
            Drain fresh;
            synchronized (this) {
                checkRunning();
                if (mode != Mode.DISCARD) {
                    throw new IllegalStateException("session " + name + " is a flight recorder (OVERWRITE): it"
                            + " writes nothing until asked; take a snapshot(folder) instead of a rotation");
                }
                fresh = open(next);
                old = drain;
            }
            IOException failure = old.stopThread();
            long cutTime = clock.now(); // before every event of the new chunk: see Rotate in the design note
            long[] boundaries =
                    recorder.cutAll(cutTime); // every record before a cut is committed, none after is earlier
            if (failure == null) {
                try {
                    old.drainUntil(boundaries, fresh);
                    old.drainPastAbandoned(boundaries); // the grace period after the cuts: see Drain
                } catch (IOException e) {
                    failure = e; // the rest goes to the new chunk
                }
            }
            failure = closeTrace(old, failure);
            IOException namesFailure = null;
            try {
                fresh.writeThreadNames(recorder.threadsToName(), cutTime);
            } catch (IOException e) {
                namesFailure = e;
            }
            synchronized (this) {
                traces.remove(old.trace());
                trace = fresh.trace();
                drain = fresh;
                chunks.add(next);
            }
            fresh.start();
            if (failure != null) {
                throw new IOException(
                        "session " + name + ": chunk " + old.trace().folder() + " could not be written completely: "
                                + failure.getMessage() + ". Recording goes on in " + next,
                        failure);
            }
            if (namesFailure != null) {
                throw new IOException(
                        "session " + name + ": cannot write the thread names of chunk " + next + " ("
                                + namesFailure.getMessage() + "); recording goes on in it",
                        namesFailure);
            }
            return old.trace().folder();
        }
    }

    /**
     * Writes what an OVERWRITE session's buffers hold now, the newest events, into a new trace in
     * {@code folder} (created as the session's own was), without stopping: a flight recorder's
     * dump, e.g. when something went wrong. What a snapshot writes is consumed: the next snapshot,
     * or the trace written at the stop, holds the events recorded after it. Threads keep recording
     * meanwhile: it copies a buffer's sub-buffers out before writing them, so it takes the memory
     * of one buffer more ({@link Builder#subBufferSize(int)} times {@link Builder#subBufferCount(int)}) while
     * it runs.
     *
     * @return {@code folder}
     * @throws IOException if the folder cannot be created or written (the session goes on)
     * @throws IllegalStateException if the session is not running, or is a DISCARD session (which
     *     streams its trace; rotate it instead)
     * @throws IllegalArgumentException if {@code folder} is null
     */
    public Path snapshot(Path folder) throws IOException {
        Builder.requireGiven(folder, "snapshot", "give the snapshot's folder");
        synchronized (lifecycle) {
            Drain snapshot;
            synchronized (this) {
                checkRunning();
                if (mode != Mode.OVERWRITE) {
                    throw new IllegalStateException("session " + name + " streams its trace (DISCARD): there is no"
                            + " buffered past to snapshot; rotate() closes the current chunk instead");
                }
                snapshot = open(folder);
            }
            long now = clock.now();
            long[] boundaries = recorder.cutAll(Long.MIN_VALUE); // and every record before a cut is committed
            IOException failure = null;
            try {
                snapshot.drainAll();
                snapshot.drainPastAbandoned(boundaries); // the grace period after the cuts: see Drain
                snapshot.writeThreadNames(recorder.threadsToName(), snapshot.namesTime(now, ticksPerMicrosecond()));
            } catch (IOException e) {
                failure = e;
            }
            failure = closeTrace(snapshot, failure);
            synchronized (this) {
                traces.remove(snapshot.trace());
            }
            if (failure != null) {
                throw new IOException(
                        "session " + name + ": the snapshot in " + folder + " could not be written completely: "
                                + failure.getMessage(),
                        failure);
            }
            return folder;
        }
    }

    /** Stops the session if it runs. */
    @Override
    public void close() throws IOException {
        synchronized (lifecycle) {
            synchronized (this) {
                if (state != State.RUNNING) {
                    return;
                }
            }
            stop();
        }
    }

    /** A microsecond of the session's clock: how far before a trace's first event its thread names go. */
    private long ticksPerMicrosecond() {
        return (long) Math.ceil(clock.frequency() / 1e6);
    }

    /** Rules change a session before it starts or while it runs; a stopped one records nothing again. */
    private void checkNotStopped(String what) {
        if (state == State.STOPPED) {
            throw new IllegalStateException(
                    what + "() on session " + name + ", which is stopped: a session records once; make a new one");
        }
    }

    /** Refuses a lifecycle operation on a session that is not running; under this monitor. */
    private void checkRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("session " + name + " is not running (" + state + ")");
        }
    }

    /** A new trace in {@code folder} with the current metadata, and its drain (not started); under this monitor. */
    private Drain open(Path folder) throws IOException {
        CtfTrace created = CtfTrace.create(folder, trace.metadata());
        try {
            Drain opened = new Drain(name, warnings, recorder, created, mode, false);
            traces.add(created);
            return opened;
        } catch (IOException | RuntimeException e) {
            closeQuietly(created, e);
            throw e;
        }
    }

    /** Closes {@code drain}'s trace; returns {@code failure}, or the close's failure if there was none. */
    private static IOException closeTrace(Drain drain, IOException failure) {
        try {
            drain.closeTrace();
        } catch (IOException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    private static void closeQuietly(CtfTrace trace, Exception cause) {
        try {
            trace.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Stops the session when the JVM exits while it runs, so that the trace holds what was
     * buffered. A class, not a lambda (no invokedynamic in runtime modules).
     */
    private final class ShutdownHook implements Runnable {
        final Thread thread = LibraryThreads.unstarted("tracepoint4j-session-" + name + "-shutdown", this);

        @Override
        public void run() {
            warnings.exiting(); // the logger may be closed by now
            try {
                if (!writersDoneAtExit()) {
                    return; // said why: the exit goes on without the stop
                }
                synchronized (lifecycle) { // after a stop that another thread began, if any
                    synchronized (Session.this) {
                        if (state != State.RUNNING) {
                            return;
                        }
                    }
                    stop(true);
                }
            } catch (IOException | RuntimeException e) {
                warnings.say("session " + name + ": stopping it as the JVM exits failed: " + e.getMessage(), e);
            }
        }

        /** Unregisters the hook, unless the JVM is exiting (then this may be the hook itself). */
        void remove() {
            if (Thread.currentThread() == thread) {
                return;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(thread);
            } catch (IllegalStateException exiting) {
                // the hooks run now: ours stops the session, or finds it stopped
            }
        }
    }

    /**
     * At the JVM's exit, before the stop: turns recording off and waits at most EXIT_WAIT_NANOS for
     * a grace period of the domain, so that the stop needs none. False, having said so, if a
     * section is still open then: a thread that left one open (a firing cut short by an error,
     * see AbandonedFirings) and fires no more would hold the exit up forever. The exit then goes
     * on without the stop: the drain thread ends after the round it is in, so the trace ends with
     * whole packets.
     */
    private boolean writersDoneAtExit() {
        recorder.setRecordingRelease(false); // [RC] in Recorder: before the grace period, as stop() does
        long cookie = domain.startPoll();
        long deadline = System.nanoTime() + EXIT_WAIT_NANOS;
        while (!domain.pollState(cookie)) {
            if (System.nanoTime() - deadline >= 0) {
                Drain draining;
                synchronized (this) {
                    draining = drain;
                }
                draining.stopThreadWithin(EXIT_DRAIN_NANOS);
                warnings.say(
                        "session " + name + ": the JVM exits while a thread is still inside one of the session's"
                                + " sections after " + EXIT_WAIT_NANOS / 1_000_000_000L + " s (left open by a firing"
                                + " an error cut short; the stall report names the thread). The session is not"
                                + " stopped: "
                                + (mode == Mode.DISCARD
                                        ? "its trace in " + folder() + " ends with the packets written so far"
                                        : "its flight recorder's buffers are not written"),
                        null);
                return false;
            }
            LockSupport.parkNanos(EXIT_POLL_NANOS);
        }
        return true;
    }

    /** The single-producer buffers' owners: for tests, which wait for a buffer to be reclaimed. */
    ThreadBuffers threadBuffers() {
        return buffers.threadBuffers();
    }

    /** The recording side: for tests, which run the drain's flush themselves in a session without a drain. */
    Recorder recorder() {
        return recorder;
    }

    /** The session's name. */
    public String name() {
        return name;
    }

    /** The folder of the current trace chunk (the first one until {@link #rotate()}). */
    public synchronized Path folder() {
        return chunks.isEmpty() ? folder : chunks.getLast();
    }

    /** For example {@code session web (running, discard, into /tmp/trace)}. */
    @Override
    public synchronized String toString() {
        return "session " + name + " (" + state.name().toLowerCase(java.util.Locale.ROOT) + ", "
                + mode.name().toLowerCase(java.util.Locale.ROOT) + ", into " + folder() + ")";
    }

    /** The clock of the trace's timestamps. */
    public TraceClock clock() {
        return clock;
    }

    /**
     * The sessions running in this JVM now (started, not stopped), in no order: for tools, such as
     * {@code tp snapshot}, which snapshots the flight recorders among them.
     */
    public static List<Session> running() {
        return List.copyOf(RUNNING);
    }

    /** The session's mode: DISCARD (it streams its trace) or OVERWRITE (a flight recorder). */
    public Mode mode() {
        return mode;
    }

    /** The rules' globs, in the order they were added. */
    public synchronized List<String> rules() {
        return List.copyOf(rules.keySet());
    }

    /** The names of the tracepoints recorded now. */
    public synchronized List<String> recorded() {
        List<String> names = new ArrayList<>();
        for (Tracepoint<?> tracepoint : attached()) {
            names.add(tracepoint.name());
        }
        names.sort(null);
        return names;
    }

    /**
     * The events written so far into the session's traces (its chunks, and its snapshots in
     * OVERWRITE mode), the thread events that name threads left out: for progress while recording.
     * Events still in the buffers are not counted yet (the drain writes them within about a second
     * in DISCARD mode), and the count may lag by the few thread events not written yet; after
     * {@link #stop()} it is exact in DISCARD mode. In OVERWRITE mode the thread events of
     * sub-buffers overwritten before they were written are left out too, so it may be short by
     * those. Costs the writers nothing: the buffers count records per
     * sub-buffer as they commit them ({@code SubBuffer.records()}).
     */
    public long eventsWritten() {
        return recorder.eventsDrainedSoFar();
    }

    /**
     * Records lost so far for {@code cause}, over all the session's buffers: tracepoint events, and
     * the thread events that name threads (see {@link Summary#lost()} for events alone).
     *
     * @throws IllegalArgumentException if {@code cause} is null
     */
    public long lost(Loss cause) {
        Builder.requireGiven(cause, "lost", "name a Loss, e.g. Loss.BUFFER_FULL");
        long total = 0;
        for (int i = 0; i < buffers.count(); i++) {
            total += buffers.buffer(i).lost(cause);
        }
        return total;
    }

    private long lostTotal() {
        long total = 0;
        for (Loss cause : Loss.values()) {
            total += lost(cause);
        }
        return total;
    }

    // ---- attaching ----

    /**
     * Brings {@code tracepoint}'s probe in line with the rules; this session's lock held, while it
     * runs. No rule matches it: detached. A rule does: attached with the rules' filter; and if it
     * has a probe with another filter (a rule added, removed or refiltered), a probe with the new
     * one takes its place in one update (Tracepoint.replace), so a firing is recorded under the old
     * filter or the new, never twice and never not at all. A probe whose filter is the rules' stays.
     */
    private void update(Tracepoint<?> tracepoint) {
        if (!matchesRules(tracepoint.name())) {
            detach(tracepoint);
            return;
        }
        Filter filter = filterOf(tracepoint.name());
        String expression = filter == null ? null : filter.expression();
        Attached entry = probes.get(tracepoint.id());
        Object current = entry == null ? null : entry.probe.get();
        if (current != null && Objects.equals(entry.filter, expression)) {
            return; // recording as the rules say
        }
        String recording = "session " + name + " recording " + tracepoint.name();
        ArgumentFilter compiled = null;
        if (filter != null) {
            try {
                compiled = filter.compile(tracepoint, recording + " if " + expression);
            } catch (FilterException e) { // a tracepoint defined after the rule: enable() checked the others
                warnings.say("session " + name + " does not record " + tracepoint.name() + ": " + e.getMessage(), null);
                detach(tracepoint);
                return;
            }
        }
        int eventId;
        try {
            eventId = eventId(tracepoint);
        } catch (RuntimeException e) { // the metadata could not take its class, or no event id is left
            warnings.say("session " + name + " does not record " + tracepoint.name() + ": " + e.getMessage(), e);
            detach(tracepoint);
            return;
        }
        TracepointWriter writer = new TracepointWriter(
                recorder,
                eventId,
                fixedArgumentBytes(tracepoint),
                maxVariable,
                tracepoint.flavor() == Tracepoint.Flavor.FAULTABLE,
                recording);
        Object installed;
        try {
            installed = install(tracepoint, current, writer, compiled);
        } catch (RuntimeException refused) { // forgotten (its loader going away), or its onFirstProbe hook threw
            probes.remove(tracepoint.id());
            if (Tracepoints.find(tracepoint.name()).contains(tracepoint)) { // not forgotten: the hook refused it
                warnings.say(
                        "session " + name + " does not record " + tracepoint.name() + ": its probe was refused: "
                                + refused.getMessage(),
                        refused);
            }
            return;
        }
        probes.put(tracepoint.id(), new Attached(tracepoint, installed, expression));
    }

    /**
     * The event id of {@code tracepoint}: on its first attach, a new one, whose event class goes
     * into every open chunk's metadata; attached again, it keeps its class.
     */
    private int eventId(Tracepoint<?> tracepoint) {
        Integer eventId = eventIds.get(tracepoint.id());
        if (eventId != null) {
            return eventId;
        }
        if (nextEventId > MAX_EVENT_ID) {
            throw new IllegalStateException("the session has given all its " + MAX_EVENT_ID + " event ids (one per"
                    + " tracepoint it ever recorded, redeployed plugins' included); start a new session");
        }
        int id = nextEventId++; // spent even if a trace refuses it: one that took it keeps its class
        EventClass eventClass = eventClass(id, tracepoint);
        for (CtfTrace open : traces) {
            try {
                open.addEventClass(STREAM_CLASS, eventClass);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(
                        "cannot add it to the trace's metadata in " + open.folder() + ": " + e.getMessage(), e);
            }
        }
        eventIds.put(tracepoint.id(), id); // only once every open trace declares it: no record of an unknown id
        return id;
    }

    /** A tracepoint and the session's probe on it, both held weakly (see `probes`), and the probe's filter. */
    private static final class Attached {
        final WeakReference<Tracepoint<?>> tracepoint;
        final WeakReference<Object> probe;
        /** The expression of the filter the probe applies; null: it records every firing. */
        final String filter;

        Attached(Tracepoint<?> tracepoint, Object probe, String filter) {
            this.tracepoint = new WeakReference<Tracepoint<?>>(tracepoint);
            this.probe = new WeakReference<Object>(probe);
            this.filter = filter;
        }
    }

    /** The tracepoints attached now whose loaders are alive; drops the entries of those gone. Holds this. */
    private List<Tracepoint<?>> attached() {
        List<Tracepoint<?>> alive = new ArrayList<>(probes.size());
        for (java.util.Iterator<Attached> i = probes.values().iterator(); i.hasNext(); ) {
            Tracepoint<?> tracepoint = i.next().tracepoint.get();
            if (tracepoint == null) {
                i.remove(); // its loader went; the listener may not have been told yet
            } else {
                alive.add(tracepoint);
            }
        }
        return alive;
    }

    /**
     * Registers a probe of {@code writer} guarded by {@code filter} (if not null) in the place of
     * {@code previous} (if not null and still registered), else on its own; returns it.
     */
    private static <P> P install(
            Tracepoint<P> tracepoint, Object previous, TracepointWriter writer, ArgumentFilter filter) {
        P probe = tracepoint.writerProbe(writer);
        if (filter != null) {
            probe = tracepoint.filteredProbe(filter, probe);
        }
        if (previous == null || !tracepoint.replace(previous, probe)) { // replace: false if it was detached
            tracepoint.register(probe); // throws if the tracepoint was forgotten, or its hook refused: see update()
        }
        return probe;
    }

    private void detach(Tracepoint<?> tracepoint) {
        Attached entry = probes.remove(tracepoint.id());
        Object probe = entry == null ? null : entry.probe.get();
        if (probe != null) {
            tracepoint.unregisterIfRegistered(probe); // a forgotten tracepoint dropped it already
        }
    }

    private boolean matchesRules(String tracepointName) {
        for (String rule : rules.keySet()) {
            if (Tracepoints.matches(rule, tracepointName)) {
                return true;
            }
        }
        return false;
    }

    /** The filter of the rules matching {@code tracepointName}: any accepts; null if one takes every firing. */
    private Filter filterOf(String tracepointName) {
        return filterOf(rules, tracepointName);
    }

    /** As filterOf(String), for {@code rules}. */
    private static Filter filterOf(Map<String, Filter> rules, String tracepointName) {
        Filter any = null;
        for (Map.Entry<String, Filter> rule : rules.entrySet()) {
            if (Tracepoints.matches(rule.getKey(), tracepointName)) {
                if (rule.getValue() == null) {
                    return null;
                }
                any = any == null ? rule.getValue() : any.or(rule.getValue());
            }
        }
        return any;
    }

    /** The registry's listener: attaches tracepoints defined while the session runs. */
    private final class Listener implements Tracepoints.Listener {
        @Override
        public void added(Tracepoint<?> tracepoint) {
            synchronized (Session.this) {
                if (state == State.RUNNING) {
                    update(tracepoint);
                }
            }
        }

        @Override
        public void removed(String tracepointName, long id) {
            synchronized (Session.this) {
                probes.remove(id); // its loader went away, and its probes with it
            }
        }
    }

    // ---- the trace's layout ----

    private static final int STREAM_CLASS = 0;

    /** The field after a byte[] argument that counts its bytes cut. */
    static final String CUT_SUFFIX = "_cut";

    private TraceMetadata metadata() {
        long zero = clock.epochNanosAtZero(); // measured once: seconds and fraction of one reading
        CtfClock ctfClock = CtfClock.builder(clock.name())
                .frequency(clock.frequency())
                .offset(
                        Math.floorDiv(zero, 1_000_000_000L),
                        Math.round(Math.floorMod(zero, 1_000_000_000L) * (clock.frequency() / 1e9)))
                .description(clock.description())
                .build();
        return TraceMetadata.builder()
                .clock(ctfClock)
                .env("tracer_name", "tracepoint4j")
                .env("session", name)
                .env("mode", mode.name().toLowerCase(java.util.Locale.ROOT)) // overwrite: dropped packets are its way
                .env("hostname", hostName())
                .env("pid", ProcessHandle.current().pid())
                .env("main", System.getProperty("sun.java.command", "").split(" ", 2)[0])
                .streamClass(StreamClass.builder(STREAM_CLASS)
                        .eventIdBits(Integer.bitCount(MAX_EVENT_ID))
                        .eventClass(EventClass.of(
                                Recorder.THREAD_EVENT_ID,
                                "tracepoint4j:thread",
                                Field.of("tid", FieldType.INT64),
                                Field.of("name", FieldType.STRING)))
                        .eventClass(EventClass.of(
                                AbandonedFirings.ABANDONED_EVENT_ID,
                                "tracepoint4j:abandoned",
                                Field.of("note", FieldType.STRING)))
                        .build())
                .build();
    }

    /**
     * The event class of {@code tracepoint}: the thread id, then a field per argument, named after
     * it, and after a byte[] argument "data" the count of its bytes cut, "data_cut" (0 unless the
     * array was longer than the session records: the visible mark of its truncation, as "…" is a
     * string's); an argument shown under the name of an earlier field (an argument "tid", or
     * "data_length" beside a byte[] "data") gets "_" appended (Field.withUniqueNames), so every
     * tracepoint can be recorded; a byte[] argument's cut count is named after the name the array
     * is shown under ("tid__cut" for a byte[] "tid", shown as "tid_").
     */
    private static EventClass eventClass(int id, Tracepoint<?> tracepoint) {
        List<Field> fields = new ArrayList<>();
        fields.add(Field.of("tid", FieldType.INT64));
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            Field shown = shownApart(fields, field(argument));
            fields.add(shown);
            if (argument.type() == byte[].class) {
                fields.add(shownApart(fields, Field.of(shown.name() + CUT_SUFFIX, FieldType.UINT32)));
            }
        }
        return EventClass.of(id, tracepoint.name(), fields);
    }

    /** {@code field}, renamed if need be so that no field of {@code earlier} is shown under its names. */
    private static Field shownApart(List<Field> earlier, Field field) {
        List<Field> all = new ArrayList<>(earlier);
        all.add(field);
        return Field.withUniqueNames(all).getLast(); // the earlier ones are apart already: kept as they are
    }

    @SuppressWarnings("unchecked") // an enum argument's type is an enum class (Prototypes admits no other)
    private static Field field(Tracepoint.Argument argument) {
        Class<?> type = argument.type();
        if (type.isEnum()) {
            return Field.ofEnum(argument.name(), (Class<? extends Enum<?>>) type);
        }
        return Field.of(argument.name(), fieldType(type));
    }

    private static FieldType fieldType(Class<?> type) {
        if (type == boolean.class) {
            return FieldType.BOOLEAN;
        } else if (type == byte.class) {
            return FieldType.INT8;
        } else if (type == short.class) {
            return FieldType.INT16;
        } else if (type == char.class) {
            return FieldType.CHAR;
        } else if (type == int.class) {
            return FieldType.INT32;
        } else if (type == long.class) {
            return FieldType.INT64;
        } else if (type == float.class) {
            return FieldType.FLOAT;
        } else if (type == double.class) {
            return FieldType.DOUBLE;
        } else if (type == String.class) {
            return FieldType.STRING;
        } else if (type == byte[].class) {
            return FieldType.BYTES;
        }
        throw new IllegalArgumentException("no CTF field type for " + type);
    }

    /** The bytes of a tracepoint's fixed-size arguments. */
    private static int fixedArgumentBytes(Tracepoint<?> tracepoint) {
        int bytes = 0;
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            Class<?> type = argument.type();
            if (type.isEnum() || type == byte[].class) {
                bytes += Integer.BYTES; // an enum's ordinal; after a byte[], the count of its bytes cut
            } else if (type != String.class) {
                bytes += fieldType(type).size();
            }
        }
        return bytes;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * What {@link #stop()} throws when the trace could not be written completely (a full disk, a
     * folder removed): the trace is readable up to its last complete packet, and {@link #summary()}
     * counts what did not reach it as lost.
     */
    public static final class IncompleteTrace extends IOException {
        private static final long serialVersionUID = 1L;

        private final transient Summary summary;

        IncompleteTrace(String message, IOException cause, Summary summary) {
            super(message, cause);
            this.summary = summary;
        }

        /** What the session recorded: its losses include the records that were not written. */
        public Summary summary() {
            return summary;
        }
    }

    /** What a stopped session recorded. A class, not a record: no invokedynamic in runtime modules. */
    public static final class Summary {
        private final List<Path> chunks;
        private final long lost;

        Summary(List<Path> chunks, long lost) {
            this.chunks = chunks;
            this.lost = lost;
        }

        /** The trace folder: the last chunk's, if the session was rotated. */
        public Path folder() {
            return chunks.getLast();
        }

        /** The folders of the trace's chunks, oldest first: one unless the session was rotated. */
        public List<Path> chunks() {
            return chunks;
        }

        /**
         * Tracepoint events lost, every cause. In DISCARD mode, with the events in the trace,
         * exactly the events fired while the session recorded. In OVERWRITE mode the events
         * overwritten by newer ones, as a flight recorder does by design, are neither in the trace
         * nor counted here. babeltrace2's count of discarded events also counts lost thread events
         * (the records naming threads). After a write failure ({@link IncompleteTrace}) it also
         * counts the records recorded but not written, thread events among them, so that the
         * events in the trace and this make at least the events fired (more by the few thread
         * events not written).
         */
        public long lost() {
            return lost;
        }

        @Override
        public String toString() {
            return "trace in " + (chunks.size() == 1 ? chunks.getFirst().toString() : chunks.toString()) + ", lost "
                    + lost;
        }
    }

    /** A session's buffers hold less than this together: TracepointWriter's offsets are 31 bits. */
    static final long MAX_BUFFER_MEMORY = TracepointWriter.OFFSET_MASK + 1;

    /** The settings of a session; ends with {@link #start()} or {@link #build()}. */
    public static final class Builder {
        private final String name;
        private final Map<String, Filter> rules = new LinkedHashMap<>();
        private Path folder;
        private Mode mode = Mode.DISCARD;
        private int buffers = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int threadBuffers = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int eventTimeBuffers = 1;
        private int subBufferSize = 256 * 1024;
        private int subBufferCount = 8;
        private int maxVariable = 4096;
        private int threadNameSlots = 4096;
        private TraceClock clock = TraceClock.best();
        private java.util.function.Consumer<String> warnings;

        Builder(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("session name " + name + ": use letters, digits, '-' and '_'");
            }
            this.name = name;
            this.folder = Path.of(name + "-"
                    + java.time.LocalDateTime.now()
                            .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }

        /** Adds a rule: a tracepoint name or glob (the same glob again replaces its filter). */
        public Builder enable(String glob) {
            return enable(glob, null);
        }

        /**
         * Adds a rule with a filter ({@link Filter}; null for every firing), or replaces the filter
         * of the rule of this glob: see {@link Session#enable(String, String)}.
         *
         * @throws FilterException if the filter cannot be parsed (whether it fits the tracepoints is
         *     checked by start())
         */
        public Builder enable(String glob, String filter) {
            Tracepoints.checkGlob(glob); // a rule that could match nothing is refused, not kept empty
            rules.put(glob, filter == null ? null : Filter.parse(filter));
            return this;
        }

        /**
         * The trace folder (created; must not exist or be empty); by default NAME-DATE-TIME here.
         *
         * @throws IllegalArgumentException if {@code folder} is null
         */
        public Builder output(Path folder) {
            this.folder = requireGiven(folder, "output", "leave it out for NAME-DATE-TIME here");
            return this;
        }

        /**
         * DISCARD (default: keep the oldest events) or OVERWRITE (a flight recorder).
         *
         * @throws IllegalArgumentException if {@code mode} is null
         */
        public Builder mode(Mode mode) {
            this.mode = requireGiven(mode, "mode", "give Mode.DISCARD or Mode.OVERWRITE");
            return this;
        }

        /**
         * Shared ring buffers (each a stream of the trace), at least 1; by default the number of
         * CPUs, at least 2. Virtual threads, and platform threads that found no buffer of their own
         * ({@link #threadBuffers(int)}), write into shared buffer (thread id mod count).
         */
        public Builder buffers(int count) {
            this.buffers = count;
            return this;
        }

        /**
         * Single-producer ring buffers for platform threads (each a stream of the trace), at least
         * 0; by default the number of CPUs, at least 2. A platform thread takes one at its first
         * event, while one is free, and writes into it with no atomic instruction (the fast path);
         * the buffer is freed for another thread once it ended. Threads that fire hot should not
         * outnumber them.
         */
        public Builder threadBuffers(int count) {
            this.threadBuffers = count;
            return this;
        }

        /**
         * Single-producer ring buffers for the events of tracepoints that give their own time
         * ({@link io.tracepoint4j.Tracepoint.Builder#eventTime(String)}, such as the JVM's events
         * that JFR reports a second late), at least 0; 1 by default. Each is taken by one reporting
         * thread, which places its records there at their own time; a thread that finds none free
         * places them into its own buffer, raised to its latest event's time if earlier, or, with
         * none, into a shared buffer at the time they are reported. Each is as large as the other
         * buffers and a stream of the trace (empty if nothing reports); 0 saves that memory when
         * no recorded tracepoint gives its event time.
         */
        public Builder eventTimeBuffers(int count) {
            this.eventTimeBuffers = count;
            return this;
        }

        /** Sub-buffer (packet) size, a power of two; 256 KiB by default. */
        public Builder subBufferSize(int bytes) {
            RingBuffer.builder().subBufferSize(bytes); // its check and message, at once
            this.subBufferSize = bytes;
            return this;
        }

        /** Sub-buffers per buffer, a power of two of at least 2; 8 by default (2 MiB a buffer). */
        public Builder subBufferCount(int count) {
            RingBuffer.builder().subBufferCount(count); // its check and message, at once
            this.subBufferCount = count;
            return this;
        }

        /**
         * The clock; {@link TraceClock#best()} by default.
         *
         * @throws IllegalArgumentException if {@code clock} is null
         */
        public Builder clock(TraceClock clock) {
            this.clock = requireGiven(clock, "clock", "leave it out for TraceClock.best()");
            return this;
        }

        /**
         * Where the session's warnings go, one line each: a tracepoint defined later that its
         * filter does not fit (left out), a trace it cannot write (the disk full), a stop at the
         * JVM's exit that failed. By default the {@code System.Logger} "io.tracepoint4j.tracer",
         * at WARNING. {@code warnings} may be called on any of the session's threads (the drain, a
         * defining thread, a shutdown hook) and must not block; if it throws, the logger says the
         * warning instead.
         *
         * @throws IllegalArgumentException if {@code warnings} is null
         */
        public Builder warnings(java.util.function.Consumer<String> warnings) {
            if (warnings == null) {
                throw new IllegalArgumentException("warnings is null: leave it out for the tracer's logger");
            }
            this.warnings = warnings;
            return this;
        }

        /**
         * The session, not started.
         *
         * @throws IllegalArgumentException if the buffers are not what their setters say, or hold
         *     2 GiB or more together
         */
        public Session build() {
            if (buffers < 1) {
                throw new IllegalArgumentException("buffers(" + buffers + "): a session needs at least 1");
            }
            if (threadBuffers < 0) {
                throw new IllegalArgumentException("threadBuffers(" + threadBuffers + "): 0 or more");
            }
            if (eventTimeBuffers < 0) {
                throw new IllegalArgumentException("eventTimeBuffers(" + eventTimeBuffers + "): 0 or more");
            }
            long total; // exact, or beyond any limit: a product of ints may pass a long's range
            try {
                total = Math.multiplyExact(
                        Math.multiplyExact((long) buffers + threadBuffers + eventTimeBuffers, (long) subBufferSize),
                        (long) subBufferCount);
            } catch (ArithmeticException beyond) {
                total = Long.MAX_VALUE;
            }
            if (total >= MAX_BUFFER_MEMORY) {
                throw new IllegalArgumentException("(buffers(" + buffers + ") + threadBuffers(" + threadBuffers
                        + ") + eventTimeBuffers(" + eventTimeBuffers + ")) x subBufferCount(" + subBufferCount
                        + ") x subBufferSize(" + subBufferSize + ") = "
                        + (total == Long.MAX_VALUE ? "more than 2^63" : Long.toString(total))
                        + " bytes: a session's buffers hold"
                        + " less than 2 GiB together (a record's place is a 31-bit offset); use fewer or smaller"
                        + " buffers");
            }
            return new Session(this);
        }

        /** The session, started. */
        public Session start() throws IOException {
            return build().start();
        }

        /** {@code value}, if not null; else, naming {@code method}, what to give instead, as an IllegalArgumentException. */
        static <T> T requireGiven(T value, String method, String instead) {
            if (value == null) {
                throw new IllegalArgumentException(method + "(null): " + instead);
            }
            return value;
        }
    }
}
