package io.tracepoint4j.ctf;

import java.util.Map;

/**
 * An event as {@link CtfReader} read it: its stream, timestamp, event class, and field values.
 * Immutable.
 *
 * <p>Field values are keyed by the name a trace shows (see {@link Field}), in record order, as Java
 * objects: {@code Integer} for INT8, UINT8, INT16, UINT16 and INT32; {@code Long} for UINT32, INT64
 * and UINT64 (the latter's 64 bits as they are); {@code Float}, {@code Double}, {@code Boolean},
 * {@code Character}, {@code String}; {@code byte[]} for BYTES; the label, a {@code String}, for an
 * ENUM (an {@code Integer} for a value without a label).
 */
public final class CtfEvent {
    private final CtfPacket packet;
    private final EventClass eventClass;
    private final long timestamp;
    private final Map<String, Object> fields;
    private final CtfClock clock;

    CtfEvent(CtfPacket packet, EventClass eventClass, long timestamp, Map<String, Object> fields, CtfClock clock) {
        this.packet = packet;
        this.eventClass = eventClass;
        this.timestamp = timestamp;
        this.fields = fields;
        this.clock = clock;
    }

    /** The packet holding the event. */
    public CtfPacket packet() {
        return packet;
    }

    /** The stream class's id. */
    public int streamClassId() {
        return packet.streamClassId();
    }

    /** The stream's instance id. */
    public long streamInstanceId() {
        return packet.streamInstanceId();
    }

    /** The timestamp, in clock cycles. */
    public long timestamp() {
        return timestamp;
    }

    /** The event class. */
    public EventClass eventClass() {
        return eventClass;
    }

    /** The event class's name. */
    public String name() {
        return eventClass.name();
    }

    /** The payload's field values by shown name, in record order (see the class comment). */
    public Map<String, Object> fields() {
        return fields;
    }

    /** The value of the field shown as {@code name}, or null if there is none. */
    public Object field(String name) {
        return fields.get(name);
    }

    /** The packet's own context fields (e.g. a thread id), by shown name. */
    public Map<String, Object> context() {
        return packet.context();
    }

    /** The trace's clock, to convert the timestamp ({@link CtfClock#toInstant(long)}). */
    public CtfClock clock() {
        return clock;
    }

    /** {@link CtfReader#format(CtfEvent)}. */
    @Override
    public String toString() {
        return CtfReader.format(this);
    }
}
