package io.tracepoint4j.ringbuffer;

/** What a writer does when the consumer has not yet read the sub-buffer it would write into next. */
public enum Mode {
    /** The new record is dropped and counted ({@link Loss#BUFFER_FULL}): the trace keeps the oldest records. */
    DISCARD,
    /**
     * The oldest sub-buffer is overwritten: the buffer keeps the newest records (a flight recorder).
     * The consumer skips what was overwritten; its sub-buffers' sequence numbers show the gap.
     */
    OVERWRITE
}
