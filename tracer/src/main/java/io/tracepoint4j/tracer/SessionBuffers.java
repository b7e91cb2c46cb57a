package io.tracepoint4j.tracer;

import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A session's ring buffers: a fixed number of shared ones and of single-producer ones for platform
 * threads (see ThreadBuffers), slices of one segment, so a writer's position anywhere in them is
 * one long (an offset in {@link #memory()}), and memory is bounded by the session's configuration
 * whatever the number of threads.
 */
final class SessionBuffers {
    /*
     * Design note.
     *
     * Threads to buffers: buffers 0 .. shared-1 are multi-producer (a CAS per reservation), so
     *   sharing them is always correct: a thread without a buffer of its own writes into shared
     *   buffer (threadId mod shared). Buffers shared .. count-1 are single-producer, each owned by
     *   one platform thread at a time (ThreadBuffers: taken at its first firing, reclaimed by the
     *   drain after it ended): the fast path, with no atomic instruction, as LTTng's per-CPU
     *   buffers. A virtual thread never owns one (it would need it back on another carrier, and
     *   there may be a hundred thousand of them): it writes into the shared buffers, keeping its
     *   buffer when it moves to another carrier, as nothing depends on the carrier and a record
     *   reserved before the move is committed after it, into the same buffer. Memory never grows
     *   with threads: 100,000 virtual threads share the same buffers. The last `eventTimeCount` buffers
     *   are single-producer too, for the records of events reported late, each owned by one
     *   reporting thread (ThreadBuffers' "Event-time buffers").
     *
     * Arithmetic on the write path, without a division (a 64-bit idiv is 20 ns or more here):
     *   the index is tid mod count by Lemire's fastmod (a multiply by the precomputed ceil(2^64 /
     *   count), then the high half of a multiply by count; exact for ids below 2^32, and ids are
     *   taken mod 2^32 first), and a buffer's bytes are a power of two, so a place in the memory
     *   splits into buffer and offset by a shift.
     *
     * Memory: one shared arena, which free() closes once the session stopped (Session.stop(),
     *   after the grace period that outlasts its last writer and after its drain wrote the last
     *   packet: nothing touches the memory again), so that a stopped session gives its buffers
     *   back at once. An automatic arena would keep them until the GC found the segment
     *   unreachable, maybe much later: three recordings of 128 MiB buffers by tp record left a
     *   target 2 GB larger until a full GC. A start that fails frees them too (Session.start()).
     *   A session built and never started, or whose stop() threw before free(), is freed by
     *   UnfreedMemory's thread once unreachable, as an automatic arena would be; that thread runs
     *   only while some session's memory is unfreed. Closing a shared arena is safe
     *   even against a stray access: the JVM makes any later access throw, never read freed memory.
     *
     * Concurrency: the buffers are immutable after construction; see RingBuffer for the rest.
     */

    private final RingBuffer[] buffers;
    /** How many of them are shared (multi-producer); the rest are single-producer (threads', then event-time). */
    private final int shared;

    private final ThreadBuffers threadBuffers;
    private final MemorySegment memory;
    /** Closes the memory's arena once: free(), or once this is unreachable (UnfreedMemory). */
    private final UnfreedMemory freeing;

    private final long bufferBytes;
    /** log2(bufferBytes): subBufferSize and subBufferCount are powers of two. */
    private final int bufferShift;
    /** ceil(2^64 / shared) (0 for 1): fastmod's multiplier. */
    private final long reciprocal;

    SessionBuffers(
            int shared,
            int owned,
            int eventTimeCount,
            int subBufferSize,
            int subBufferCount,
            int headerSize,
            Mode mode,
            TraceClock clock,
            int timestampAt) {
        this.bufferBytes = (long) subBufferSize * subBufferCount;
        this.bufferShift = Long.numberOfTrailingZeros(bufferBytes);
        this.shared = shared;
        this.reciprocal = Long.divideUnsigned(-1L, shared) + 1;
        int count = shared + owned + eventTimeCount;
        Arena arena = Arena.ofShared();
        this.memory = arena.allocate(bufferBytes * count, Long.BYTES);
        this.freeing = UnfreedMemory.register(this, arena);
        this.buffers = new RingBuffer[count];
        for (int i = 0; i < count; i++) {
            RingBuffer.Builder builder = RingBuffer.builder()
                    .subBufferSize(subBufferSize)
                    .subBufferCount(subBufferCount)
                    .headerSize(headerSize)
                    .mode(mode)
                    .clock(clock)
                    .timestampAt(timestampAt)
                    .memory(memory.asSlice(bufferBytes * i, bufferBytes));
            if (i >= shared) {
                builder.singleProducer().clock(clock.unordered());
            }
            buffers[i] = builder.build();
        }
        this.threadBuffers = new ThreadBuffers(
                shared,
                owned,
                eventTimeCount,
                Math.max(64, Integer.highestOneBit(owned) * 8),
                mode == Mode.OVERWRITE); // no drain thread reclaims while it runs
    }

    /**
     * Gives the buffers' memory back, when nothing will touch it again: the session stopped, its
     * writers and drain done (see "Memory" in the design note). Idempotent.
     */
    void free() {
        freeing.free();
    }

    /** The single-producer buffers' owners. */
    ThreadBuffers threadBuffers() {
        return threadBuffers;
    }

    /** {@code (id mod 2^32) mod shared}, by fastmod (see the design note). */
    int sharedIndexOfThread(long id) {
        long low = reciprocal * (id & 0xFFFF_FFFFL);
        return (int) Math.unsignedMultiplyHigh(low, shared);
    }

    /** How many buffers are shared: 0 .. shared-1. */
    int shared() {
        return shared;
    }

    /** The buffer holding {@code place}, a place in {@link #memory()}. */
    int indexOf(long place) {
        return (int) (place >>> bufferShift);
    }

    /** Where buffer {@code index} begins in {@link #memory()}. */
    long startOf(int index) {
        return (long) index << bufferShift;
    }

    RingBuffer buffer(int index) {
        return buffers[index];
    }

    int count() {
        return buffers.length;
    }

    /** All buffers' memory: buffer i is the slice from {@link #startOf(int) startOf(i)}. */
    MemorySegment memory() {
        return memory;
    }
}
