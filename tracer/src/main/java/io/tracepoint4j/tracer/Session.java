package io.tracepoint4j.tracer;

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
import io.tracepoint4j.ringbuffer.Loss;
import io.tracepoint4j.ringbuffer.Mode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * <p>Several sessions may run at once, each with its rules, buffers and folder; a tracepoint
 * enabled in two sessions is recorded by both. Each session's records are protected by an SRCU
 * domain of its own, so stopping waits for its own writers only.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class Session implements AutoCloseable {
    /*
     * Design note.
     *
     * Overview: a session attaches to each enabled tracepoint one writer probe
     *   (Tracepoint.writerProbe) whose writer, a TracepointWriter, records into the session's
     *   buffers (SessionBuffers: a fixed number of ring buffers, threads mapped to them by id); the
     *   drain thread (Drain) hands their complete sub-buffers, which are CTF packets with the
     *   packet header room in front, to the trace's stream files, one per buffer. Each tracepoint
     *   gets an event class (id from 1; 0 is the thread-name event) when first attached, added to
     *   the trace's metadata then.
     *
     * Concurrency: `lock` (this object's monitor) guards the rules, the attached probes, the event
     *   ids and the state; the registry listener takes it too, on the defining thread. Lock order:
     *   this monitor, then the tracepoint's update lock (register/unregister) and CtfTrace's. Never
     *   held while waiting for a grace period or the drain thread.
     *
     * Stop: the recorder stops recording and waits for the session's SRCU grace period (Recorder's
     *   design note), detaches every probe, then the drain writes what the buffers hold and closes
     *   the trace. A firing that still calls a detached writer sees recording off and writes
     *   nothing. The flag's ordering is [RC] in Recorder; the thread events' loss count [LT] there.
     */

    private final String name;
    private final Path folder;
    private final Mode mode;
    private final int maxVariable;
    private final TraceClock clock;
    private final Set<String> rules = new LinkedHashSet<>(); // guarded by this
    private final Map<Tracepoint<?>, Object> probes = new IdentityHashMap<>(); // guarded by this
    private final Listener listener = new Listener();
    private final Srcu domain;
    private final TraceMetadata metadata;
    private final SessionBuffers buffers;
    private final Recorder recorder;
    private CtfTrace trace; // guarded by this
    private Drain drain; // guarded by this
    private int nextEventId = Recorder.THREAD_EVENT_ID + 1; // guarded by this
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
        this.rules.addAll(builder.rules);
        this.domain = Srcu.create("tracepoint4j-session-" + name);
        this.metadata = metadata();
        PacketLayout layout = metadata.packetLayout(STREAM_CLASS);
        int eventHeaderSize = layout.eventHeaderSize(); // id, then the timestamp: the last 8 bytes
        this.buffers = new SessionBuffers(
                builder.buffers,
                builder.subBufferSize,
                builder.subBufferCount,
                layout.eventsOffset(), // the packet header and context, filled by the drain
                mode,
                clock,
                eventHeaderSize - Long.BYTES);
        this.recorder = new Recorder(buffers, domain, new ThreadNames(builder.threadNameSlots), eventHeaderSize);
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
     */
    public synchronized Session enable(String glob) {
        checkGlob(glob);
        if (rules.add(glob) && state == State.RUNNING) {
            for (Tracepoint<?> tracepoint : Tracepoints.find(glob)) {
                attach(tracepoint);
            }
        }
        return this;
    }

    /**
     * Removes the rule {@code glob}: tracepoints no other rule matches are no longer recorded.
     *
     * @return whether the rule was there
     */
    public synchronized boolean disable(String glob) {
        checkGlob(glob);
        if (!rules.remove(glob)) {
            return false;
        }
        for (Tracepoint<?> tracepoint : new ArrayList<>(probes.keySet())) {
            if (!matchesRules(tracepoint.name())) {
                detach(tracepoint);
            }
        }
        return true;
    }

    /**
     * Creates the trace folder and starts recording.
     *
     * @return this session
     * @throws IOException if the folder cannot be created or written (nothing is recorded then)
     * @throws IllegalStateException if the session was started before
     */
    public synchronized Session start() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("session " + name + " was started before; make a new one");
        }
        trace = CtfTrace.create(folder, metadata);
        drain = new Drain(name, buffers, trace, mode);
        recorder.setRecordingRelease(true); // [RC] in Recorder
        state = State.RUNNING;
        Tracepoints.addListener(listener); // tells of the existing tracepoints now, then of new ones
        drain.start();
        return this;
    }

    /**
     * Stops recording, waits for the session's writers in flight (never for another session's, nor
     * for blocked probes), writes what the buffers hold and closes the trace.
     *
     * @return what was recorded
     * @throws IOException if writing the trace failed (what was written before stays readable)
     */
    public Summary stop() throws IOException {
        Drain stopping;
        synchronized (this) {
            if (state != State.RUNNING) {
                throw new IllegalStateException("session " + name + " is not running (" + state + ")");
            }
            state = State.STOPPED;
            Tracepoints.removeListener(listener);
            recorder.setRecordingRelease(false); // [RC] in Recorder: before the grace period
            for (Tracepoint<?> tracepoint : new ArrayList<>(probes.keySet())) {
                detach(tracepoint);
            }
            stopping = drain;
        }
        domain.synchronize(); // every writer that saw `recording` has committed its record
        stopping.finish(); // writes the rest, closes the trace
        return new Summary(folder, lostTotal() - recorder.threadEventsLostVolatile()); // [LT] in Recorder
    }

    /** Stops the session if it runs. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (state != State.RUNNING) {
                return;
            }
        }
        stop();
    }

    /** The session's name. */
    public String name() {
        return name;
    }

    /** The trace folder. */
    public Path folder() {
        return folder;
    }

    /** The clock of the trace's timestamps. */
    public TraceClock clock() {
        return clock;
    }

    /** The rules, in the order they were added. */
    public synchronized List<String> rules() {
        return List.copyOf(rules);
    }

    /** The names of the tracepoints recorded now. */
    public synchronized List<String> recorded() {
        List<String> names = new ArrayList<>();
        for (Tracepoint<?> tracepoint : probes.keySet()) {
            names.add(tracepoint.name());
        }
        names.sort(null);
        return names;
    }

    /**
     * Records lost so far for {@code cause}, over all the session's buffers: tracepoint events, and
     * the thread events that name threads (see {@link Summary#lost()} for events alone).
     */
    public long lost(Loss cause) {
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

    private void attach(Tracepoint<?> tracepoint) {
        if (probes.containsKey(tracepoint)) {
            return;
        }
        int eventId = nextEventId++;
        EventClass eventClass = eventClass(eventId, tracepoint);
        try {
            trace.addEventClass(STREAM_CLASS, eventClass);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(
                    "session " + name + ": cannot add " + tracepoint.name() + " to the trace's metadata in " + folder,
                    e);
        }
        TracepointWriter writer = new TracepointWriter(
                recorder,
                eventId,
                fixedArgumentBytes(tracepoint),
                maxVariable,
                "session " + name + " recording " + tracepoint.name());
        probes.put(tracepoint, register(tracepoint, writer));
    }

    private static <P> P register(Tracepoint<P> tracepoint, TracepointWriter writer) {
        P probe = tracepoint.writerProbe(writer);
        tracepoint.register(probe);
        return probe;
    }

    private void detach(Tracepoint<?> tracepoint) {
        Object probe = probes.remove(tracepoint);
        if (probe != null) {
            unregister(tracepoint, probe);
        }
    }

    private static <P> void unregister(Tracepoint<P> tracepoint, Object probe) {
        if (tracepoint.isRegistered(probe)) { // a forgotten tracepoint dropped its probes already
            tracepoint.unregister(tracepoint.prototype().cast(probe));
        }
    }

    private boolean matchesRules(String tracepointName) {
        for (String rule : rules) {
            if (Tracepoints.matches(rule, tracepointName)) {
                return true;
            }
        }
        return false;
    }

    /** The registry's listener: attaches tracepoints defined while the session runs. */
    private final class Listener implements Tracepoints.Listener {
        @Override
        public void added(Tracepoint<?> tracepoint) {
            synchronized (Session.this) {
                if (state == State.RUNNING && matchesRules(tracepoint.name())) {
                    attach(tracepoint);
                }
            }
        }

        @Override
        public void removed(String tracepointName, long id) {
            synchronized (Session.this) {
                for (java.util.Iterator<Tracepoint<?>> i = probes.keySet().iterator(); i.hasNext(); ) {
                    if (i.next().id() == id) {
                        i.remove(); // its loader went away, and its probes with it
                    }
                }
            }
        }
    }

    // ---- the trace's layout ----

    private static final int STREAM_CLASS = 0;

    private TraceMetadata metadata() {
        CtfClock ctfClock = CtfClock.builder(clock.name())
                .frequency(clock.frequency())
                .offset(
                        Math.floorDiv(clock.epochNanosAtZero(), 1_000_000_000L),
                        Math.round(Math.floorMod(clock.epochNanosAtZero(), 1_000_000_000L) * (clock.frequency() / 1e9)))
                .description(clock.description())
                .build();
        return TraceMetadata.builder()
                .clock(ctfClock)
                .env("tracer_name", "tracepoint4j")
                .env("session", name)
                .env("hostname", hostName())
                .env("pid", ProcessHandle.current().pid())
                .env("main", System.getProperty("sun.java.command", "").split(" ", 2)[0])
                .streamClass(StreamClass.builder(STREAM_CLASS)
                        .eventIdBits(16)
                        .eventClass(EventClass.of(
                                Recorder.THREAD_EVENT_ID,
                                "tracepoint4j:thread",
                                Field.of("tid", FieldType.INT64),
                                Field.of("name", FieldType.STRING)))
                        .build())
                .build();
    }

    private static EventClass eventClass(int id, Tracepoint<?> tracepoint) {
        List<Field> fields = new ArrayList<>();
        fields.add(Field.of("tid", FieldType.INT64));
        for (Tracepoint.Argument argument : tracepoint.arguments()) {
            fields.add(field(argument));
        }
        return EventClass.of(id, tracepoint.name(), fields);
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
            if (type.isEnum()) {
                bytes += Integer.BYTES;
            } else if (type != String.class && type != byte[].class) {
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

    private static void checkGlob(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException(
                    "a rule is a tracepoint name or a glob, e.g. \"http:*\"; got " + (glob == null ? "null" : "\"\""));
        }
    }

    /** What a stopped session recorded. A class, not a record: no invokedynamic in runtime modules. */
    public static final class Summary {
        private final Path folder;
        private final long lost;

        Summary(Path folder, long lost) {
            this.folder = folder;
            this.lost = lost;
        }

        /** The trace folder. */
        public Path folder() {
            return folder;
        }

        /**
         * Tracepoint events lost, every cause: with the events in the trace, exactly the events
         * fired while the session recorded. babeltrace2's count of discarded events also counts
         * lost thread events (the records naming threads).
         */
        public long lost() {
            return lost;
        }

        @Override
        public String toString() {
            return "trace in " + folder + ", lost " + lost;
        }
    }

    /** The settings of a session; ends with {@link #start()} or {@link #build()}. */
    public static final class Builder {
        private final String name;
        private final Set<String> rules = new LinkedHashSet<>();
        private Path folder;
        private Mode mode = Mode.DISCARD;
        private int buffers = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int subBufferSize = 256 * 1024;
        private int subBufferCount = 4;
        private int maxVariable = 4096;
        private int threadNameSlots = 4096;
        private TraceClock clock = TraceClock.best();

        Builder(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("session name " + name + ": use letters, digits, '-' and '_'");
            }
            this.name = name;
            this.folder = Path.of(name + "-"
                    + java.time.LocalDateTime.now()
                            .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }

        /** Adds a rule: a tracepoint name or glob. */
        public Builder enable(String glob) {
            checkGlob(glob);
            rules.add(glob);
            return this;
        }

        /** The trace folder (created; must not exist or be empty); by default NAME-DATE-TIME here. */
        public Builder output(Path folder) {
            this.folder = folder;
            return this;
        }

        /** DISCARD (default: keep the oldest events) or OVERWRITE (a flight recorder). */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Ring buffers (each a stream of the trace), at least 1; by default the number of CPUs, at least 2. */
        public Builder buffers(int count) {
            this.buffers = count;
            return this;
        }

        /** Sub-buffer (packet) size, a power of two; 256 KiB by default. */
        public Builder subBufferSize(int bytes) {
            this.subBufferSize = bytes;
            return this;
        }

        /** Sub-buffers per buffer, a power of two of at least 2; 4 by default. */
        public Builder subBufferCount(int count) {
            this.subBufferCount = count;
            return this;
        }

        /** The clock; {@link TraceClock#best()} by default. */
        public Builder clock(TraceClock clock) {
            this.clock = clock;
            return this;
        }

        /** The session, not started. */
        public Session build() {
            return new Session(this);
        }

        /** The session, started. */
        public Session start() throws IOException {
            return build().start();
        }
    }
}
