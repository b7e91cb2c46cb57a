package io.tracepoint4j.ringbuffer;

/**
 * Where RingBuffer keeps the fields its writers store to on every record, {@code writePosition},
 * {@code lastTime} and {@code lastSize}: on a cache line of their own. RingBuffer extends {@link After}; an object
 * holds its superclasses' fields first, so its layout is the header, 64 bytes of padding ({@link
 * Before}), the writers' fields ({@link Fields}), 64 bytes of padding ({@link After}), then
 * RingBuffer's own fields, which writers only read.
 *
 * <p>Why: a session's thread buffers are each written by a thread of its own, and their RingBuffer
 * objects may lie side by side in memory (allocated one after the other, or copied so by the
 * garbage collector). Without the padding, each writer's stores would take the line holding the
 * next buffer's fields from that buffer's writer, record after record (false sharing).
 * RecordEventBench.threads2, two threads each recording into a buffer of its own, jars with and
 * without this class run in turn on one machine: 108 and 71 ns per event without it, 57 and 53
 * ns with it. liburcu and the JDK (@Contended, not open to libraries) pad such fields alike; so
 * does ReaderRegistry in rcu.
 */
final class WriterLine {
    private WriterLine() {}

    /** Padding: no field of an object before this one shares the writers' line. */
    @SuppressWarnings("unused") // padding only
    abstract static class Before {
        private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;
    }

    /** The writers' fields; RingBuffer's design note says how each is accessed. */
    abstract static class Fields extends Before {
        /** [WP] The next reservation's position (accessed through RingBuffer.WRITE_POSITION). */
        long writePosition;
        /** Single producer: the last timestamp taken; the writer's (or, while it is excluded, the owner's). */
        long lastTime = Long.MIN_VALUE;
        /**
         * Single producer: the size of the record the write position ends, 0 if it ends a switch's
         * padding; the writer's (or, while it is excluded, the owner's). For uncommittedBytes().
         */
        int lastSize;
    }

    /** Padding: none of RingBuffer's own fields shares the writers' line. */
    @SuppressWarnings("unused") // padding only
    abstract static class After extends Fields {
        private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;
    }
}
