package io.tracepoint4j.ringbuffer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The tests' self-checking record format: {@code int size; int writer; long sequence; long
 * timestamp; byte payload[size - 28]; int checksum}, every payload byte derived from the writer and
 * sequence, so a torn or half-written record fails its check. The buffer writes the timestamp
 * ({@link #TIMESTAMP_AT}).
 */
final class TestRecords {
    static final int OVERHEAD = 4 + 4 + 8 + 8 + 4;
    static final int TIMESTAMP_AT = 16;

    private TestRecords() {}

    /** One parsed record. */
    record Parsed(int writer, long sequence, long timestamp, int size) {}

    /** Writes the rest of a record of {@code size} bytes (at least OVERHEAD) reserved at {@code at}. */
    static void write(RingBuffer buffer, long at, int size, int writer, long sequence) {
        MemorySegment m = buffer.memory();
        m.set(JAVA_INT_UNALIGNED, at, size);
        m.set(JAVA_INT_UNALIGNED, at + 4, writer);
        m.set(JAVA_LONG_UNALIGNED, at + 8, sequence);
        int sum = writer * 31 + (int) sequence;
        for (int i = 24; i < size - 4; i++) {
            byte b = (byte) (writer + sequence + i);
            m.set(JAVA_BYTE, at + i, b);
            sum = sum * 31 + b;
        }
        m.set(JAVA_INT_UNALIGNED, at + size - 4, sum);
    }

    /** Parses every record of a sub-buffer, checking each; throws AssertionError on a torn one. */
    static List<Parsed> parse(SubBuffer sub, int headerSize) {
        MemorySegment m = sub.memory();
        List<Parsed> records = new ArrayList<>();
        long at = headerSize;
        while (at < sub.contentEnd()) {
            int size = m.get(JAVA_INT_UNALIGNED, at);
            if (size < OVERHEAD || at + size > sub.contentEnd()) {
                throw new AssertionError("sub-buffer " + sub.sequence() + ": bad record size " + size + " at " + at
                        + " (content ends at " + sub.contentEnd() + ")");
            }
            int writer = m.get(JAVA_INT_UNALIGNED, at + 4);
            long sequence = m.get(JAVA_LONG_UNALIGNED, at + 8);
            long timestamp = m.get(JAVA_LONG_UNALIGNED, at + TIMESTAMP_AT);
            int sum = writer * 31 + (int) sequence;
            for (int i = 24; i < size - 4; i++) {
                byte b = m.get(JAVA_BYTE, at + i);
                if (b != (byte) (writer + sequence + i)) {
                    throw new AssertionError("sub-buffer " + sub.sequence() + ": torn record of writer " + writer + " #"
                            + sequence + " at byte " + i);
                }
                sum = sum * 31 + b;
            }
            if (m.get(JAVA_INT_UNALIGNED, at + size - 4) != sum) {
                throw new AssertionError(
                        "sub-buffer " + sub.sequence() + ": bad checksum, writer " + writer + " #" + sequence);
            }
            records.add(new Parsed(writer, sequence, timestamp, size));
            at += size;
        }
        if (at != sub.contentEnd()) {
            throw new AssertionError("records end at " + at + ", content at " + sub.contentEnd());
        }
        return records;
    }
}
