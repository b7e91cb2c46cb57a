package io.tracepoint4j.tracer;

import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.ctf.EventEncoder;
import io.tracepoint4j.ringbuffer.Loss;
import java.lang.foreign.MemorySegment;

/**
 * Records one tracepoint's firings for one session: the {@link ArgumentWriter} of its writer probe.
 * Reserves each record at its exact size in the firing thread's buffer and encodes the arguments in
 * place; allocation-free, lock-free, and keeps no per-thread state (a firing that gives its event's
 * time may wait a moment for its buffer, in a faultable tracepoint: see the design note).
 */
final class TracepointWriter implements ArgumentWriter {
    /*
     * Design note.
     *
     * Handle and cursor: begin() returns (token << 31) | offset, the session SRCU section's token and
     *   the offset in the session's memory where the first argument goes; each write puts its value
     *   at (cursor & OFFSET_MASK) and returns the cursor advanced by the bytes written, which never
     *   carries into the token (a session's memory is below 2 GiB: Session.Builder.build()
     *   refuses more). end() recovers the token, the
     *   record's start (handle offset minus the header and thread id) and its size (cursor minus
     *   start), commits the record and closes the section. Nothing lives between begin() and end()
     *   but these two longs, in the probe's frame: a nested firing (a probe of this tracepoint that
     *   fires another one) writes its own record with its own pair, and a virtual thread that moves
     *   to another carrier loses nothing.
     *
     * Sizes: every value is written at the size begin() reserved for it: fixed types by their
     *   width, strings and byte arrays by sizeOfString/sizeOfBytes, which cap them at maxVariable
     *   bytes (EventEncoder truncates visibly to exactly that size), so end()'s size is the
     *   reservation's. The writes pass maxVariable as the room rather than measure a string twice:
     *   EventEncoder writes the same bytes either way.
     *
     * Buffers: a platform thread writes into its own single-producer buffer (ThreadBuffers), unless
     *   the lifecycle side stole it for a moment; every other thread into a shared one.
     *
     * Event time: a tracepoint that gives its event's time (Tracepoint.Builder.eventTime, e.g. the
     *   JVM's events JFR reports a second late) calls begin(size, epochNanos). The record goes
     *   into the thread's event-time buffer (ThreadBuffers), at that time converted to the
     *   session's clock (TraceClock.tickAtEpochNanos) by RingBuffer.reserveAt, which raises it to
     *   the buffer's last record's if earlier: each stream's time order holds, and the thread's
     *   ordinary records, at now, are in another buffer and raise nothing. Without an event-time
     *   buffer free, the thread's own buffer takes the record (raised to its latest record's time),
     *   or a shared one at now, whose writers are ordered by the clock. While the lifecycle side
     *   holds the event-time buffer (a flush, one grace period), a faultable tracepoint's firing
     *   leaves the section, waits for its return and tries again; a regular one's may not block,
     *   and records into the thread's own buffer if that one is not held (a flush steals only the
     *   buffers it cuts), else a shared one at now (a rotation or a snapshot holds both). A time
     *   before the session's start, or before the last rotation, is raised to it: the
     *   single-producer buffers' floor (Recorder.cutAll, Recorder.startAt).
     *
     * Abandoned firings: a firing that throws between begin() and end() (out of stack) leaves its
     *   section open and maybe its record uncommitted; the thread's next begin() finds its section
     *   above the abandoned one, rewrites the record as an abandoned event and ends the section,
     *   or the drain drops what no thread comes back for: see AbandonedFirings.
     *
     * Memory ordering: begin() reads the recorder's `recording` inside the session's SRCU section
     *   ([RC] in Recorder), and its claim's `stolen` there too ([ST] in ThreadBuffers); the ring
     *   buffer orders the record ([CC] and [CC1] in RingBuffer, via commit()).
     */

    static final long OFFSET_MASK = (1L << 31) - 1;

    /** begin()'s answer when the event-time buffer is stolen and the firing may wait for it. */
    private static final long RETRY = -2;

    private final Recorder recorder;
    private final MemorySegment memory;
    private final short eventId;
    /** Bytes before the first argument: the event header and the thread id. */
    private final int prefix;
    /** prefix plus the fixed-size arguments. */
    private final int fixedSize;
    /** The most bytes one String or byte[] argument takes. */
    private final int maxVariable;
    /** Whether the tracepoint is faultable: its probes, this one too, may block. */
    private final boolean mayBlock;

    private final String description;

    TracepointWriter(
            Recorder recorder,
            int eventId,
            int fixedArgumentBytes,
            int maxVariable,
            boolean mayBlock,
            String description) {
        this.recorder = recorder;
        this.mayBlock = mayBlock;
        this.memory = recorder.memory;
        this.eventId = (short) eventId;
        this.prefix = recorder.eventHeaderSize + Long.BYTES;
        this.fixedSize = prefix + fixedArgumentBytes;
        this.maxVariable = maxVariable;
        this.description = description;
    }

    @Override
    public int sizeOfString(String value) {
        return (int) EventEncoder.stringSize(value, maxVariable);
    }

    @Override
    public int sizeOfBytes(byte[] value) {
        return (int) Math.min(EventEncoder.bytesSize(value), maxVariable);
    }

    @Override
    public long begin(int variableSize) {
        Recorder r = recorder;
        int token = r.openSection();
        if (!r.recordingAcquire()) { // [RC] in Recorder: checked inside the section
            r.domain.readUnlock(token);
            return -1;
        }
        Thread thread = Thread.currentThread();
        long tid = thread.threadId();
        int index;
        ThreadBuffers.Claim own = r.ownBuffer(thread); // inside the section
        if (own != null) {
            index = own.index; // the thread's own single-producer buffer
            r.nameOwner(own, thread, tid, false, 0);
        } else {
            index = sharedIndex(thread, tid);
        }
        long offset = r.buffers.buffer(index).reserve(fixedSize + variableSize);
        return started(token, index, offset, tid);
    }

    /**
     * A firing of a tracepoint that gives its event's time: the record goes into the thread's
     * event-time buffer at that time (see "Event time" in the design note). Off the ordinary path:
     * begin(int) stays small enough to inline.
     */
    @Override
    public long begin(int variableSize, long eventEpochNanos) {
        while (true) {
            long handle = beginAt(variableSize, eventEpochNanos);
            if (handle != RETRY) {
                return handle;
            }
            recorder.awaitEventTimeBuffer(Thread.currentThread()); // outside the section: may block
        }
    }

    /**
     * As begin(int), at {@code eventEpochNanos}; or RETRY, with the section closed again, if the
     * thread's event-time buffer is stolen and this tracepoint's probes may block.
     */
    private long beginAt(int variableSize, long eventEpochNanos) {
        Recorder r = recorder;
        int token = r.openSection();
        if (!r.recordingAcquire()) { // [RC] in Recorder: checked inside the section
            r.domain.readUnlock(token);
            return -1;
        }
        Thread thread = Thread.currentThread();
        long tid = thread.threadId();
        ThreadBuffers.Claim own = r.threadBuffers.forEventTime(thread);
        if (own != null && own.stolenAcquire()) { // [ST] in ThreadBuffers: inside the section
            if (mayBlock) {
                r.domain.readUnlock(token);
                return RETRY;
            }
            own = null; // its own buffer, if not stolen too, else a shared one at now
        } else if (own != null && own.takenFrom != null) {
            r.handOver(own); // taken over from a reporter that ended: see ThreadBuffers
        }
        if (own == null) {
            own = r.ownBuffer(thread); // inside the section
        }
        int index;
        long offset;
        int size = fixedSize + variableSize;
        if (own != null) {
            index = own.index; // a single-producer buffer of the thread's: placed at the event's time
            long time = r.clock.tickAtEpochNanos(eventEpochNanos); // raised to the buffer's floor, if earlier
            r.nameOwner(own, thread, tid, true, time);
            offset = r.buffers.buffer(index).reserveAt(size, time);
        } else {
            index = sharedIndex(thread, tid); // at now: a shared buffer's writers are ordered by the clock
            offset = r.buffers.buffer(index).reserve(size);
        }
        return started(token, index, offset, tid);
    }

    /** The shared buffer of a thread without one of its own, which is named there if need be. */
    private int sharedIndex(Thread thread, long tid) {
        int index = recorder.buffers.sharedIndexOfThread(tid);
        recorder.nameCurrentThread(thread, tid, index);
        return index;
    }

    /**
     * After a reservation of {@code offset} in buffer {@code index}: the handle, with the event id
     * and thread id written; or -1, with the section closed, if the reservation failed.
     */
    private long started(int token, int index, long offset, long tid) {
        if (offset < 0) {
            recorder.domain.readUnlock(token);
            return -1; // counted by the buffer
        }
        long start = recorder.buffers.startOf(index) + offset;
        EventEncoder.putShort(memory, start, eventId); // the timestamp follows: reserve wrote it
        EventEncoder.putLong(memory, start + recorder.eventHeaderSize, tid);
        return ((token & 0xFFFF_FFFFL) << 31) | (start + prefix);
    }

    @Override
    public long writeBoolean(long cursor, boolean value) {
        return advance(cursor, EventEncoder.putBoolean(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeByte(long cursor, byte value) {
        return advance(cursor, EventEncoder.putByte(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeShort(long cursor, short value) {
        return advance(cursor, EventEncoder.putShort(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeChar(long cursor, char value) {
        return advance(cursor, EventEncoder.putChar(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeInt(long cursor, int value) {
        return advance(cursor, EventEncoder.putInt(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeLong(long cursor, long value) {
        return advance(cursor, EventEncoder.putLong(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeFloat(long cursor, float value) {
        return advance(cursor, EventEncoder.putFloat(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public long writeDouble(long cursor, double value) {
        return advance(cursor, EventEncoder.putDouble(memory, cursor & OFFSET_MASK, value));
    }

    /**
     * The string in its reserved size without measuring it again: putString writes what fits in
     * maxVariable bytes, which is exactly what sizeOfString reserved (EventEncoder.stringSize with
     * the same room), and touches no byte past it.
     */
    @Override
    public long writeString(long cursor, String value) {
        long at = cursor & OFFSET_MASK;
        return advance(cursor, EventEncoder.putString(memory, at, at + maxVariable, value));
    }

    /**
     * As writeString: putBytes writes min(its size, maxVariable) bytes, what sizeOfBytes reserved;
     * then the count of the bytes it cut, the array's "_cut" field (in the fixed size), 0 when the
     * whole array fit: the visible mark of a truncated array.
     */
    @Override
    public long writeBytes(long cursor, byte[] value) {
        long at = cursor & OFFSET_MASK;
        long after = EventEncoder.putBytes(memory, at, at + maxVariable, value);
        long cut = value == null ? 0 : value.length - (after - at - Integer.BYTES);
        return advance(cursor, EventEncoder.putInt(memory, after, (int) cut));
    }

    @Override
    public long writeEnum(long cursor, Enum<?> value) {
        return advance(cursor, EventEncoder.putEnum(memory, cursor & OFFSET_MASK, value));
    }

    @Override
    public void end(long handle, long cursor) {
        long start = (handle & OFFSET_MASK) - prefix;
        int size = (int) ((cursor & OFFSET_MASK) - start);
        SessionBuffers buffers = recorder.buffers;
        int index = buffers.indexOf(start);
        buffers.buffer(index).commit(start - buffers.startOf(index), size);
        recorder.domain.readUnlock((int) (handle >>> 31));
    }

    /**
     * A firing nested deeper than the tracepoint allows called no probe: counted as lost to nesting
     * in the firing thread's buffer, while the session records (inside a section, as a record
     * would be: a stop that waited for the session's writers counts it).
     */
    @Override
    public void firingTooDeep() {
        Recorder r = recorder;
        int token = r.openSection();
        try {
            if (r.recordingAcquire()) { // [RC] in Recorder
                Thread thread = Thread.currentThread();
                ThreadBuffers.Claim own = r.ownBuffer(thread);
                int index = own != null ? own.index : r.buffers.sharedIndexOfThread(thread.threadId());
                r.buffers.buffer(index).countLost(Loss.NESTING); // where the thread's records are
            }
        } finally {
            r.domain.readUnlock(token);
        }
    }

    /** The cursor moved to {@code offset}, its token kept. */
    private static long advance(long cursor, long offset) {
        return (cursor & ~OFFSET_MASK) | offset;
    }

    @Override
    public String toString() {
        return description;
    }
}
