package io.tracepoint4j.ctf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * The traces the tests write: a metadata with an event class for every field type, a fixed clock
 * (so babeltrace2's times are known), and writers of its events.
 */
final class Traces {
    /** The clock UUID of the fixed clock: traces written with it merge. */
    static final UUID CLOCK_UUID = UUID.fromString("5f0e1d2c-3b4a-4968-8776-a5b4c3d2e1f0");
    /** The fixed clock's offset: 2023-11-14T22:13:20Z, so timestamp t prints as 22:13:20 + t ns. */
    static final long OFFSET_SECONDS = 1_700_000_000L;

    static final EventClass INTS = EventClass.of(
            0,
            "test:ints",
            Field.of("i8", FieldType.INT8),
            Field.of("u8", FieldType.UINT8),
            Field.of("i16", FieldType.INT16),
            Field.of("u16", FieldType.UINT16),
            Field.of("i32", FieldType.INT32),
            Field.of("u32", FieldType.UINT32),
            Field.of("i64", FieldType.INT64),
            Field.of("u64", FieldType.UINT64));
    static final EventClass FLOATS =
            EventClass.of(1, "test:floats", Field.of("f", FieldType.FLOAT), Field.of("d", FieldType.DOUBLE));
    static final EventClass MISC = EventClass.of(
            2,
            "test:misc",
            Field.of("flag", FieldType.BOOLEAN),
            Field.of("c", FieldType.CHAR),
            Field.ofEnum("state", Thread.State.class),
            Field.of("s", FieldType.STRING),
            Field.of("b", FieldType.BYTES));
    static final EventClass EMPTY = EventClass.of(3, "test:empty");

    private Traces() {}

    /** The fixed clock: 1 GHz, offset {@link #OFFSET_SECONDS}, UUID {@link #CLOCK_UUID}. */
    static CtfClock fixedClock() {
        return CtfClock.builder("monotonic")
                .uuid(CLOCK_UUID)
                .description("the tests' fixed clock")
                .offset(OFFSET_SECONDS, 0)
                .build();
    }

    /** Stream class 0 ({@code eventIdBits}-bit ids, a UINT32 {@code tid} context) with the four event classes. */
    static StreamClass allTypesStream(int eventIdBits) {
        return StreamClass.builder(0)
                .eventIdBits(eventIdBits)
                .contextField(Field.of("tid", FieldType.UINT32))
                .eventClass(INTS)
                .eventClass(FLOATS)
                .eventClass(MISC)
                .eventClass(EMPTY)
                .build();
    }

    /** A trace of {@link #allTypesStream}, host name {@code testhost}, the fixed clock. */
    static TraceMetadata allTypes(int eventIdBits) {
        return TraceMetadata.builder()
                .clock(fixedClock())
                .env("hostname", "testhost")
                .env("tracer_name", "tracepoint4j-ctf-test")
                .env("pid", 4242)
                .streamClass(allTypesStream(eventIdBits))
                .build();
    }

    static void ints(
            StreamWriter out,
            long timestamp,
            byte i8,
            byte u8,
            short i16,
            short u16,
            int i32,
            int u32,
            long i64,
            long u64)
            throws IOException {
        long at = out.begin(INTS.id(), timestamp, 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8);
        MemorySegment s = out.segment();
        at = EventEncoder.putByte(s, at, i8);
        at = EventEncoder.putByte(s, at, u8);
        at = EventEncoder.putShort(s, at, i16);
        at = EventEncoder.putShort(s, at, u16);
        at = EventEncoder.putInt(s, at, i32);
        at = EventEncoder.putInt(s, at, u32);
        at = EventEncoder.putLong(s, at, i64);
        at = EventEncoder.putLong(s, at, u64);
        out.commit(at);
    }

    static void floats(StreamWriter out, long timestamp, float f, double d) throws IOException {
        long at = out.begin(FLOATS.id(), timestamp, 4 + 8);
        at = EventEncoder.putFloat(out.segment(), at, f);
        at = EventEncoder.putDouble(out.segment(), at, d);
        out.commit(at);
    }

    static void misc(StreamWriter out, long timestamp, boolean flag, char c, Thread.State state, String s, byte[] b)
            throws IOException {
        long size = 1 + 2 + 4 + EventEncoder.stringSize(s) + EventEncoder.bytesSize(b);
        long at = out.begin(MISC.id(), timestamp, size);
        long end = at + size;
        MemorySegment seg = out.segment();
        at = EventEncoder.putBoolean(seg, at, flag);
        at = EventEncoder.putChar(seg, at, c);
        at = EventEncoder.putEnum(seg, at, state);
        at = EventEncoder.putString(seg, at, end, s);
        at = EventEncoder.putBytes(seg, at, end, b);
        out.commit(at);
    }

    static void empty(StreamWriter out, long timestamp) throws IOException {
        out.commit(out.begin(EMPTY.id(), timestamp, 0));
    }

    /**
     * Appends to {@code stream} one packet per {@code {sequence number, events discarded, time}}
     * of {@code packets}, each of {@code packetSize} bytes holding one EMPTY event at that time and
     * ending 10 ticks after it, finished in {@code subBuffer} with {@code fields}: streams with
     * chosen counts and gaps, for the tests of losses.
     */
    static void appendEmptyPackets(
            StreamFile stream, PacketFields fields, MemorySegment subBuffer, int packetSize, long[]... packets)
            throws IOException {
        PacketLayout layout = stream.layout();
        for (long[] p : packets) {
            long end = EventEncoder.eventHeader(subBuffer, layout.eventsOffset(), layout, EMPTY.id(), p[2]);
            fields.sequenceNumber(p[0])
                    .eventsDiscarded(p[1])
                    .timestampBegin(p[2])
                    .timestampEnd(p[2] + 10)
                    .contentSize(end)
                    .packetSize(packetSize);
            Packets.finish(subBuffer, fields);
            stream.append(subBuffer);
        }
    }
}
