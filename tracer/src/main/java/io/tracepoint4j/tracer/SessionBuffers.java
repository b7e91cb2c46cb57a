package io.tracepoint4j.tracer;

import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A session's ring buffers: a fixed number of them, slices of one segment, so a writer's position
 * anywhere in them is one long (an offset in {@link #memory()}), and memory is bounded by the
 * session's configuration whatever the number of threads.
 */
final class SessionBuffers {
    /*
     * Design note.
     *
     * Threads to buffers: a thread writes into buffer (threadId mod count). Ring buffers are
     *   multi-producer (a CAS per reservation), so sharing is always correct; with count at least
     *   the number of CPUs, platform threads mostly find their buffer to themselves, and the CAS
     *   is uncontended (the per-CPU buffers of LTTng without knowing the CPU). A virtual thread
     *   keeps its buffer when it moves to another carrier: nothing depends on the carrier, and a
     *   record reserved before the move is committed after it, into the same buffer. 100,000
     *   virtual threads share the same count of buffers: memory never grows with threads. No
     *   buffer belongs to a thread, so none needs reclaiming when a thread ends.
     *
     * Arithmetic on the write path, without a division (a 64-bit idiv is 20 ns or more here):
     *   the index is tid mod count by Lemire's fastmod (a multiply by the precomputed ceil(2^64 /
     *   count), then the high half of a multiply by count; exact for ids below 2^32, and ids are
     *   taken mod 2^32 first), and a buffer's bytes are a power of two, so a place in the memory
     *   splits into buffer and offset by a shift.
     *
     * Concurrency: the buffers are immutable after construction; see RingBuffer for the rest.
     */

    private final RingBuffer[] buffers;
    private final MemorySegment memory;
    private final long bufferBytes;
    /** log2(bufferBytes): subBufferSize and subBufferCount are powers of two. */
    private final int bufferShift;
    /** ceil(2^64 / count) (0 for count 1): fastmod's multiplier. */
    private final long reciprocal;

    SessionBuffers(
            int count,
            int subBufferSize,
            int subBufferCount,
            int headerSize,
            Mode mode,
            TraceClock clock,
            int timestampAt) {
        this.bufferBytes = (long) subBufferSize * subBufferCount;
        this.bufferShift = Long.numberOfTrailingZeros(bufferBytes);
        this.reciprocal = Long.divideUnsigned(-1L, count) + 1;
        this.memory = Arena.ofAuto().allocate(bufferBytes * count, Long.BYTES);
        this.buffers = new RingBuffer[count];
        for (int i = 0; i < count; i++) {
            buffers[i] = RingBuffer.builder()
                    .subBufferSize(subBufferSize)
                    .subBufferCount(subBufferCount)
                    .headerSize(headerSize)
                    .mode(mode)
                    .clock(clock)
                    .timestampAt(timestampAt)
                    .memory(memory.asSlice(bufferBytes * i, bufferBytes))
                    .build();
        }
    }

    /** The buffer the current thread writes into: its id mod count (ids taken mod 2^32). */
    int indexForCurrentThread() {
        return indexOfThread(Thread.currentThread().threadId());
    }

    /** {@code (id mod 2^32) mod count}, by fastmod (see the design note). */
    int indexOfThread(long id) {
        long low = reciprocal * (id & 0xFFFF_FFFFL);
        return (int) Math.unsignedMultiplyHigh(low, buffers.length);
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
