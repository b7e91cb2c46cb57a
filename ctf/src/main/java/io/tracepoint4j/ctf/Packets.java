package io.tracepoint4j.ctf;

import static io.tracepoint4j.ctf.EventEncoder.BYTE;
import static io.tracepoint4j.ctf.EventEncoder.INT;
import static io.tracepoint4j.ctf.EventEncoder.LONG;
import static io.tracepoint4j.ctf.EventEncoder.SHORT;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Finishes packets in place: a tracer writes event records into a buffer from {@link
 * PacketLayout#eventsOffset()} on, and when the buffer is full (or flushed) calls {@link
 * #finish(MemorySegment, PacketFields)}, which writes the packet header and context into the room
 * left at its start and zeroes the padding. The buffer is then a packet, ready for {@link
 * StreamFile#append}; its event bytes are never copied.
 */
public final class Packets {
    /** Zeros to copy into a packet's padding. */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[4096]);

    private Packets() {}

    /**
     * Writes the packet header and context described by {@code fields} into {@code packet[0,
     * fields.layout().eventsOffset())}, and zeroes the padding {@code packet[contentSize,
     * packetSize)}. Allocates nothing.
     *
     * @param packet the packet, from its first byte; at least {@code fields.packetSize()} bytes
     * @throws IllegalArgumentException if {@code fields} break a rule listed in {@link PacketFields}
     *     or the packet is smaller than {@code fields.packetSize()}
     */
    public static void finish(MemorySegment packet, PacketFields fields) {
        PacketLayout layout = fields.layout();
        check(packet.byteSize(), fields);
        packet.set(INT, PacketHeaderDescriptor.MAGIC_OFFSET, PacketHeaderDescriptor.MAGIC);
        MemorySegment.copy(
                layout.uuidBytes(),
                0,
                packet,
                BYTE,
                PacketHeaderDescriptor.UUID_OFFSET,
                PacketHeaderDescriptor.UUID_SIZE);
        packet.set(INT, PacketHeaderDescriptor.STREAM_ID_OFFSET, layout.streamClassId());
        packet.set(LONG, PacketHeaderDescriptor.STREAM_INSTANCE_ID_OFFSET, fields.streamInstanceId());
        packet.set(LONG, PacketContextDescriptor.TIMESTAMP_BEGIN_OFFSET, fields.timestampBegin());
        packet.set(LONG, PacketContextDescriptor.TIMESTAMP_END_OFFSET, fields.timestampEnd());
        packet.set(LONG, PacketContextDescriptor.CONTENT_SIZE_OFFSET, fields.contentSize() * 8);
        packet.set(LONG, PacketContextDescriptor.PACKET_SIZE_OFFSET, fields.packetSize() * 8);
        packet.set(LONG, PacketContextDescriptor.EVENTS_DISCARDED_OFFSET, fields.eventsDiscarded());
        packet.set(LONG, PacketContextDescriptor.PACKET_SEQ_NUM_OFFSET, fields.sequenceNumber());
        for (int i = 0; i < layout.contextFieldCount(); i++) {
            long offset = layout.contextOffset(i);
            long value = fields.context(i);
            switch (layout.contextType(i).size()) {
                case 1 -> packet.set(BYTE, offset, (byte) value);
                case 2 -> packet.set(SHORT, offset, (short) value);
                case 4 -> packet.set(INT, offset, (int) value);
                default -> packet.set(LONG, offset, value);
            }
        }
        // the padding, zeroed from a block of zeros: a slice and fill() would allocate the slice
        // wherever C2 does not inline this into its caller and remove it
        for (long at = fields.contentSize(); at < fields.packetSize(); at += ZEROS.byteSize()) {
            MemorySegment.copy(ZEROS, 0, packet, at, Math.min(ZEROS.byteSize(), fields.packetSize() - at));
        }
    }

    /**
     * {@link #finish(MemorySegment, PacketFields)} for a packet held by a {@link ByteBuffer}: the
     * packet is the buffer's content from its position to its limit (which are left unchanged).
     */
    public static void finish(ByteBuffer packet, PacketFields fields) {
        finish(MemorySegment.ofBuffer(packet), fields);
    }

    private static void check(long bytes, PacketFields f) {
        int eventsOffset = f.layout().eventsOffset();
        if (f.timestampBegin() < 0 || f.timestampEnd() < f.timestampBegin()) {
            throw new IllegalArgumentException(f + ": timestamps must satisfy 0 <= timestampBegin <= timestampEnd;"
                    + " set timestampBegin at or before the first event and timestampEnd at or after the last");
        }
        if (f.contentSize() < eventsOffset || f.packetSize() < f.contentSize()) {
            throw new IllegalArgumentException(f + ": sizes must satisfy eventsOffset (" + eventsOffset
                    + ") <= contentSize <= packetSize; contentSize is the end of the last event record");
        }
        if (f.packetSize() > bytes) {
            throw new IllegalArgumentException(f + ": the packet segment holds only " + bytes
                    + " bytes; pass the whole packet, or a smaller packetSize");
        }
        if (f.eventsDiscarded() < 0 || f.sequenceNumber() < 0) {
            throw new IllegalArgumentException(
                    f + ": eventsDiscarded and sequenceNumber count from 0 and must not be negative");
        }
        if (f.packetSize() > Long.MAX_VALUE / 8) {
            throw new IllegalArgumentException(f + ": packetSize in bits must fit 64 bits");
        }
    }
}
