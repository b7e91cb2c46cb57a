package io.tracepoint4j.ringbuffer;

/** Why a record was lost: every lost record is counted under one cause ({@link RingBuffer#lost(Loss)}). */
public enum Loss {
    /** DISCARD mode: the buffer was full of records the consumer had not read yet. */
    BUFFER_FULL,
    /** The record is larger than a sub-buffer's room for records. */
    TOO_LARGE,
    /**
     * The sub-buffer to write into next still has a record reserved but not committed from its
     * previous use: a writer stalled inside it (descheduled, or blocked in a probe) for a whole lap,
     * or the consumer's {@link RingBuffer#switchSubBuffer()} was, which reserves the rest of the
     * sub-buffer it closes as a writer does (in OVERWRITE mode a writer laps a small buffer quickly,
     * so a consumer that switches often while a thread writes hard sees this).
     */
    SUB_BUFFER_BUSY,
    /** Counted by the buffer's owner: recording was nested deeper than it allows (a probe firing a tracepoint). */
    NESTING,
    /**
     * The record was in a sub-buffer that could never be complete: a writer reserved room in it
     * and threw before its commit (out of stack), so the consumer dropped it ({@link
     * RingBuffer#dropAbandoned(long)}). The abandoned reservation itself is not counted: it is no
     * record.
     */
    ABANDONED
}
