package io.tracepoint4j.tracer;

import io.tracepoint4j.ctf.EventEncoder;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.internal.UnnestedSections;
import io.tracepoint4j.ringbuffer.RingBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Recorded firings that threw between their writer's begin() and end(): the thread's next begin()
 * in the session ends the sections they left open and rewrites the record they left in its own
 * buffer as a {@code tracepoint4j:abandoned} event, so that the session's stop, rotations and
 * snapshots do not wait for them forever. One per session.
 */
final class AbandonedFirings {
    /*
     * Design note.
     *
     * Why: instrumented code that recurses to the stack's limit, firing a recorded tracepoint at
     *   every level, and catches the StackOverflowError (a parser meeting input nested too deep)
     *   gets the error wherever a call meets the limit, inside the session's writer too. A firing
     *   cut short there leaves its section of the session's domain open (every grace period of the
     *   domain waits for it: the session's stop, rotations, snapshots and exit hook would hang) and
     *   maybe its record reserved and uncommitted (its sub-buffer never reaches the drain, nor do
     *   the sub-buffers after it). Measured before this class (AbandonedRecordMain, 40 overflows):
     *   39 sections left open and the stop hung; the thread's own buffer wrote nothing after the
     *   first overflow.
     *
     * Not where it fails: near the stack's limit every call checks the stack and throws again, and
     *   the writer's calls go deep (a VarHandle or a downcall is several frames in the
     *   interpreter), so a catch block at the failing depth that ends the section or commits the
     *   record fails as the firing did. Measured: a catch in the writer probe around the writes
     *   was never reached in 80 overflows, the error struck deeper inside begin() and end(). So
     *   the repair comes later, from shallower frames:
     *   1. The thread's next begin() in the session. The session's writers never nest their
     *      sections (only the writer's own code runs between begin() and end(), and it fires
     *      nothing), so a section opened at a level above 1 sits on abandoned ones
     *      (UnnestedSections.outermost, a mask and a compare). Before it ends them, the writer
     *      looks in the thread's single-producer buffers (its own, its event-time one) for a
     *      record reserved and never committed (RingBuffer.uncommittedBytes(): exactly the last
     *      record missing), rewrites and commits it. Why the buffer is still the thread's: the firing that left the record
     *      there read `stolen` false inside its section ([ST] in ThreadBuffers), so that section
     *      began before any steal's grace period that could cut the buffer after it, and such a
     *      grace period waits for it; the thread mends the record before it ends the section.
     *      The order matters. A section abandoned by a firing that found its buffer stolen left
     *      nothing there, and the look (RingBuffer.uncommittedBytes()) may meet the lifecycle
     *      side cutting the buffer: it then finds nothing to mend.
     *   2. The drain, for the rest: a record in a shared buffer (a virtual thread's, or a
     *      thread's whose buffer was stolen then), or one RingBuffer does not find exactly
     *      (uncommittedBytes(): more than the last record missing). Nothing per thread says where
     *      it is, so once a grace period shows every writer that reserved in its sub-buffer done,
     *      the drain drops the sub-buffer and counts its records lost (see "Abandoned
     *      reservations" in Drain).
     *   A thread that never records into the session again keeps its abandoned section open, as
     *   a thread that never fires again keeps a tracepoint's (the tracepoint module's "Failure
     *   modes"); one that ends releases it. The session's stop detaches its probes only after its
     *   grace period, so that a firing while it waits still ends such a section (it records
     *   nothing: recording is off); the exit hook gives up after a while (Session's
     *   writersDoneAtExit); the drain goes on writing (it polls its grace periods). The domain's stall report names the thread and says so (StallAdvice:
     *   no writer frame on its stack).
     *
     * The event: the record keeps its size and timestamp (RingBuffer.restampLast: the reservation
     *   may have thrown before it stamped it); its id becomes ABANDONED_EVENT_ID and the rest one
     *   string field, "note" ("thread 25: a firing threw before its record was complete"), cut
     *   to the room and padded with spaces, then its NUL. Every record has room for 7 characters:
     *   the event header and the thread id come before any argument. It counts as a recorded
     *   event (the drain counts records), so babeltrace2 prints as many events as the session
     *   says.
     *
     * Memory ordering
     *   [AB] rewritten: getAndAdd after the commit, counted only; the stop reads it after its grace
     *        period (a thread that mends a record later is not in that count).
     */

    /** The event class of abandoned records: id 1, one string field, "note". */
    static final int ABANDONED_EVENT_ID = 1;

    private static final byte[] THREAD = "thread ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COLON = ": ".getBytes(StandardCharsets.US_ASCII);
    /** The note after the thread's id: ASCII, so that a cut anywhere leaves valid UTF-8. */
    private static final byte[] NOTE =
            "a firing threw before its record was complete".getBytes(StandardCharsets.US_ASCII);

    private final MemorySegment memory;
    private final int eventHeaderSize;
    private final SessionBuffers buffers;
    private final ThreadBuffers threadBuffers;
    private final UnnestedSections sections;

    @SuppressWarnings("unused") // accessed through REWRITTEN
    private long rewritten; // [AB]

    AbandonedFirings(Recorder recorder) {
        this.memory = recorder.memory;
        this.eventHeaderSize = recorder.eventHeaderSize;
        this.buffers = recorder.buffers;
        this.threadBuffers = recorder.threadBuffers;
        this.sections = (UnnestedSections) recorder.domain; // an SRCU domain is one: the rcu module's own
    }

    /**
     * begin()'s way out of the sections below {@code token}, which {@code thread}'s firings
     * abandoned (the design note's 1): commits the record they left in the thread's own buffers,
     * if any, ends them all and opens a new section, whose token it returns.
     */
    int endBelow(int token, Thread thread) {
        long tid = thread.threadId();
        mend(threadBuffers.held(thread), tid); // held, not taken: a free one is no record of ours
        mend(threadBuffers.eventTimeClaimOf(thread), tid);
        return sections.restart(token);
    }

    /**
     * The uncommitted record of the single-producer buffer {@code claim} (may be null) of the
     * calling thread, rewritten as an abandoned event of thread {@code tid} and committed (see "1."
     * in the design note for why the buffer is the thread's while it does so, stolen or not; and
     * ThreadBuffers' "Taking over" for a buffer a thread that ended left).
     */
    void mend(ThreadBuffers.Claim claim, long tid) {
        if (claim == null) {
            return;
        }
        RingBuffer buffer = buffers.buffer(claim.index);
        int size = buffer.uncommittedBytes();
        if (size > 0) {
            long offset = buffer.restampLast(size);
            rewrite(buffers.startOf(claim.index) + offset, size, tid);
            buffer.commit(offset, size);
            REWRITTEN.getAndAdd(this, 1L); // [AB] once committed: a retry after a throw counts once
        }
    }

    /**
     * Rewrites the {@code size} bytes at {@code start} in the session's memory, a record reserved
     * and stamped, as an abandoned event of thread {@code tid}. The caller commits it.
     */
    private void rewrite(long start, int size, long tid) {
        EventEncoder.putShort(memory, start, (short) ABANDONED_EVENT_ID); // the timestamp follows: reserve's
        long at = start + eventHeaderSize;
        long nul = start + size - 1;
        at = putCut(at, nul, THREAD);
        at = putDigits(at, nul, tid);
        at = putCut(at, nul, COLON);
        at = putCut(at, nul, NOTE);
        while (at < nul) {
            at = EventEncoder.putByte(memory, at, (byte) ' ');
        }
        EventEncoder.putByte(memory, nul, (byte) 0);
    }

    /** The records rewritten as abandoned events so far. */
    long rewrittenVolatile() {
        return (long) REWRITTEN.getVolatile(this); // [AB]
    }

    /** As many of {@code bytes} as fit before {@code end}; returns where the next byte goes. */
    private long putCut(long at, long end, byte[] bytes) {
        for (int i = 0; i < bytes.length && at < end; i++) {
            at = EventEncoder.putByte(memory, at, bytes[i]);
        }
        return at;
    }

    /** The decimal digits of {@code value} (not negative: a thread id), as many as fit before {@code end}. */
    private long putDigits(long at, long end, long value) {
        long unit = 1;
        while (value / unit >= 10) {
            unit *= 10;
        }
        for (; unit > 0 && at < end; unit /= 10) {
            at = EventEncoder.putByte(memory, at, (byte) ('0' + value / unit % 10));
        }
        return at;
    }

    /**
     * What the stall reports of a session's domain add: a thread found inside a section while no
     * writer of the session's is on its stack left that section behind (see the design note).
     */
    static final class StallAdvice implements RcuDomain.StallAdvice {
        private final String session;

        StallAdvice(String session) {
            this.session = session;
        }

        @Override
        public String advise(Thread stalled, StackTraceElement[] stack) {
            for (StackTraceElement frame : stack) {
                if (frame.getClassName().equals(WRITER)) {
                    return null; // a record in the making: no advice for that
                }
            }
            return "The thread is in no firing session " + session + " records: one of its firings, cut short by an"
                    + " error (a StackOverflowError caught in code that recursed to the stack's limit), left this"
                    + " section open. Its next firing the session records ends it, and so does its end; until"
                    + " then the session's stop, rotations and snapshots wait for it";
        }
    }

    /** The class whose frames show a record in the making. */
    private static final String WRITER = TracepointWriter.class.getName();

    private static final VarHandle REWRITTEN;

    static {
        try {
            REWRITTEN = MethodHandles.lookup().findVarHandle(AbandonedFirings.class, "rewritten", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
