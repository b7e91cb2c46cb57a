package io.tracepoint4j.ctf;

import java.util.List;

/**
 * The packet context: after the packet header, the fields that describe one packet (docs/STYLE.md
 * rule 7: drawn once; each stream class's {@code stream.packet.context} is built from {@link #SLOTS},
 * followed by the stream class's own context fields). Offsets are from the start of the packet.
 * Little-endian, byte-aligned, no padding.
 *
 * <pre>
 *  offset  size  field             TSDL type    value
 *  ------  ----  ----------------  -----------  ----------------------------------------------------
 *      32     8  timestamp_begin   timestamp_t  clock value at or before the packet's first event
 *      40     8  timestamp_end     timestamp_t  clock value at or after the packet's last event
 *      48     8  content_size      uint64_t     bits of header, context and event records
 *      56     8  packet_size       uint64_t     bits of the whole packet: content_size plus padding
 *      64     8  events_discarded  uint64_t     events the stream lost so far (never decreases)
 *      72     8  packet_seq_num    uint64_t     the packet's number in its stream (+1 per packet)
 *      80     -  the stream class's context fields, each its type's size, in declaration order
 *       E        (end: the first event record, see EventHeaderDescriptor; E is
 *                PacketLayout.eventsOffset())
 * </pre>
 *
 * {@code timestamp_t} is a uint64 mapped to the trace's clock. babeltrace2 recognises each standard
 * field by its exact name: it reads {@code packet_size} bits as one packet (the padding after {@code
 * content_size} is skipped), reports an increase of {@code events_discarded} between two packets as
 * discarded events, and a jump of {@code packet_seq_num} by more than 1 as discarded packets.
 */
final class PacketContextDescriptor {
    static final int TIMESTAMP_BEGIN_OFFSET = 32;
    static final int TIMESTAMP_END_OFFSET = 40;
    static final int CONTENT_SIZE_OFFSET = 48;
    static final int PACKET_SIZE_OFFSET = 56;
    static final int EVENTS_DISCARDED_OFFSET = 64;
    static final int PACKET_SEQ_NUM_OFFSET = 72;
    /** Where the stream class's own context fields begin: the end of the standard fields. */
    static final int CUSTOM_OFFSET = 80;

    /** The standard fields in packet order, as the metadata declares them. */
    static final List<Slot> SLOTS = List.of(
            new Slot("timestamp_begin", Tsdl.TIMESTAMP_ALIAS, TIMESTAMP_BEGIN_OFFSET, 8),
            new Slot("timestamp_end", Tsdl.TIMESTAMP_ALIAS, TIMESTAMP_END_OFFSET, 8),
            new Slot("content_size", "uint64_t", CONTENT_SIZE_OFFSET, 8),
            new Slot("packet_size", "uint64_t", PACKET_SIZE_OFFSET, 8),
            new Slot("events_discarded", "uint64_t", EVENTS_DISCARDED_OFFSET, 8),
            new Slot("packet_seq_num", "uint64_t", PACKET_SEQ_NUM_OFFSET, 8));

    /** The standard fields' names, which a stream class's own context fields may not take. */
    static final List<String> NAMES = List.of(
            "timestamp_begin", "timestamp_end", "content_size", "packet_size", "events_discarded", "packet_seq_num");

    private PacketContextDescriptor() {}
}
