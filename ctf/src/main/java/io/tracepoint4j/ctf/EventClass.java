package io.tracepoint4j.ctf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A kind of event: its id (unique within its stream class), its name (any text; babeltrace2 prints
 * it before the fields, e.g. {@code my_app:request}) and the fields of its payload, in the order an
 * event record holds them. Immutable; added to a stream class with {@link
 * StreamClass.Builder#eventClass(EventClass)}, or to a trace being written with {@link
 * CtfTrace#addEventClass(int, EventClass)}.
 */
public final class EventClass {
    private final int id;
    private final String name;
    private final List<Field> fields;

    private EventClass(int id, String name, List<Field> fields) {
        this.id = id;
        this.name = name;
        this.fields = fields;
    }

    /**
     * An event class.
     *
     * @param id its id, 0 or more (and below 65536 in a stream class of 16-bit event ids)
     * @param name its name, not empty, without NUL characters
     * @param fields its payload fields, in record order; no two shown under one name (see {@link
     *     Field})
     * @throws IllegalArgumentException if one of these rules is broken
     */
    public static EventClass of(int id, String name, List<Field> fields) {
        Objects.requireNonNull(name, "name");
        if (id < 0) {
            throw new IllegalArgumentException("event class " + Tsdl.quoteForMessage(name) + ": id " + id
                    + " is negative; event class ids are 0 or more");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("event class " + id + ": the name must not be empty");
        }
        Tsdl.literal(name); // refuses a NUL
        return new EventClass(id, name, Field.checkUnique("event class " + Tsdl.quoteForMessage(name), fields));
    }

    /** An event class; see {@link #of(int, String, List)}. */
    public static EventClass of(int id, String name, Field... fields) {
        return of(id, name, Arrays.asList(fields));
    }

    /** The id, unique within the stream class. */
    public int id() {
        return id;
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** The payload fields, in record order. */
    public List<Field> fields() {
        return fields;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventClass other
                && id == other.id
                && name.equals(other.name)
                && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return (id * 31 + name.hashCode()) * 31 + fields.hashCode();
    }

    @Override
    public String toString() {
        return "event class " + id + " " + Tsdl.quoteForMessage(name) + " " + fields;
    }
}
