package io.tracepoint4j.ctf;

import java.util.List;

/**
 * The event header: the first bytes of every event record, before its payload fields (docs/STYLE.md
 * rule 7: drawn once; each stream class's {@code stream.event.header} is built from {@link
 * #slots(int)}). The id is 16 or 32 bits wide, as the stream class says. Offsets are from the start
 * of the record. Little-endian, byte-aligned, no padding.
 *
 * <pre>
 *  16-bit ids:                                     32-bit ids:
 *  offset  size  field      TSDL type              offset  size  field      TSDL type
 *       0     2  id         uint16_t                    0     4  id         uint32_t
 *       2     8  timestamp  timestamp_t                 4     8  timestamp  timestamp_t
 *      10        (end: the payload fields)             12        (end: the payload fields)
 * </pre>
 *
 * {@code id} is the event class's id within the stream class; {@code timestamp} the full 64-bit clock
 * value (never a truncated one that readers would have to extend, so it never wraps).
 */
final class EventHeaderDescriptor {
    static final int ID_OFFSET = 0;
    static final int TIMESTAMP_OFFSET_ID16 = 2;
    static final int SIZE_ID16 = 10;
    static final int TIMESTAMP_OFFSET_ID32 = 4;
    static final int SIZE_ID32 = 12;

    static final List<Slot> SLOTS_ID16 = List.of(
            new Slot("id", "uint16_t", ID_OFFSET, 2),
            new Slot("timestamp", Tsdl.TIMESTAMP_ALIAS, TIMESTAMP_OFFSET_ID16, 8));
    static final List<Slot> SLOTS_ID32 = List.of(
            new Slot("id", "uint32_t", ID_OFFSET, 4),
            new Slot("timestamp", Tsdl.TIMESTAMP_ALIAS, TIMESTAMP_OFFSET_ID32, 8));

    private EventHeaderDescriptor() {}

    /** The fields in record order for {@code idBits}-wide ids (16 or 32). */
    static List<Slot> slots(int idBits) {
        return idBits == 16 ? SLOTS_ID16 : SLOTS_ID32;
    }

    /** The size of an event header in bytes for {@code idBits}-wide ids (16 or 32). */
    static int size(int idBits) {
        return idBits == 16 ? SIZE_ID16 : SIZE_ID32;
    }

    /** The offset of the timestamp for {@code idBits}-wide ids (16 or 32). */
    static int timestampOffset(int idBits) {
        return idBits == 16 ? TIMESTAMP_OFFSET_ID16 : TIMESTAMP_OFFSET_ID32;
    }
}
