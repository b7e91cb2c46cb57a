package io.tracepoint4j.ringbuffer;

import java.lang.foreign.MemorySegment;

/**
 * A complete sub-buffer handed to a {@link SubBufferConsumer}: valid during the call only. A class,
 * not a record: a record's generated methods link through invokedynamic, which the runtime modules
 * avoid (see NoInvokeDynamicTest).
 */
public final class SubBuffer {
    private final MemorySegment memory;
    private final long sequence;
    private final long contentEnd;
    private final long records;
    private final long beginTime;
    private final long endTime;
    private final long lostTotal;

    SubBuffer(
            MemorySegment memory,
            long sequence,
            long contentEnd,
            long records,
            long beginTime,
            long endTime,
            long lostTotal) {
        this.memory = memory;
        this.sequence = sequence;
        this.contentEnd = contentEnd;
        this.records = records;
        this.beginTime = beginTime;
        this.endTime = endTime;
        this.lostTotal = lostTotal;
    }

    /**
     * The sub-buffer's bytes: {@code headerSize} bytes of header room (the consumer may write them),
     * then records up to {@link #contentEnd()}, then padding. In OVERWRITE mode, a copy.
     */
    public MemorySegment memory() {
        return memory;
    }

    /**
     * The sub-buffer's number since the buffer began, from 0: one more than the previous one handed
     * over, unless sub-buffers were overwritten in between (OVERWRITE mode).
     */
    public long sequence() {
        return sequence;
    }

    /** Where the records end, in bytes from the sub-buffer's start; padding follows. */
    public long contentEnd() {
        return contentEnd;
    }

    /** The records it holds (each reservation committed into it; headers and padding are not records). */
    public long records() {
        return records;
    }

    /** The clock when the sub-buffer was opened: not after its first record's timestamp. */
    public long beginTime() {
        return beginTime;
    }

    /**
     * When it was closed: the clock then, or, in a single-producer buffer, its last record's
     * timestamp; never before its last record's timestamp, never after the next sub-buffer's
     * begin time.
     */
    public long endTime() {
        return endTime;
    }

    /**
     * The buffer's lost records of every cause up to this sub-buffer's end (counted when it was
     * closed): never less than for an earlier sub-buffer.
     */
    public long lostTotal() {
        return lostTotal;
    }

    @Override
    public String toString() {
        return "sub-buffer " + sequence + " (" + records + " records, content " + contentEnd + " bytes, time "
                + beginTime + ".." + endTime + ", lost so far " + lostTotal + ")";
    }
}
