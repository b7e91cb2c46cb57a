package io.tracepoint4j.ctf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A kind of stream: the packet context its packets carry (the standard fields of {@link
 * PacketFields}, then the caller's own integer fields, such as a thread id), the width of its event
 * ids (16 or 32 bits), and its event classes. A trace's streams each belong to one stream class, and
 * one stream class may have many streams (one per thread, say), told apart by their instance ids.
 * Immutable; made with {@link #builder(int)}.
 */
public final class StreamClass {
    private final int id;
    private final int eventIdBits;
    private final List<Field> contextFields;
    private final List<EventClass> eventClasses;

    private StreamClass(int id, int eventIdBits, List<Field> contextFields, List<EventClass> eventClasses) {
        this.id = id;
        this.eventIdBits = eventIdBits;
        this.contextFields = contextFields;
        this.eventClasses = eventClasses;
    }

    /** A builder of the stream class {@code id} (0 or more, unique within its trace). */
    public static Builder builder(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("stream class id " + id + " is negative; use 0 or more");
        }
        return new Builder(id);
    }

    /** The id, unique within the trace. */
    public int id() {
        return id;
    }

    /** The width of an event header's id field: 16 or 32. */
    public int eventIdBits() {
        return eventIdBits;
    }

    /** The caller's packet context fields, after the standard ones, in packet order. */
    public List<Field> contextFields() {
        return contextFields;
    }

    /** The event classes, in the order they were added. */
    public List<EventClass> eventClasses() {
        return eventClasses;
    }

    /** The event class {@code id}, or null if this stream class has none of that id. */
    public EventClass eventClass(int id) {
        for (EventClass eventClass : eventClasses) {
            if (eventClass.id() == id) {
                return eventClass;
            }
        }
        return null;
    }

    /** This stream class with one more event class, checked as {@link Builder#eventClass} checks it. */
    StreamClass with(EventClass eventClass) {
        Builder builder = new Builder(id).eventIdBits(eventIdBits);
        builder.contextFields.addAll(contextFields); // checked when this stream class was built
        builder.eventClasses.addAll(eventClasses); // so the new one alone is checked: no O(n^2) per class
        return builder.eventClass(eventClass).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamClass other
                && id == other.id
                && eventIdBits == other.eventIdBits
                && contextFields.equals(other.contextFields)
                && eventClasses.equals(other.eventClasses);
    }

    @Override
    public int hashCode() {
        return ((id * 31 + eventIdBits) * 31 + contextFields.hashCode()) * 31 + eventClasses.hashCode();
    }

    @Override
    public String toString() {
        return "stream class " + id + " (" + eventIdBits + "-bit event ids, context " + contextFields + ", "
                + eventClasses.size() + " event classes)";
    }

    /** Builds a {@link StreamClass}. Not thread-safe. */
    public static final class Builder {
        private final int id;
        private int eventIdBits = 16;
        private final List<Field> contextFields = new ArrayList<>();
        private final List<EventClass> eventClasses = new ArrayList<>();

        private Builder(int id) {
            this.id = id;
        }

        /**
         * The width of event ids: 16 (the default: up to 65536 event classes, 10-byte event headers)
         * or 32 (12-byte event headers).
         */
        public Builder eventIdBits(int bits) {
            if (bits != 16 && bits != 32) {
                throw new IllegalArgumentException(
                        "stream class " + id + ": event ids are 16 or 32 bits wide, not " + bits);
            }
            for (EventClass eventClass : eventClasses) {
                checkIdFits(eventClass, bits);
            }
            this.eventIdBits = bits;
            return this;
        }

        /**
         * Adds a packet context field after the standard ones and those added before: an integer
         * ({@link FieldType#isInteger()}) that {@link PacketFields#context(int, long)} sets per packet.
         */
        public Builder contextField(Field field) {
            Objects.requireNonNull(field, "field");
            if (!field.type().isInteger()) {
                throw new IllegalArgumentException("stream class " + id + ": packet context field "
                        + Tsdl.quoteForMessage(field.name()) + " is " + field.type()
                        + "; a packet context field must be an integer type (INT8 to UINT64, BOOLEAN, CHAR)");
            }
            for (String standard : PacketContextDescriptor.NAMES) {
                if (standard.equals(field.shownName())) {
                    throw new IllegalArgumentException("stream class " + id + ": packet context field "
                            + Tsdl.quoteForMessage(field.name())
                            + " has the name of a standard packet context field; rename it");
                }
            }
            List<Field> next = new ArrayList<>(contextFields);
            next.add(field);
            Field.checkUnique("stream class " + id + "'s packet context", next);
            contextFields.add(field);
            return this;
        }

        /** Adds an event class, whose id must be new in this stream class and fit its event ids. */
        public Builder eventClass(EventClass eventClass) {
            Objects.requireNonNull(eventClass, "eventClass");
            checkIdFits(eventClass, eventIdBits);
            for (EventClass existing : eventClasses) {
                if (existing.id() == eventClass.id()) {
                    throw new IllegalArgumentException("stream class " + id + " already has event class id "
                            + eventClass.id() + " (" + Tsdl.quoteForMessage(existing.name()) + "); give "
                            + Tsdl.quoteForMessage(eventClass.name()) + " another id");
                }
            }
            eventClasses.add(eventClass);
            return this;
        }

        /** The stream class. */
        public StreamClass build() {
            return new StreamClass(id, eventIdBits, List.copyOf(contextFields), List.copyOf(eventClasses));
        }

        private void checkIdFits(EventClass eventClass, int bits) {
            if (bits == 16 && eventClass.id() > 0xFFFF) {
                throw new IllegalArgumentException("stream class " + id + ": event class "
                        + Tsdl.quoteForMessage(eventClass.name()) + " has id " + eventClass.id()
                        + ", too large for 16-bit event ids; use eventIdBits(32)");
            }
        }
    }
}
