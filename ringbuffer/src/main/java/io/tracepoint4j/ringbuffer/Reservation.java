package io.tracepoint4j.ringbuffer;

/**
 * Where a reserved record lies, filled by {@link RingBuffer#reserve}: a writer's own mutable
 * object, reused for every record (one per writer and nesting level), so that reserving allocates
 * nothing. Not thread-safe: one writer at a time.
 */
public final class Reservation {
    private long position;
    private long offset;
    private int size;
    private long timestamp;

    /** A reservation to fill. */
    public Reservation() {}

    void set(long position, long offset, int size, long timestamp) {
        this.position = position;
        this.offset = offset;
        this.size = size;
        this.timestamp = timestamp;
    }

    /** The record's first byte in {@link RingBuffer#memory()}. */
    public long offset() {
        return offset;
    }

    /** The record's size in bytes, as reserved. */
    public int size() {
        return size;
    }

    /** The clock's value read for this record: never less than a record before it in the buffer. */
    public long timestamp() {
        return timestamp;
    }

    /** The record's free-running position in the buffer (for the buffer and diagnostics). */
    public long position() {
        return position;
    }
}
