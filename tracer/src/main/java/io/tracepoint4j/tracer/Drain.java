package io.tracepoint4j.tracer;

import io.tracepoint4j.ctf.CtfTrace;
import io.tracepoint4j.ctf.EventEncoder;
import io.tracepoint4j.ctf.PacketFields;
import io.tracepoint4j.ctf.Packets;
import io.tracepoint4j.ctf.StreamFile;
import io.tracepoint4j.ctf.StreamWriter;
import io.tracepoint4j.rcu.internal.LibraryThreads;
import io.tracepoint4j.ringbuffer.Mode;
import io.tracepoint4j.ringbuffer.RingBuffer;
import io.tracepoint4j.ringbuffer.SubBuffer;
import io.tracepoint4j.ringbuffer.SubBufferConsumer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The consumer of a session's buffers for one trace (a chunk, a snapshot): hands their complete
 * sub-buffers, as CTF packets, to the trace's stream files (one per buffer). In DISCARD mode a
 * thread of its own streams them as they fill, and closes the sub-buffers that stay open so that a
 * trace being recorded is readable up to a second or so ago; an OVERWRITE (flight
 * recorder) session writes only when asked (a snapshot, the stop).
 */
final class Drain implements Runnable {
    /*
     * Design note.
     *
     * Flush: every FLUSH_NANOS the drain closes the sub-buffers that were already open at the
     *   previous flush (Recorder.flush), so that the trace on disk is at most two flushes, about a
     *   second, behind; a single-producer buffer only after stealing it from its writer for a
     *   grace period of the session's domain ([ST] in ThreadBuffers), which the drain polls at
     *   each round (Recorder.finishSteal), never waits for. The buffers of busy writers,
     *   which open sub-buffers all the time, are left alone: stealing those once a second cost
     *   every recorded event about 8 ns (bench/README.md, "Grace periods"). It also reclaims, each
     *   round, the buffers of threads that ended (ThreadBuffers.reclaimEnded).
     *
     * Polling: writers never wake the drain (that would be a system call on the write path); it
     *   polls every millisecond while there are packets to write and every 20 ms when idle, so a
     *   burst finds it awake after its first full sub-buffer.
     *
     * Concurrency: a RingBuffer's consumer side is for one thread at a time. The drain thread is
     *   that thread while it runs; every other method is called by the session's lifecycle
     *   operations (stop, rotate, snapshot), serialized by the session, and only after
     *   stopThread() returned (or with no thread started): the join orders the two.
     *
     * Memory ordering
     *   [DS] stopping: volatile; stopThread() sets it, the loop reads it each round and ends.
     *        `failure` needs nothing: join() orders the thread's write before stopThread() reads it.
     *
     * Rotation: drainUntil(boundaries, next) hands each buffer's sub-buffers of sequence numbers
     *   below boundaries[i] (RingBuffer.cut(long)) to this trace and the later ones to `next`'s: each
     *   record lands in exactly one chunk, in order. Session's design note says why every record
     *   below a boundary is committed by then.
     *
     * Packet numbers: babeltrace2 counts the events a stream lost between two of its packets, but
     *   those lost before its first packet it reports without their number ("may have discarded"),
     *   and a DISCARD stream's first packet already counts what the buffer refused while the drain
     *   had not taken it yet. So in DISCARD mode a packet is numbered its sub-buffer's sequence
     *   number + 1, and in the session's first chunk every stream begins with packet 0, which holds
     *   no event and lost nothing, at the time of the packet after it: every loss then lies
     *   between two packets. The numbers go on across chunks (packet_seq_num and events_discarded
     *   count from the session's start), as babeltrace2 merges the chunks of one session, which
     *   share its trace UUID, into one trace. OVERWRITE traces number packets by sequence alone:
     *   the gap before their first packet is what was overwritten before it.
     *
     * Abandoned reservations: a firing that threw between its reservation and its commit (out of
     *   stack) and that its writer could not finish (AbandonedFirings) leaves a sub-buffer short
     *   of its commit count: the drain would wait at it, and the buffer's writers would be refused
     *   from then on. Every record is reserved inside a section of the session's domain, so once a
     *   grace period that began after the sub-buffer closed has ended, whatever is still missing
     *   was abandoned: the sub-buffer is dropped, its records counted lost (Loss.ABANDONED,
     *   RingBuffer.dropAbandoned), and the drain goes on. The thread polls that grace period (no
     *   wait: an abandoned section the thread never ends would hold it forever): a flush that
     *   finds a buffer stuck at a closed sub-buffer starts one (startPoll), and a later flush that
     *   finds it stuck there still, with the grace period over, drops it, and drains on past every
     *   later sub-buffer short of its count that was already closed when the poll began (the
     *   same grace period covers their writers: one per burst of abandoned records, not one per
     *   sub-buffer, during which the buffer's writers are refused). The flush's steals
     *   poll theirs too, so the drain goes on writing while a thread holds an abandoned section. The lifecycle side,
     *   after the grace periods it waits for anyway (stop, rotation, snapshot), drops what is
     *   stuck before its cuts (drainPastAbandoned).
     *
     * Copies (OVERWRITE): writers go on while a snapshot writes, and a hot one fills a small
     *   buffer many times during a single packet's disk write, so RingBuffer.consume copies every
     *   sub-buffer complete at the call out of the buffer before the first is written (copying one,
     *   writing it, then copying the next made a snapshot of such a writer empty, or chased it for
     *   as long as it kept up). The room is one buffer's size, allocated for each buffer's
     *   hand-over and freed when it returns, thrown or not: a snapshot takes that much memory more
     *   while it copies, an OVERWRITE session none while it records.
     *
     * Failure modes: an IOException writing a packet (disk full, folder removed) ends the drain
     *   thread, with a warning logged at once: the trace stays readable up to its last complete
     *   packet (CtfTrace writes whole packets), writers keep running into buffers no one drains,
     *   which soon count their events as lost (BUFFER_FULL), and the traced application sees no
     *   exception. The session reports the failure when stopped or rotated; the stop takes the
     *   records still in the buffers out unwritten (discardAll()) and counts them as lost, so that
     *   the trace's events and the losses still add up to the events recorded.
     */

    /** The pause after a round that found nothing to write, and after one that wrote packets. */
    private static final long IDLE_PARK_NANOS = 20_000_000L;

    private static final long BUSY_PARK_NANOS = 1_000_000L;
    private static final long FLUSH_NANOS = 500_000_000L;

    private final String sessionName;
    private final Warnings warnings;
    private final Recorder recorder;
    private final SessionBuffers buffers;
    private final CtfTrace trace;
    private final Mode mode;
    private final ToStream[] streams;
    private Thread thread; // set by start(), before the thread runs; read by the lifecycle thread
    private volatile boolean stopping; // [DS]
    /** The drain thread's write failure: set by it before it ends, read after join(). */
    private IOException failure;

    /**
     * The drain of {@code trace}; {@code first}: the session's first trace (its first chunk, or
     * the one an OVERWRITE session writes), whose streams begin with a leading packet in DISCARD
     * mode (see "Packet numbers" in the design note).
     */
    Drain(String sessionName, Warnings warnings, Recorder recorder, CtfTrace trace, Mode mode, boolean first)
            throws IOException {
        this.sessionName = sessionName;
        this.warnings = warnings;
        this.recorder = recorder;
        this.buffers = recorder.buffers;
        this.trace = trace;
        this.mode = mode;
        this.streams = new ToStream[buffers.count()];
        boolean numbered = mode == Mode.DISCARD;
        for (int i = 0; i < streams.length; i++) {
            streams[i] = new ToStream(
                    trace.openStream(0, i), buffers.buffer(i).subBufferSize(), recorder, numbered, first && numbered);
        }
    }

    /** In DISCARD mode, starts the thread that streams the packets; an OVERWRITE session has none. */
    void start() {
        if (mode != Mode.DISCARD) {
            return;
        }
        thread = LibraryThreads.unstarted("tracepoint4j-session-" + sessionName, this);
        thread.start();
    }

    @Override
    public void run() {
        long nextFlush = System.nanoTime() + FLUSH_NANOS;
        Recorder.FlushState flushing = new Recorder.FlushState(buffers.count());
        long[] stuck = new long[buffers.count()]; // per buffer: the sub-buffer it waited at, at the last flush
        java.util.Arrays.fill(stuck, -1);
        long[] stuckCookies = new long[buffers.count()]; // per buffer: the grace period polled for stuck[i]
        long[] closedBefore = new long[buffers.count()]; // per buffer: every sub-buffer below it closed at that poll
        try {
            while (!stopping) { // [DS]
                recorder.finishSteal(flushing); // a polled grace period: see Recorder.flush
                if (System.nanoTime() - nextFlush >= 0) {
                    recorder.flush(flushing);
                    pollStuck(stuck, stuckCookies, closedBefore);
                    nextFlush = System.nanoTime() + FLUSH_NANOS;
                }
                recorder.threadBuffers.reclaimEnded(reclaimer);
                int written = drainAll();
                LockSupport.parkNanos(written > 0 ? BUSY_PARK_NANOS : IDLE_PARK_NANOS);
            }
        } catch (IOException e) {
            failure = e;
            warnings.say(
                    "session " + sessionName + ": cannot write the trace in " + trace.folder() + ": " + e.getMessage()
                            + ". Events recorded from now on are counted as lost until the session stops.",
                    null);
        }
    }

    /**
     * The drain thread's part, at each flush: drops each sub-buffer a buffer has waited at since
     * an earlier flush, once the grace period polled then has ended, and with it every other
     * sub-buffer still short of its count that was closed when that grace period was polled (see
     * "Abandoned reservations"): a thread that abandoned records in many sub-buffers costs one
     * grace period, not one per sub-buffer. {@code stuck}, {@code cookies} and {@code
     * closedBefore} hold, per buffer, the sub-buffer, that grace period's cookie and the buffer's
     * write sequence read before it, and are updated here.
     */
    private void pollStuck(long[] stuck, long[] cookies, long[] closedBefore) throws IOException {
        for (int i = 0; i < stuck.length; i++) {
            long sequence = buffers.buffer(i).stuckSubBuffer();
            if (sequence < 0) {
                stuck[i] = -1; // complete, or nothing closed to wait at
            } else if (sequence != stuck[i]) {
                stuck[i] = sequence;
                closedBefore[i] = buffers.buffer(i).writeSequence(); // read before the grace period begins
                cookies[i] = recorder.domain.startPoll(); // begins after those sub-buffers closed
            } else if (recorder.domain.pollState(cookies[i])) { // every writer that reserved in them is done
                dropStuckBefore(i, closedBefore[i]);
                stuck[i] = -1;
            }
        }
    }

    /**
     * The lifecycle side's part, after a grace period that began after the cuts ({@code
     * boundaries}, per buffer the first sequence after its cut; null: every sub-buffer, at the
     * stop): drops each sub-buffer before its buffer's cut that is still short of its count, and
     * drains on past it (see "Abandoned reservations").
     */
    void drainPastAbandoned(long[] boundaries) throws IOException {
        for (int i = 0; i < buffers.count(); i++) {
            dropStuckBefore(i, boundaries == null ? Long.MAX_VALUE : boundaries[i]);
        }
    }

    /**
     * Drops each sub-buffer of buffer {@code index} below sequence {@code boundary} that the drain
     * waits at, short of its count, and drains on past it; every writer that reserved in those is
     * done (the caller's grace period).
     */
    private void dropStuckBefore(int index, long boundary) throws IOException {
        RingBuffer buffer = buffers.buffer(index);
        long sequence;
        while ((sequence = buffer.stuckSubBuffer()) >= 0 && sequence < boundary) {
            drop(index, sequence);
            consume(buffer, streams[index]);
        }
    }

    /**
     * Drops sub-buffer {@code sequence} of buffer {@code index} (RingBuffer.dropAbandoned). The
     * thread events it held are gone with it: a shared buffer's threads are named again (the
     * cache forgets them all; a name written twice costs a record), so that later packets say
     * whose events they hold.
     */
    private void drop(int index, long sequence) {
        if (index < buffers.shared()) {
            recorder.threadNames.clear(); // first: a firing that sees the drop counted names its thread after it
        }
        buffers.buffer(index).dropAbandoned(sequence);
    }

    /**
     * At an exit that does not wait for the stop: asks the drain thread, if one runs, to end after
     * the round it is in, and waits at most {@code nanos} for it.
     */
    void stopThreadWithin(long nanos) {
        if (thread == null) {
            return;
        }
        askToStop();
        try {
            thread.join(java.time.Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the drain thread, if one runs, and waits for it to end.
     *
     * @return the write failure that ended it, if any
     */
    IOException stopThread() {
        if (thread == null) {
            return null;
        }
        askToStop();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return failure;
    }

    /** Tells the drain thread to end at its next check, and wakes it. */
    private void askToStop() {
        stopping = true; // [DS] the loop ends at its next check
        LockSupport.unpark(thread);
    }

    /** Writes the last records of a thread that ended, before its buffer is freed. A class: no lambda here. */
    private final ThreadBuffers.Reclaimer reclaimer = new ThreadBuffers.Reclaimer() {
        @Override
        public void reclaim(int index) throws IOException {
            buffers.buffer(index).switchSubBuffer(); // its owner ended: the drain is its only user
            consume(buffers.buffer(index), streams[index]);
        }
    };

    /**
     * Closes every buffer's open sub-buffer, so that it is consumed once its records are committed.
     * Only when no writer can run (after the stop's grace period); with writers running,
     * Recorder.cutAll(long) does it.
     */
    void switchAll() {
        for (int i = 0; i < buffers.count(); i++) {
            buffers.buffer(i).switchSubBuffer();
        }
    }

    /**
     * At a stop, after the last drainAll(): for each buffer that lost records after its last
     * packet (a firing nested too deep, a record too large, with no sub-buffer opened since), an
     * empty packet at {@code now} that carries the count, so that the trace, and babeltrace2,
     * report every loss.
     */
    void trailLosses(long now) throws IOException {
        for (int i = 0; i < buffers.count(); i++) {
            RingBuffer buffer = buffers.buffer(i);
            long lost = buffer.unhandedLosses();
            if (lost >= 0) {
                streams[i].trail(lost, buffer.writeSequence(), now);
            }
        }
    }

    /** Writes every complete sub-buffer into this trace; returns how many. */
    int drainAll() throws IOException {
        int written = 0;
        for (int i = 0; i < buffers.count(); i++) {
            written += consume(buffers.buffer(i), streams[i]);
        }
        return written;
    }

    /**
     * After a write failure, at the stop: takes every complete sub-buffer out of the buffers without
     * writing it, counting its records as never written (Recorder.countUnwritten), so that the
     * session's losses include them. Only when no writer can run, after switchAll().
     */
    void discardAll() {
        for (int i = 0; i < buffers.count(); i++) {
            handOver(buffers.buffer(i), unwritten);
        }
    }

    /** Counts the records of each sub-buffer it is handed. A class: no lambda here. */
    private final SubBufferConsumer unwritten = new SubBufferConsumer() {
        @Override
        public void accept(SubBuffer sub) {
            recorder.countUnwritten(sub.records());
        }
    };

    /**
     * Writes every complete sub-buffer of buffer i below sequence {@code boundaries[i]} into this
     * trace, and those from it on into {@code next}'s (a rotation).
     */
    void drainUntil(long[] boundaries, Drain next) throws IOException {
        for (int i = 0; i < buffers.count(); i++) {
            streams[i].until = boundaries[i];
            streams[i].then = next.streams[i];
            consume(buffers.buffer(i), streams[i]);
        }
    }

    /**
     * Writes, as a stream of its own, a thread event for each of {@code threads}, stamped {@code
     * timestamp}: a snapshot's events may come from threads whose first event, which named them,
     * was overwritten long ago.
     */
    void writeThreadNames(List<ThreadNames.Named> threads, long timestamp) throws IOException {
        StreamWriter out = trace.openWriter(0, buffers.count(), 64 * 1024);
        for (ThreadNames.Named thread : threads) {
            long nameSize = EventEncoder.stringSize(thread.name, Recorder.MAX_THREAD_NAME);
            long at = out.begin(Recorder.THREAD_EVENT_ID, timestamp, Long.BYTES + nameSize);
            at = EventEncoder.putLong(out.segment(), at, thread.id);
            out.commit(EventEncoder.putString(out.segment(), at, at + nameSize, thread.name));
        }
        out.close();
    }

    /**
     * The time to stamp this trace's thread names at: {@code before} ticks before the earliest
     * begin time of the packets it received, or {@code fallback} if it received none. Readers sort
     * events of one time by stream, and the names' stream comes last: at the time of the first
     * event (in babeltrace2's nanoseconds, which hold several ticks) they would follow it.
     */
    long namesTime(long fallback, long before) {
        long first = Long.MAX_VALUE;
        for (ToStream stream : streams) {
            first = Math.min(first, stream.firstTime);
        }
        return first == Long.MAX_VALUE ? fallback : first - before;
    }

    /** Closes the trace (its metadata and stream files). */
    void closeTrace() throws IOException {
        trace.close();
    }

    CtfTrace trace() {
        return trace;
    }

    private int consume(RingBuffer buffer, ToStream stream) throws IOException {
        try {
            return handOver(buffer, stream);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * RingBuffer.consume: in OVERWRITE mode with room for a copy of the whole buffer, made for
     * this call and freed when it returns, thrown or not (see "Copies" in the design note).
     */
    private int handOver(RingBuffer buffer, SubBufferConsumer consumer) {
        if (mode != Mode.OVERWRITE) {
            return buffer.consume(consumer, null);
        }
        try (Arena copies = Arena.ofConfined()) {
            return buffer.consume(
                    consumer, copies.allocate((long) buffer.subBufferSize() * buffer.subBufferCount(), Long.BYTES));
        }
    }

    /** Finishes each sub-buffer as a CTF packet and appends it to the stream file. */
    private static final class ToStream implements SubBufferConsumer {
        private final StreamFile stream;
        /** The most bytes a packet takes: the sub-buffer's. */
        private final int packetSize;

        private final Recorder recorder;
        /** Reused for every packet of the stream: one consumer thread at a time is its only user. */
        private final PacketFields fields;
        /** Sub-buffers from this sequence number on go to `then` (a rotation's next chunk). */
        long until = Long.MAX_VALUE;

        ToStream then;
        /** The earliest packet begin time written. */
        long firstTime = Long.MAX_VALUE;
        /** The latest packet end time written. */
        private long lastTime = Long.MIN_VALUE;
        /** Added to a sub-buffer's sequence number to make its packet's: 1 past a leading packet. */
        private final long numberOffset;
        /** Whether the leading packet is still to be written, before the first packet. */
        private boolean leadingDue;

        ToStream(StreamFile stream, int packetSize, Recorder recorder, boolean numbered, boolean leading) {
            this.stream = stream;
            this.packetSize = packetSize;
            this.recorder = recorder;
            this.fields = stream.newPacketFields();
            this.numberOffset = numbered ? 1 : 0;
            this.leadingDue = leading;
        }

        @Override
        public void accept(SubBuffer sub) {
            if (sub.sequence() >= until) {
                then.accept(sub);
                return;
            }
            try {
                if (leadingDue) {
                    lead(sub.beginTime());
                }
                long size = packetBytes(sub.contentEnd());
                fields.timestampBegin(sub.beginTime())
                        .timestampEnd(sub.endTime())
                        .contentSize(sub.contentEnd())
                        .packetSize(size)
                        .eventsDiscarded(sub.lostTotal())
                        .sequenceNumber(sub.sequence() + numberOffset);
                Packets.finish(sub.memory(), fields);
                stream.append(sub.memory().asSlice(0, size));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            recorder.countDrained(sub.records());
            firstTime = Math.min(firstTime, sub.beginTime());
            lastTime = Math.max(lastTime, sub.endTime());
        }

        /**
         * The bytes of the packet of a sub-buffer whose content ends at {@code contentEnd}: the
         * content rounded up to 8 bytes, as LTTng ends a packet at its content's page, rather than
         * the whole sub-buffer. A sub-buffer closed early (a flush every half second, a quiet
         * thread's) would otherwise put its unused part on disk: 256 KiB for a few events.
         */
        private long packetBytes(long contentEnd) {
            return Math.min((contentEnd + Long.BYTES - 1) & -Long.BYTES, packetSize);
        }

        /** Packet 0: no event, nothing lost, at the time of the packet after it. */
        private void lead(long time) throws IOException {
            leadingDue = false;
            empty(time, 0, 0);
        }

        /**
         * The last packet, at a stop: no event, {@code lost} the buffer's lost count, numbered as
         * the sub-buffer of {@code sequence} would be (the next one, never opened), at {@code
         * now} or the last packet's end if later (a stream's times never go back).
         */
        void trail(long lost, long sequence, long now) throws IOException {
            long time = Math.max(now, lastTime);
            if (leadingDue) {
                lead(time);
            }
            empty(time, lost, sequence + numberOffset);
            lastTime = time;
        }

        /** A packet of no event at {@code time}: the header and context alone. */
        private void empty(long time, long lost, long number) throws IOException {
            int size = fields.layout().eventsOffset();
            MemorySegment packet = Arena.ofAuto().allocate(size); // at most twice per stream and session
            fields.timestampBegin(time)
                    .timestampEnd(time)
                    .contentSize(size)
                    .packetSize(size)
                    .eventsDiscarded(lost)
                    .sequenceNumber(number);
            Packets.finish(packet, fields);
            stream.append(packet);
        }
    }
}
