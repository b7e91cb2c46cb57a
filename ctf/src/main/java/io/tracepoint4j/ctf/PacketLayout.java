package io.tracepoint4j.ctf;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

/**
 * Where things are in a packet of one stream class of one trace: the packet header and context
 * first ({@link #eventsOffset()} bytes, which {@link Packets#finish} fills in), then the event
 * records, each an event header ({@link #eventHeaderSize()} bytes, written by {@link
 * EventEncoder#eventHeader}) and its payload. Immutable; from {@link TraceMetadata#packetLayout(int)}.
 *
 * <p>A tracer's sub-buffer is a packet as it is: records are written from {@link #eventsOffset()}
 * on, and the room before is left for {@link Packets#finish}.
 *
 * <pre>
 * byte 0          32               eventsOffset()                       contentSize   packetSize
 *      +----------+----------------+--------+--------+-----+--------+-------------+
 *      |  header  |    context     | record | record | ... | record |   padding   |
 *      +----------+----------------+--------+--------+-----+--------+-------------+
 * </pre>
 */
public final class PacketLayout {
    private final byte[] uuid;
    private final StreamClass streamClass;
    /** The stream class's event id width, read by every event header written. */
    private final int eventIdBits;

    private final int[] contextOffsets;
    private final int eventsOffset;

    PacketLayout(UUID traceUuid, StreamClass streamClass) {
        this.uuid = ByteBuffer.allocate(16)
                .putLong(traceUuid.getMostSignificantBits())
                .putLong(traceUuid.getLeastSignificantBits())
                .array();
        this.streamClass = streamClass;
        this.eventIdBits = streamClass.eventIdBits();
        List<Field> fields = streamClass.contextFields();
        this.contextOffsets = new int[fields.size()];
        int offset = PacketContextDescriptor.CUSTOM_OFFSET;
        for (int i = 0; i < fields.size(); i++) {
            contextOffsets[i] = offset;
            offset += fields.get(i).type().size();
        }
        this.eventsOffset = offset;
    }

    /** The id of the stream class whose packets these are. */
    public int streamClassId() {
        return streamClass.id();
    }

    /** The stream class whose packets these are. */
    public StreamClass streamClass() {
        return streamClass;
    }

    /**
     * The size of the packet header and context in bytes: the offset of the first event record, and
     * the smallest packet (one with no events).
     */
    public int eventsOffset() {
        return eventsOffset;
    }

    /** The size of an event header in bytes: 10 with 16-bit event ids, 12 with 32-bit ones. */
    public int eventHeaderSize() {
        return EventHeaderDescriptor.size(eventIdBits);
    }

    /** The width of event ids: 16 or 32. */
    int eventIdBits() {
        return eventIdBits;
    }

    /**
     * The index of the stream class's context field named {@code name}, for {@link
     * PacketFields#context(int, long)}.
     *
     * @throws IllegalArgumentException if there is no such field
     */
    public int contextFieldIndex(String name) {
        List<Field> fields = streamClass.contextFields();
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("stream class " + streamClass.id() + " has no packet context field "
                + Tsdl.quoteForMessage(name) + "; its context fields are " + fields);
    }

    /**
     * New packet fields for the packets of the stream {@code streamInstanceId} of this stream class,
     * to fill in and pass to {@link Packets#finish}; reuse them from packet to packet.
     */
    public PacketFields newPacketFields(long streamInstanceId) {
        return new PacketFields(this, streamInstanceId);
    }

    /**
     * The trace UUID's 16 bytes, most significant first, as the packet header holds them. The array
     * itself: callers must not change it.
     */
    byte[] uuidBytes() {
        return uuid;
    }

    /** The byte offset in the packet of context field {@code index}. */
    int contextOffset(int index) {
        return contextOffsets[index];
    }

    /** The type of context field {@code index}. */
    FieldType contextType(int index) {
        return streamClass.contextFields().get(index).type();
    }

    /** The number of the stream class's own context fields. */
    int contextFieldCount() {
        return contextOffsets.length;
    }

    @Override
    public String toString() {
        return "packet layout of stream class " + streamClass.id() + ": events from byte " + eventsOffset
                + ", event headers of " + eventHeaderSize() + " bytes";
    }
}
