package io.tracepoint4j.ctf;

import java.util.List;

/**
 * The packet header: the first bytes of every packet, the same in every stream of a trace
 * (docs/STYLE.md rule 7: drawn once; the metadata's {@code trace.packet.header} is built from {@link
 * #SLOTS}). Little-endian, byte-aligned, no padding.
 *
 * <pre>
 *  offset  size  field               TSDL type     value
 *  ------  ----  ------------------  ------------  ---------------------------------------------
 *       0     4  magic               uint32_t      0xC1FC1FC1: a packet starts here
 *       4    16  uuid                uint8_t[16]   the trace's UUID, most significant byte first
 *      20     4  stream_id           uint32_t      the stream class's id
 *      24     8  stream_instance_id  uint64_t      the stream's instance id within its class
 *      32        (end: the packet context follows, see PacketContextDescriptor)
 * </pre>
 *
 * babeltrace2 recognises each field by its exact name: it checks the magic number, compares the UUID
 * with the metadata's, and finds the stream class by {@code stream_id}.
 */
final class PacketHeaderDescriptor {
    /** The value of {@code magic}. */
    static final int MAGIC = 0xC1FC1FC1;

    static final int MAGIC_OFFSET = 0;
    static final int UUID_OFFSET = 4;
    static final int UUID_SIZE = 16;
    static final int STREAM_ID_OFFSET = 20;
    static final int STREAM_INSTANCE_ID_OFFSET = 24;
    /** The size of the packet header in bytes: where the packet context begins. */
    static final int SIZE = 32;

    /** The fields in packet order, as the metadata declares them. */
    static final List<Slot> SLOTS = List.of(
            new Slot("magic", "uint32_t", MAGIC_OFFSET, 4),
            new Slot("uuid", "uint8_t", UUID_OFFSET, UUID_SIZE, UUID_SIZE),
            new Slot("stream_id", "uint32_t", STREAM_ID_OFFSET, 4),
            new Slot("stream_instance_id", "uint64_t", STREAM_INSTANCE_ID_OFFSET, 8));

    private PacketHeaderDescriptor() {}
}
