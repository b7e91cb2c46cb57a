package io.tracepoint4j.ctf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a trace's {@code metadata} file says: the trace's UUID, its environment (key-value pairs such
 * as the host name and the process id), its clock, and its stream classes with their event classes.
 * Immutable; made with {@link #builder()}, or read back from a trace by {@link CtfReader}.
 *
 * <p>{@link #text()} is the metadata in TSDL, CTF 1.8's metadata language, as babeltrace2 2.0.4 reads
 * it; the layout of packets and event records it declares is described in the module's README and
 * drawn in PacketHeaderDescriptor, PacketContextDescriptor and EventHeaderDescriptor.
 */
public final class TraceMetadata {
    private final UUID uuid;
    private final CtfClock clock;
    private final Map<String, Object> env;
    private final List<StreamClass> streamClasses;
    private final List<PacketLayout> layouts;
    /** The text of the metadata this one was made from (or its own, if made whole), then the blocks added since. */
    private final String baseText;

    private final Blocks added;

    /** Event blocks appended to a base text, newest first: text() joins them when asked. */
    private static final class Blocks {
        final Blocks before;
        final String block;

        Blocks(Blocks before, String block) {
            this.before = before;
            this.block = block;
        }
    }

    private TraceMetadata(
            UUID uuid, CtfClock clock, Map<String, Object> env, List<StreamClass> streamClasses, String text) {
        this(uuid, clock, env, streamClasses, text, null);
    }

    private TraceMetadata(
            UUID uuid,
            CtfClock clock,
            Map<String, Object> env,
            List<StreamClass> streamClasses,
            String baseText,
            Blocks added) {
        this.uuid = uuid;
        this.clock = clock;
        this.env = env;
        this.streamClasses = streamClasses;
        List<PacketLayout> layouts = new ArrayList<>(streamClasses.size());
        for (StreamClass streamClass : streamClasses) {
            layouts.add(new PacketLayout(uuid, streamClass));
        }
        this.layouts = List.copyOf(layouts);
        this.added = added;
        this.baseText = baseText != null ? baseText : MetadataText.of(this);
    }

    /** A builder of trace metadata. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses metadata text that this module wrote (the TSDL subset of {@link #text()}).
     *
     * @throws IllegalArgumentException naming the line, if the text is not such metadata
     */
    public static TraceMetadata parse(String text) {
        return TsdlParser.parse(text);
    }

    /** The trace's UUID, which every packet header repeats. */
    public UUID uuid() {
        return uuid;
    }

    /** The clock of every timestamp. */
    public CtfClock clock() {
        return clock;
    }

    /** The environment, in the order given: each value a {@code String} or a {@code Long}. */
    public Map<String, Object> env() {
        return env;
    }

    /** The stream classes, in the order given. */
    public List<StreamClass> streamClasses() {
        return streamClasses;
    }

    /**
     * The stream class {@code id}.
     *
     * @throws IllegalArgumentException if there is none
     */
    public StreamClass streamClass(int id) {
        return streamClasses.get(indexOf(id));
    }

    /**
     * How the packets of stream class {@code id} are laid out in this trace: where their events begin,
     * and what {@link Packets#finish} writes.
     *
     * @throws IllegalArgumentException if there is no stream class {@code id}
     */
    public PacketLayout packetLayout(int streamClassId) {
        return layouts.get(indexOf(streamClassId));
    }

    /** The metadata in TSDL, as the {@code metadata} file holds it; its first line is {@code /* CTF 1.8 *}{@code /}. */
    public String text() {
        if (added == null) {
            return baseText;
        }
        java.util.ArrayDeque<String> blocks = new java.util.ArrayDeque<>();
        for (Blocks b = added; b != null; b = b.before) {
            blocks.addFirst(b.block);
        }
        StringBuilder text = new StringBuilder(baseText);
        for (String block : blocks) {
            text.append(block);
        }
        return text.toString();
    }

    /**
     * This metadata with {@code eventClass} added to stream class {@code streamClassId}; its text is
     * this text followed by the new event block, so that a metadata file may grow by appending.
     */
    TraceMetadata withEventClass(int streamClassId, EventClass eventClass) {
        int index = indexOf(streamClassId);
        List<StreamClass> next = new ArrayList<>(streamClasses);
        next.set(index, streamClasses.get(index).with(eventClass));
        // the text is joined when asked, not copied here: a trace that gains thousands of classes
        // one by one would copy its whole text each time
        return new TraceMetadata(
                uuid,
                clock,
                env,
                List.copyOf(next),
                baseText,
                new Blocks(added, "\n" + MetadataText.eventBlock(streamClassId, eventClass)));
    }

    private int indexOf(int streamClassId) {
        for (int i = 0; i < streamClasses.size(); i++) {
            if (streamClasses.get(i).id() == streamClassId) {
                return i;
            }
        }
        List<Integer> ids = new ArrayList<>();
        for (StreamClass streamClass : streamClasses) {
            ids.add(streamClass.id());
        }
        throw new IllegalArgumentException(
                "the trace has no stream class " + streamClassId + "; its stream classes are " + ids);
    }

    /** Equal when the UUID, environment, clock and stream classes are (whatever the text's layout). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TraceMetadata other
                && uuid.equals(other.uuid)
                && clock.equals(other.clock)
                && env.equals(other.env)
                && streamClasses.equals(other.streamClasses);
    }

    @Override
    public int hashCode() {
        return Objects.hash(uuid, clock, env, streamClasses);
    }

    @Override
    public String toString() {
        return "trace " + uuid + " " + env + " " + clock + " " + streamClasses;
    }

    /** Builds {@link TraceMetadata}. Not thread-safe. */
    public static final class Builder {
        private UUID uuid;
        private CtfClock clock;
        private final Map<String, Object> env = new LinkedHashMap<>();
        private final List<StreamClass> streamClasses = new ArrayList<>();

        private Builder() {}

        /** The trace's UUID; a random one by default. Two traces should never share one. */
        public Builder uuid(UUID uuid) {
            this.uuid = Objects.requireNonNull(uuid, "uuid");
            return this;
        }

        /** The clock; {@link CtfClock#monotonic()} by default. */
        public Builder clock(CtfClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Adds a text entry to the environment, e.g. {@code env("hostname", ...)}, {@code
         * env("tracer_name", "tracepoint4j")}. babeltrace2 names a trace after its {@code hostname}
         * and prints that before every event.
         *
         * @param key a TSDL identifier ({@code [A-Za-z_][A-Za-z0-9_]*}, not a keyword nor a type name
         *     such as {@code uint32_t}), new in this environment
         * @param value any text without NUL characters; for {@code tracer_name}, neither {@code
         *     lttng-ust} nor {@code lttng-modules}
         * @throws IllegalArgumentException if one of these rules is broken
         */
        public Builder env(String key, String value) {
            Objects.requireNonNull(value, "value");
            checkKey(key);
            Tsdl.literal(value); // refuses a NUL
            if (key.equals("tracer_name")) {
                String name = value.strip().toLowerCase(Locale.ROOT);
                if (name.equals("lttng-ust") || name.equals("lttng-modules")) {
                    throw new IllegalArgumentException("env tracer_name " + Tsdl.quoteForMessage(value)
                            + " is refused: babeltrace2 would take the trace for LTTng's and turn on workarounds"
                            + " for old LTTng bugs, which corrupt other traces' timestamps; name your own"
                            + " tracer, e.g. \"tracepoint4j\"");
                }
            }
            env.put(key, value);
            return this;
        }

        /** Adds an integer entry to the environment, e.g. {@code env("pid", ProcessHandle.current().pid())}. */
        public Builder env(String key, long value) {
            checkKey(key);
            env.put(key, value);
            return this;
        }

        /** Adds a stream class, whose id must be new in this trace. */
        public Builder streamClass(StreamClass streamClass) {
            Objects.requireNonNull(streamClass, "streamClass");
            for (StreamClass existing : streamClasses) {
                if (existing.id() == streamClass.id()) {
                    throw new IllegalArgumentException(
                            "the trace already has stream class " + streamClass.id() + "; give each its own id");
                }
            }
            streamClasses.add(streamClass);
            return this;
        }

        /**
         * The metadata.
         *
         * @throws IllegalStateException if no stream class was added
         */
        public TraceMetadata build() {
            if (streamClasses.isEmpty()) {
                throw new IllegalStateException("trace metadata needs at least one stream class: add one with"
                        + " streamClass(StreamClass.builder(0)...build())");
            }
            return new TraceMetadata(
                    uuid != null ? uuid : UUID.randomUUID(),
                    clock != null ? clock : CtfClock.monotonic(),
                    Collections.unmodifiableMap(new LinkedHashMap<>(env)),
                    List.copyOf(streamClasses),
                    null);
        }

        private void checkKey(String key) {
            Objects.requireNonNull(key, "key");
            if (!Tsdl.isIdentifier(key) || Tsdl.isReserved(key)) {
                throw new IllegalArgumentException("env key " + Tsdl.quoteForMessage(key)
                        + " is not a TSDL identifier ([A-Za-z_][A-Za-z0-9_]*, not a keyword or type name); rename it,"
                        + " e.g. to " + Tsdl.identifier(Tsdl.shownName(key.isEmpty() ? "key" : key)));
            }
            if (env.containsKey(key)) {
                throw new IllegalArgumentException(
                        "env key " + key + " is given twice; each environment entry has one value");
            }
        }
    }
}
