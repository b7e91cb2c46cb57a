package io.tracepoint4j.tracer;

import io.tracepoint4j.ctf.EventEncoder;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.rcu.internal.UnnestedSections;
import io.tracepoint4j.ringbuffer.RingBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What a session's writers share on the recording path: the buffers, the session's own SRCU domain,
 * whether it records, and the thread-name cache. One per session.
 */
final class Recorder {
    /*
     * Design note.
     *
     * Overview: every record is written inside a read-side critical section of the session's own
     *   SRCU domain, opened in TracepointWriter.begin() and closed in end(). Stopping (and rotating)
     *   clears `recording` and then waits for a grace period of that domain: every writer that saw
     *   `recording` set began its section before the grace period, so when synchronize() returns it
     *   has committed its record, and none begins another. The wait is for this session's writers
     *   only: not for another session's, not for the tracepoints' domains (a faultable probe blocked
     *   in another session delays nothing here).
     *
     * Memory ordering
     *   [RC] recording: the writer reads it (acquire) after opening its section; stop() writes it
     *        (release) before synchronize(). SRCU's guarantee (a section that began before the grace
     *        period ends before it returns) does the rest: the flag only decides, per section,
     *        whether to write.
     *   [LT] threadEventsLost, threadEventsWritten, recordsDrained, recordsUnwritten: getAndAdd,
     *        counted only; threadEventsLost and recordsUnwritten are read after the drain
     *        finished, the others for progress at any time (eventsDrainedSoFar()), where a count a
     *        moment old is fine. eventsShown: the progress's high-water mark, CAS to a larger value
     *        only; nothing else is ordered by it.
     *   [ST] in ThreadBuffers: a writer reads its claim's `stolen` inside its section
     *        (ownBuffer(), TracepointWriter for an event-time buffer); cutAll() and flush()
     *        steal before the grace period. awaitEventTimeBuffer() reads it outside any section
     *        only to know when to try again: the try reads it again inside its section.
     *
     * Record layout (CTF, see the ctf module's descriptors): the event header (id, timestamp), the
     *   thread id (int64), then the tracepoint's arguments. The ring buffer writes the timestamp
     *   while it reserves (RingBuffer's "Time": timestamps never decrease in a buffer).
     */

    /** How long a writer waits before it looks again whether its event-time buffer was given back. */
    private static final long STOLEN_PARK_NANOS = 20_000L;

    /** The event class of thread names: id 0, fields tid and name. */
    static final int THREAD_EVENT_ID = 0;
    /** The longest thread name written, in bytes (longer ones are truncated, visibly). */
    static final int MAX_THREAD_NAME = 256;

    final SessionBuffers buffers;
    final ThreadBuffers threadBuffers;
    final MemorySegment memory;
    final Srcu domain;
    final TraceClock clock;
    /** Firings that threw between begin() and end(): see AbandonedFirings. */
    final AbandonedFirings abandoned;

    final ThreadNames threadNames;
    /** The event header's size: the first argument of a record follows it and the thread id. */
    final int eventHeaderSize;

    @SuppressWarnings("unused") // accessed through RECORDING
    private boolean recording;

    @SuppressWarnings("unused") // accessed through THREAD_EVENTS_LOST
    private long threadEventsLost;

    @SuppressWarnings("unused") // accessed through THREAD_EVENTS_WRITTEN
    private long threadEventsWritten;

    @SuppressWarnings("unused") // accessed through RECORDS_DRAINED
    private long recordsDrained;

    @SuppressWarnings("unused") // accessed through RECORDS_UNWRITTEN
    private long recordsUnwritten;

    @SuppressWarnings("unused") // accessed through EVENTS_SHOWN
    private long eventsShown;

    Recorder(SessionBuffers buffers, Srcu domain, TraceClock clock, ThreadNames threadNames, int eventHeaderSize) {
        this.buffers = buffers;
        this.threadBuffers = buffers.threadBuffers();
        this.memory = buffers.memory();
        this.domain = domain;
        this.clock = clock;
        this.threadNames = threadNames;
        this.eventHeaderSize = eventHeaderSize;
        this.abandoned = new AbandonedFirings(this);
    }

    /**
     * Opens a writer's section of the session's domain: readLock(), and first, if the thread's
     * earlier firings left sections open under it, their ending (AbandonedFirings.endBelow).
     */
    int openSection() {
        int token = domain.readLock();
        if (!UnnestedSections.outermost(token)) { // the thread's earlier firings threw inside their sections
            token = abandoned.endBelow(token, Thread.currentThread());
        }
        return token;
    }

    boolean recordingAcquire() {
        return (boolean) RECORDING.getAcquire(this);
    }

    void setRecordingRelease(boolean value) {
        RECORDING.setRelease(this, value);
    }

    /**
     * Thread events lost (their reservation failed): the buffers count them with the events they
     * lose, which the session's event counts leave out.
     */
    long threadEventsLostVolatile() {
        return (long) THREAD_EVENTS_LOST.getVolatile(this);
    }

    /** Counts {@code records} written to the trace, thread events included: by the drain, per packet. */
    void countDrained(long records) {
        RECORDS_DRAINED.getAndAdd(this, records); // [LT]
    }

    /**
     * The events (thread events left out) written to the trace so far, for progress: the records
     * the drain wrote minus the thread events committed, which may include a few the drain has not
     * written yet, so the count may lag by those until the stop. Never less than an earlier
     * answer: a thread event committed while the drain writes nothing (it stopped on a full disk)
     * would make the difference go down.
     */
    long eventsDrainedSoFar() {
        long records = (long) RECORDS_DRAINED.getVolatile(this); // [LT]
        long events = records - (long) THREAD_EVENTS_WRITTEN.getVolatile(this); // [LT]
        long shown;
        do {
            shown = eventsShownVolatile(); // [LT]
            if (events <= shown) {
                return shown;
            }
        } while (!casEventsShown(shown, events)); // [LT]
        return events;
    }

    private long eventsShownVolatile() {
        return (long) EVENTS_SHOWN.getVolatile(this);
    }

    private boolean casEventsShown(long expected, long shown) {
        return EVENTS_SHOWN.compareAndSet(this, expected, shown);
    }

    /** Counts {@code records} that never reached the trace: consumed at the stop after a write failure. */
    void countUnwritten(long records) {
        RECORDS_UNWRITTEN.getAndAdd(this, records); // [LT]
    }

    /** The records counted by countUnwritten(), read after the drain finished. */
    long recordsUnwrittenVolatile() {
        return (long) RECORDS_UNWRITTEN.getVolatile(this); // [LT]
    }

    /**
     * Writes the current thread's name as a thread event into shared buffer {@code bufferIndex}, if
     * the session has not yet in this chunk (ThreadNames decides); inside the caller's section. A
     * lost thread event is counted as the ring buffer loses any record; the next event of the thread
     * tries again.
     */
    void nameCurrentThread(Thread thread, long tid, int bufferIndex) {
        ThreadNames.Named named = threadNames.claim(thread, tid);
        if (named != null && !writeThreadName(named.name, tid, bufferIndex, false, 0)) {
            threadNames.forget(named);
        }
    }

    /**
     * Writes {@code thread}'s name as a thread event into its own buffer {@code own}, if it has not
     * yet, or was renamed since it did (a renamed pool thread's later events show its new name,
     * as a filter on $thread sees it); inside the caller's section. At the clock's now, or at
     * {@code time} if {@code timed}, as writeThreadName.
     */
    void nameOwner(ThreadBuffers.Claim own, Thread thread, long tid, boolean timed, long time) {
        String name = thread.getName();
        if (own.namedAs != name) { // compared as objects: setName makes a new String, getName returns it
            own.namedAs = writeThreadName(name, tid, own.index, timed, time) ? name : null;
        }
    }

    /**
     * Writes a thread event naming thread {@code tid} {@code name} into buffer {@code bufferIndex}, at the clock's
     * now, or at {@code time} if {@code timed} (a single-producer buffer, RingBuffer.reserveAt:
     * before an event placed at that time); inside the caller's section.
     *
     * @return whether it was written (else it was counted as lost)
     */
    boolean writeThreadName(String name, long tid, int bufferIndex, boolean timed, long time) {
        int nameSize = (int) EventEncoder.stringSize(name, MAX_THREAD_NAME); // what putString writes in that room
        int size = eventHeaderSize + Long.BYTES + nameSize;
        RingBuffer buffer = buffers.buffer(bufferIndex);
        long offset = timed ? buffer.reserveAt(size, time) : buffer.reserve(size);
        if (offset < 0) {
            THREAD_EVENTS_LOST.getAndAdd(this, 1L); // [LT]
            return false;
        }
        long start = buffers.startOf(bufferIndex) + offset;
        long at =
                EventEncoder.putShort(memory, start, (short) THREAD_EVENT_ID) + Long.BYTES; // the timestamp: reserve's
        at = EventEncoder.putLong(memory, at, tid);
        EventEncoder.putString(memory, at, start + size, name);
        // [LT] before the commit, so that the drain never writes it uncounted: progress subtracts
        // it from the records drained, and would read one too high (and keep it) in between
        THREAD_EVENTS_WRITTEN.getAndAdd(this, 1L); // once per thread named: off the event's path
        buffer.commit(offset, size);
        return true;
    }

    /**
     * Cuts every buffer (RingBuffer.cut()) and waits for a grace period of the session's domain,
     * after which every record reserved before a cut is committed: for a rotation, a snapshot
     * (the periodic flush is flush(), which cuts only what stayed open). The single-producer
     * buffers are stolen from their writers first and cut after the grace period, when they are
     * the caller's alone ([ST] in ThreadBuffers); records written meanwhile go to the shared
     * buffers, except a faultable tracepoint's records placed at their event's time, which wait
     * for their buffer (TracepointWriter). For one lifecycle caller at a time.
     *
     * @param notBefore a time of the session's clock read before the call: the records reserved
     *     after a cut are stamped no earlier (RingBuffer.cut(long): a rotation's new chunk begins
     *     after it, also for events placed in the past); Long.MIN_VALUE for a snapshot
     * @return per buffer, the sequence number of the first sub-buffer after its cut
     */
    long[] cutAll(long notBefore) {
        threadBuffers.stealAll();
        try {
            long[] boundaries = new long[buffers.count()];
            for (int i = 0; i < buffers.shared(); i++) {
                boundaries[i] = buffers.buffer(i).cut();
            }
            domain.synchronize(); // [ST] in ThreadBuffers; and the shared cuts' records are committed
            for (int i = buffers.shared(); i < boundaries.length; i++) {
                boundaries[i] = buffers.buffer(i).cut(notBefore);
            }
            return boundaries;
        } finally {
            threadBuffers.returnAll(); // always: a faultable firing may be waiting for its buffer
        }
    }

    /**
     * The drain's periodic flush: closes each buffer's open sub-buffer unless the buffer moved on
     * to another sub-buffer since the previous flush, so that no record waits on a buffer longer
     * than two flushes. {@code state} holds, per buffer, its {@link RingBuffer#writeSequence()} at
     * the previous flush, and the flush's steal in progress, and is updated here. A buffer that
     * moved on is left alone, its sub-buffers fill and close on their own; one with nothing open
     * (unused, or idle since its last cut) is not touched either. So a busy thread keeps its
     * single-producer buffer: stealing it would send the thread's records to a shared buffer for a
     * grace period, a slower path, whose first use also deoptimizes the thread's compiled firing
     * code (bench/README.md, "Grace periods"). A single-producer buffer left open is stolen, and
     * cut once a grace period of the session's domain polled then has ended (finishSteal(), which
     * the drain also calls at each of its rounds): the drain never waits for one, so a thread
     * that holds a section a firing cut short left open (AbandonedFirings) holds up only the
     * buffers stolen meanwhile, whose writers record into shared buffers until it ends the
     * section. One steal at a time: a flush while one is in progress steals nothing more. For the
     * drain thread only.
     */
    void flush(FlushState state) {
        finishSteal(state);
        long[] seen = state.seen;
        boolean[] stealing = null; // per buffer; made on the first one stolen
        for (int i = 0; i < seen.length; i++) {
            if (state.stolen != null && state.stolen[i]) {
                continue; // stolen, its grace period still running
            }
            long sequence = buffers.buffer(i).writeSequence();
            if (sequence != seen[i]) {
                seen[i] = sequence; // its writers moved on since the last flush
            } else if (!buffers.buffer(i).hasOpenSubBuffer()) {
                continue; // nothing to close: no steal, no grace period
            } else if (i < buffers.shared()) {
                seen[i] = buffers.buffer(i).cut(); // a shared buffer: by a CAS, under its writers' feet
            } else if (state.stolen == null) {
                stealing = stealing != null ? stealing : new boolean[seen.length];
                stealing[i] = true;
                threadBuffers.steal(i); // [ST] in ThreadBuffers
            }
        }
        if (stealing != null) {
            state.stolen = stealing;
            state.cookie = domain.startPoll(); // [ST] in ThreadBuffers: after the steals
        }
    }

    /**
     * The flush's steal, if one is in progress and its grace period has ended: cuts the stolen
     * buffers, theirs now ([ST] in ThreadBuffers), and gives them back. For the drain thread only.
     */
    void finishSteal(FlushState state) {
        boolean[] stolen = state.stolen;
        if (stolen == null || !domain.pollState(state.cookie)) {
            return;
        }
        state.stolen = null;
        try {
            for (int i = 0; i < stolen.length; i++) {
                if (stolen[i]) {
                    state.seen[i] = buffers.buffer(i).cut(); // the sequence after the cut: writeSequence() now
                }
            }
        } finally {
            for (int i = 0; i < stolen.length; i++) {
                if (stolen[i]) {
                    threadBuffers.giveBack(i); // always: a faultable firing may be waiting for its buffer
                }
            }
        }
    }

    /** What the drain's flush keeps from one call to the next (flush()); the drain thread's own. */
    static final class FlushState {
        /** Per buffer: its writeSequence() at the previous flush (Long.MIN_VALUE before the first). */
        final long[] seen;
        /** Per buffer: stolen by the steal in progress; null while none is. */
        boolean[] stolen;
        /** The cookie of the steal's grace period. */
        long cookie;

        FlushState(int buffers) {
            seen = new long[buffers];
            java.util.Arrays.fill(seen, Long.MIN_VALUE);
        }
    }

    /**
     * Before the session records ({@code recording} still false, so no writer runs): records
     * placed at their event's time are stamped no earlier than {@code tick}, the session's start,
     * as cutAll(notBefore) does for a rotation. An event time before it (before the machine
     * booted, for the clock's tick 0) would put a packet before the trace began.
     */
    void startAt(long tick) {
        for (int i = buffers.shared(); i < buffers.count(); i++) {
            buffers.buffer(i).cut(tick); // nothing is open yet: this only sets the floor
        }
    }

    /**
     * The claim of {@code thread}'s own buffer if it may write into it now (it has one, and the
     * lifecycle side has not stolen it), else null: it writes into a shared buffer. Inside the
     * caller's section ([ST] in ThreadBuffers).
     */
    ThreadBuffers.Claim ownBuffer(Thread thread) {
        ThreadBuffers.Claim claim = threadBuffers.of(thread);
        if (claim == null || claim.stolenAcquire()) { // [ST] in ThreadBuffers
            return null;
        }
        if (claim.takenFrom != null) {
            handOver(claim);
        }
        return claim;
    }

    /**
     * The first use of {@code claim} after its new owner, the current thread, took it over from
     * one that ended, inside the owner's section and with the buffer not stolen ("Taking over" in
     * ThreadBuffers): mends the record the ended owner may have left reserved, and keeps its name
     * for a snapshot's thread names.
     */
    void handOver(ThreadBuffers.Claim claim) {
        ThreadNames.Named ended = claim.takenFrom;
        claim.takenFrom = null;
        abandoned.mend(claim, ended.id);
        threadNames.remember(ended);
    }

    /**
     * Waits, outside any section of the session, while the lifecycle side holds {@code thread}'s
     * event-time buffer (a flush, a rotation: one grace period of the session's domain).
     */
    void awaitEventTimeBuffer(Thread thread) {
        ThreadBuffers.Claim claim = threadBuffers.eventTimeClaimOf(thread);
        while (claim != null && claim.stolenAcquire() && recordingAcquire()) { // [ST], [RC]
            LockSupport.parkNanos(STOLEN_PARK_NANOS);
        }
    }

    /** The threads a trace being started must name: those named through the cache, and the buffers' owners. */
    List<ThreadNames.Named> threadsToName() {
        List<ThreadNames.Named> threads = threadNames.named();
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (ThreadNames.Named named : threads) {
            ids.add(named.id);
        }
        for (Thread owner : threadBuffers.owners()) {
            if (ids.add(owner.threadId())) {
                threads.add(ThreadNames.Named.of(owner));
            }
        }
        return threads;
    }

    private static final VarHandle RECORDING;
    private static final VarHandle THREAD_EVENTS_LOST;
    private static final VarHandle THREAD_EVENTS_WRITTEN;
    private static final VarHandle RECORDS_DRAINED;
    private static final VarHandle RECORDS_UNWRITTEN;
    private static final VarHandle EVENTS_SHOWN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RECORDING = lookup.findVarHandle(Recorder.class, "recording", boolean.class);
            THREAD_EVENTS_LOST = lookup.findVarHandle(Recorder.class, "threadEventsLost", long.class);
            THREAD_EVENTS_WRITTEN = lookup.findVarHandle(Recorder.class, "threadEventsWritten", long.class);
            RECORDS_DRAINED = lookup.findVarHandle(Recorder.class, "recordsDrained", long.class);
            RECORDS_UNWRITTEN = lookup.findVarHandle(Recorder.class, "recordsUnwritten", long.class);
            EVENTS_SHOWN = lookup.findVarHandle(Recorder.class, "eventsShown", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
