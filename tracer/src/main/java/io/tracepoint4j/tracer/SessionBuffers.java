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
     * Concurrency: the buffers are immutable after construction; see RingBuffer for the rest.
     */

    private final RingBuffer[] buffers;
    private final MemorySegment memory;
    private final long bufferBytes;

    SessionBuffers(
            int count,
            int subBufferSize,
            int subBufferCount,
            int headerSize,
            Mode mode,
            TraceClock clock,
            int timestampAt) {
        this.bufferBytes = (long) subBufferSize * subBufferCount;
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

    /** The buffer the current thread writes into. */
    int indexForCurrentThread() {
        return (int) (Thread.currentThread().threadId() % buffers.length);
    }

    RingBuffer buffer(int index) {
        return buffers[index];
    }

    int count() {
        return buffers.length;
    }

    /** All buffers' memory: buffer i is the slice from {@code i * bufferBytes()}. */
    MemorySegment memory() {
        return memory;
    }

    long bufferBytes() {
        return bufferBytes;
    }
}
