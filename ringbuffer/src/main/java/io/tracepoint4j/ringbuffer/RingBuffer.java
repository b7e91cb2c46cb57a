package io.tracepoint4j.ringbuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A buffer of variable-size records, written by any number of threads without locks and drained by
 * one consumer, split into {@code subBufferCount} sub-buffers of {@code subBufferSize} bytes (the
 * packets of a trace). A writer {@link #reserve reserves} room for a record, writes it into
 * {@link #memory()} at the offset returned, and {@link #commit commits} it; the consumer
 * {@link #consume consumes} each sub-buffer once every record reserved in it is committed, never
 * seeing a torn or half-written record. Each sub-buffer starts with {@code headerSize} bytes that
 * the consumer fills (a packet header); records never straddle two sub-buffers.
 *
 * <p>When the writers catch up with the consumer, {@link Mode#DISCARD} drops new records and
 * {@link Mode#OVERWRITE} overwrites the oldest sub-buffers (a flight recorder). Every dropped record
 * is counted by cause ({@link Loss}); overwritten sub-buffers show as gaps in the sub-buffers'
 * {@link SubBuffer#sequence() sequence numbers}.
 *
 * <p>Writers: lock-free (a CAS loop on the write position), no allocation, no system call. The
 * consumer: one thread at a time (the methods marked so), never blocking a writer.
 *
 * <p>Memory consistency effects: actions of a writer before {@link #commit} happen-before the
 * consumer's reading of that record in {@link #consume}.
 */
public final class RingBuffer extends WriterLine.After {
    /*
     * Design note.
     *
     * Overview (LTTng's ring buffer, Desnoyers 2009, chapter 5, without per-CPU buffers)
     *   Positions are free-running byte counts: position p lies in sub-buffer index (p / S) % N, at
     *   byte p % (N * S) of the memory, in that index's "use" p / (S * N). writePosition is where the
     *   next reservation begins; a reservation is a CAS of writePosition from o to o + size (plus
     *   padding and a header when it opens a sub-buffer). Every use of a sub-buffer is exactly S
     *   bytes: the header, records, and padding to its end, each committed by the writer that
     *   reserved it, so commitCounts[i], the bytes ever committed into index i, reaches (use+1) * S
     *   exactly when that use is complete. That is all the consumer waits for.
     *
     *   Record counts ride on the same words: a record's commit adds RECORD (2^32) to its bytes, a
     *   header's or padding's adds bytes only, so commitCounts[i] = bytes + 2^32 * records, mod 2^64,
     *   of index i ever. A use is complete when count - (use+1) * S, computed in 64 bits, has its low
     *   32 bits zero: then its bytes are exactly (use+1) * S (the bytes' own carries into the high
     *   half cancel in the subtraction), and its high half counts the records ever committed. The
     *   low half alone cannot lie where a decision rests on it: a writer's check reads the count
     *   of a use within S <= 2^30 of the expected bytes, or holds a stale view that fails its CAS;
     *   the DISCARD consumer's, a count that cannot pass the use it waits for. The OVERWRITE
     *   consumer may see writers lap the index 2^32 / S times between its loads and take a lapped
     *   count for complete: that copy is dropped by its [SL] validation, which follows every load
     *   of the count and the stamps (beginRecords included). The
     *   opener of a use stamps the records count it read when it checked the previous use complete
     *   (beginRecords, final then: no writer commits into the index until the opener's claim), so the
     *   consumer gets a sub-buffer's records as the difference, without a cost on the writer's path.
     *
     *   Opening and closing: a reservation that starts a sub-buffer also reserves its header
     *   (committed at once; the consumer writes it) and stamps its begin time. A reservation that
     *   does not fit in the rest of the current sub-buffer reserves the rest as padding (committed
     *   at once), stamps the closed sub-buffer's content size and end time, and opens the next one.
     *   One that ends exactly at the boundary closes the sub-buffer too. switchSubBuffer() closes
     *   the current one from the consumer's side, as a reservation of its padding.
     *
     *   Time: the clock is read inside the CAS loop, after reading writePosition; a CAS that
     *   succeeds proves no reservation succeeded since that read, so every record placed before
     *   this one read the clock before this one did: timestamps never decrease with position.
     *
     *   Full: a reservation that opens use k of index i first checks that use k-1 of i is complete
     *   (commitCounts[i] == k * S, else Loss.SUB_BUFFER_BUSY: a writer is still inside it, maybe a
     *   stalled or descheduled thread), and in DISCARD mode that the consumer has consumed it
     *   (consumedPosition, else Loss.BUFFER_FULL). Both checks precede the CAS; a stale view never
     *   admits wrongly (see [CP]), and a refusal counts only if writePosition has not moved since
     *   the writer read it: else another writer opened that sub-buffer meanwhile (the refusal saw
     *   its header committed) and the writer retries, so that writers racing to open a sub-buffer
     *   lose nothing.
     *
     *   OVERWRITE: writers do not wait for the consumer, so the consumer copies a sub-buffer out and
     *   then checks that no writer reserved into that index's next use meanwhile (a seqlock read,
     *   [SL]); if one did, the copy is dropped and the sub-buffer counts as overwritten. A consumer
     *   that fell a whole buffer behind skips to the oldest use still intact. It copies as many
     *   sub-buffers as its scratch holds before handing any over, and stops at the one open when
     *   it was called: a hand-over may be slow (a disk write), and a hot writer fills a small
     *   buffer many times during one. A count short of the use it looks at is a writer inside it
     *   only if no writer claimed the index's next use meanwhile (the claim precedes the commits
     *   the count shows): else the sub-buffer was overwritten, and it skips on.
     *
     * Concurrency: writers race only on the CAS of writePosition; after it, each writes its own
     *   bytes and adds to commitCounts with getAndAdd. The per-index stamps (content end, begin and
     *   end time, lost count) are plain fields written by the one writer that opened or closed that use, before
     *   its release of commitCounts; the consumer reads them after its acquire of the complete count.
     *   The consumer's methods are for one thread at a time (the owner serializes them).
     *
     * Memory ordering
     *   [WP] writePosition: CAS (volatile) by writers and switchSubBuffer(); acquire loads elsewhere.
     *        The CAS orders a writer's reads of consumedPosition and commitCounts (the checks) before
     *        its claim, and its later writes of the record after the claim (the seqlock's writer side,
     *        [SL]).
     *   [CC] commitCounts[i]: getAndAdd (volatile: release) by the writer after writing its record
     *        or its stamps; acquire load by the consumer, which then reads the records and stamps
     *        (message passing). Also read (acquire) by a writer opening index i's next use.
     *   [CP] consumedPosition: release store by the consumer after it finished reading a sub-buffer;
     *        acquire load by writers in DISCARD mode before they claim that sub-buffer's next use, so
     *        the consumer's reads of it happen-before the writer's overwriting stores (no torn read
     *        in DISCARD mode, without a copy).
     *   [SL] OVERWRITE's copy-then-validate: the consumer copies the sub-buffer (plain loads), then
     *        an acquireFence, then loads writePosition. A writer claims with the CAS [WP] before it
     *        stores into the sub-buffer's next use. If the copy saw any such store, the load after
     *        the fence sees the claim, and the copy is dropped (StampedLock.validate's pattern).
     *   [LC] lost counters: getAndAdd, counted only; no ordering relied on.
     *   [WP1] single producer: the claim is a release store of writePosition followed by a
     *        storeStoreFence, so that, as with the CAS of [WP], the claim is visible before any
     *        store into the claimed bytes ([SL]), and the consumer's acquire loads see it.
     *   [CC1] single producer: a commit is a release store of the count plus the bytes (the
     *        writer is the count's only writer); pairs with the consumer's acquire as [CC].
     *
     * Single producer (Builder.singleProducer(): a buffer of one writing thread at a time, whose
     *   owner excludes the consumer's switches while it writes): the same layout and consumer, but
     *   the writer owns writePosition and commitCounts, so a claim is a release store instead of
     *   a CAS and a commit a release store of the new count instead of a getAndAdd ([WP1], [CC1]);
     *   x86 compiles both to plain stores. Its timestamps are made non-decreasing by the writer
     *   itself (each at least the last, `lastTime`), so its clock may be read without ordering
     *   (an rdtsc without lfence), and a record may be placed at a time of the past (reserveAt: an
     *   event reported late), raised to lastTime if earlier. switchSubBuffer()/cut() are then for
     *   the owner to call when no reserve() or commit() runs, ordered with them by happens-before
     *   (the owner's protocol).
     *
     * Closing at the last record (single producer): a switch stamps the sub-buffer it closes with
     *   lastTime, its last record's time, not the clock's now. The next sub-buffer's records are at
     *   least lastTime, so packets still follow one another in time; were a periodic flush to close
     *   at now, every record placed in the past after it would be raised to the flush's time.
     *   cut(notBefore) raises lastTime for a rotation, whose new chunk must begin after the cut.
     *
     * Losses: the writer that closes a sub-buffer stamps it with the buffer's lost count then
     *   (lostAtClose), which the consumer hands over with it: a packet says the losses up to its
     *   end, as LTTng's switch writes them into the packet it closes, not those counted up to the
     *   moment it is drained (in DISCARD mode, while the buffer is full, those lie after the newer
     *   sub-buffers). Two writers may close consecutive sub-buffers in the other order (the first
     *   descheduled between its claim and its stamp), so the consumer hands over the larger of the
     *   stamp and the last count it handed: the counts never decrease from one packet to the next.
     *   The newest sub-buffer, with none opened after it (a full DISCARD buffer refuses to open
     *   one; a flush closed it), goes with the count at its hand-over instead: losses counted
     *   after its end belong to no later packet yet, and may never (the session stops), so they
     *   ride with it, a packet early in time rather than lost from the trace; a later packet's
     *   count covers the rest. Those counted after the last hand-over, at the end of it all,
     *   unhandedLosses() gives the consumer to carry in a packet of its own.
     *
     * Abandoned reservations: a writer that throws between its reservation and its commit (out of
     *   stack) leaves its sub-buffer short of its count forever: the consumer waits at it, and
     *   writers coming round to its index are refused (SUB_BUFFER_BUSY). A single producer's
     *   writer finds its own again if exactly its last record is missing (uncommittedBytes(),
     *   which lastSize, stored with each claim, makes sure of), writes it anew and commits it.
     *   Its look may run while the owner switches the buffer (its user cannot always tell: the
     *   tracer's writer, mending at its next record, may find its buffer being cut): a switch
     *   stores lastSize = 0 before its release of the position, and the look acquires the
     *   position before it reads lastSize, so it sees the switch whole (lastSize 0), or sees
     *   the old position, against which the padding's commit, if seen, leaves nothing missing
     *   or less than nothing: either way it finds 0. Any other is the consumer's: once nothing that reserved in the
     *   sub-buffer still writes (the buffer cannot tell; its user's read-side sections can),
     *   dropAbandoned() adds the missing bytes to the count (no record weight: the index's next
     *   opener stamps its records right) and moves past it, counting its committed records lost.
     *
     * Invariants: consumedPosition is a multiple of S and never passes the start of the sub-buffer
     *   writePosition lies in; (commitCounts[i] mod S) counts the bytes of index i's current use
     *   committed so far (S divides 2^32), and commitCounts[i] / 2^32 - beginRecords[i], mod 2^32,
     *   the records committed into it.
     *
     * Layout: writePosition and lastTime, which writers store to on every record, sit on a cache
     *   line of their own (WriterLine), so that the writers of two buffers whose objects lie side by
     *   side in memory do not share a line.
     *
     * References: LTTng-UST src/common/ringbuffer/frontend_api.h (lib_ring_buffer_reserve,
     *   commit), ring_buffer_frontend.c (switch, consumer get/put); Desnoyers' thesis, chapter 5.
     */

    private final int subBufferSize;
    private final int subBufferCount;
    private final int headerSize;
    private final Mode mode;
    private final Clock clock;
    private final MemorySegment memory;
    /** log2(subBufferSize), for index arithmetic. */
    private final int subBufferShift;
    /** memory.byteSize() - 1: a position's offset in memory is position & memoryMask. */
    private final long memoryMask;
    /** Where in a record reserve() writes the record's timestamp, or -1. */
    private final int timestampAt;
    /** The least bytes a record has: 1, or room for its timestamp. */
    private final int minRecordSize;
    /** One writing thread at a time: see "Single producer" in the design note. */
    private final boolean singleProducer;
    // writePosition ([WP]) and lastTime: in WriterLine, on a cache line of their own
    /** [CP] The start of the next sub-buffer the consumer will read; written by the consumer only. */
    @SuppressWarnings("unused") // accessed through CONSUMED_POSITION
    private long consumedPosition;
    /** [CC] Per sub-buffer index, bytes ever committed plus RECORD times the records ever committed. */
    private final long[] commitCounts;
    /** A record's weight in a commit count: records are counted in its high 32 bits. */
    private static final long RECORD = 1L << 32;
    /** The low half of a commit count: its bytes, mod 2^32. */
    private static final long BYTES_MASK = RECORD - 1;
    /** Per index, stamped by the writer that closed its current use: content end within it, in bytes. */
    private final long[] contentEnds;
    /** Per index: its current use's begin and end times (see "Closing at the last record" for the end). */
    private final long[] beginTimes;
    /** Per index, stamped by the writer that opened its current use: the records committed into its earlier uses. */
    private final long[] beginRecords;

    private final long[] endTimes;
    /** Per index, stamped by the writer that closed its current use: the buffer's lost records then. */
    private final long[] lostAtClose;
    /** The lost count the consumer handed with the last sub-buffer; consumer only. */
    private long lostHanded;
    /** [LC] Lost records by cause, indexed by Loss ordinal. */
    private final long[] lost = new long[Loss.values().length];
    /** Sub-buffers overwritten before the consumer read them (OVERWRITE); consumer only. */
    private long overwritten;

    private RingBuffer(Builder builder) {
        this.subBufferSize = builder.subBufferSize;
        this.subBufferCount = builder.subBufferCount;
        this.headerSize = builder.headerSize;
        this.mode = builder.mode;
        this.clock = builder.clock;
        this.subBufferShift = Integer.numberOfTrailingZeros(subBufferSize);
        this.timestampAt = builder.timestampAt;
        this.minRecordSize = timestampAt >= 0 ? timestampAt + Long.BYTES : 1;
        this.singleProducer = builder.singleProducer;
        long bytes = (long) subBufferSize * subBufferCount;
        // freed by the garbage collector once unreachable: a writer still holding the buffer can
        // never touch freed memory, whatever the owner's shutdown order
        this.memory = builder.memory != null ? builder.memory : Arena.ofAuto().allocate(bytes, Long.BYTES);
        this.memoryMask = bytes - 1;
        this.commitCounts = new long[subBufferCount];
        this.contentEnds = new long[subBufferCount];
        this.beginTimes = new long[subBufferCount];
        this.beginRecords = new long[subBufferCount];
        this.endTimes = new long[subBufferCount];
        this.lostAtClose = new long[subBufferCount];
    }

    /** A builder; the defaults are 4 sub-buffers of 64 KiB, no header, DISCARD, System.nanoTime(). */
    public static Builder builder() {
        return new Builder();
    }

    // ---- writers ----

    /**
     * Reserves {@code size} bytes for a record, and reads the clock for it (written into the record
     * at {@link Builder#timestampAt}, if set). On success the record's bytes are {@link #memory()}
     * from the returned offset on, to be written and then committed with {@link #commit(long, int)}:
     * every reservation must be committed, or its sub-buffer is never consumed (and its index refuses
     * writers, {@link Loss#SUB_BUFFER_BUSY}, when they come round again). On failure the record is
     * counted as lost and nothing is to be committed.
     *
     * <p>Lock-free; no allocation, no per-thread state.
     *
     * @param size the record's size in bytes, at least 1
     * @return the record's offset in {@link #memory()}, or -1 if it was lost
     */
    public long reserve(int size) {
        if (!fits(size)) {
            return refuseSize(size);
        }
        if (singleProducer) {
            return reserveSingle(size, clock.now());
        }
        while (true) {
            long from = writePositionAcquire(); // [WP]
            long time = clock.now(); // after the read of writePosition: see "Time" in the design note
            long opened = opening(from, size);
            long end = (opened >= 0 ? opened + headerSize : from) + size;
            long previousUse = 0; // the commit count of the index `opened` lies in, if it opens one
            if (opened >= 0) {
                previousUse = commitCountAcquire(index(opened)); // [CC]
                Loss refused = refusalToOpen(opened, previousUse);
                if (refused != null) {
                    if (writePositionAcquire() != from) { // [WP] another writer moved on: our view is stale
                        continue; // its opening may be ours to use; no loss
                    }
                    countLost(refused);
                    return -1;
                }
            }
            if (casWritePosition(from, end)) { // [WP] the claim
                return placed(from, opened, previousUse, end, size, time);
            }
        }
    }

    /**
     * Commits a record reserved with {@link #reserve}: its bytes are complete. Wait-free.
     *
     * <p>Memory consistency effects: the writer's stores before this call happen-before the
     * consumer's reading of the record.
     *
     * @param offset what {@link #reserve} returned
     * @param size the size reserved
     */
    public void commit(long offset, int size) {
        addCommitted(offset, size + RECORD); // an offset lies in the same sub-buffer index as its position
    }

    /**
     * Single producer, its writer's own call: the size of the writer's last reservation if that was
     * never committed (the writer threw between {@link #reserve} and {@link #commit}), else 0. Such
     * a record keeps its sub-buffer from the consumer until it is committed: the writer may write it
     * again, at {@link #restampLast(int)}, and commit it. Only the last reservation can be the one:
     * the writer commits each before it reserves the next, and nothing but the writer moves the
     * write position while it writes (see {@link Builder#singleProducer()}). 0 also when more than
     * that record is missing (a reservation that opened the sub-buffer and threw before it
     * committed the header, an earlier record abandoned and not mended, a previous owner's), or
     * when a switch came after it: such a sub-buffer is the consumer's to drop ({@link
     * #dropAbandoned}). It may run while the owner switches or cuts the buffer: it then finds 0
     * (see "Abandoned reservations" in the design note).
     *
     * @throws UnsupportedOperationException if this buffer is not single-producer
     */
    public int uncommittedBytes() {
        requireSingleProducer("uncommittedBytes");
        long end = writePositionAcquire(); // [WP1] before lastSize: see "Abandoned reservations"
        int size = lastSize;
        if (size == 0 || end == 0) {
            return 0; // nothing reserved yet, or a switch's padding ends the position
        }
        long last = end - 1; // the last byte reserved: its sub-buffer holds the last reservation
        long use = last / ((long) subBufferSize * subBufferCount);
        long reserved = (last & (subBufferSize - 1L)) + 1; // of that use: header, padding and records
        long committed = (commitCountAcquire(index(last)) - use * subBufferSize) & BYTES_MASK; // [CC1]
        // exactly the last record missing: anything else (its header missing too, an earlier record
        // abandoned and not mended, a previous owner's) is the consumer's to drop (dropAbandoned)
        return reserved - committed == size ? size : 0;
    }

    /**
     * Single producer, its writer's own call, for a record {@link #uncommittedBytes()} found: stamps
     * the last {@code size} bytes reserved with the time they were reserved at (at {@link
     * Builder#timestampAt}, if set: the reservation may have thrown before it stamped them; the
     * buffer took that time before it claimed them), and the sub-buffer's close if they end it,
     * and returns their offset in {@link #memory()}, to be written and committed as a reserved
     * record.
     *
     * @throws UnsupportedOperationException if this buffer is not single-producer
     */
    public long restampLast(int size) {
        requireSingleProducer("restampLast");
        long end = writePositionPlain();
        if ((end & (subBufferSize - 1L)) == 0) { // it ended its sub-buffer, maybe before it stamped the close
            stampClose(end - 1, subBufferSize, lastTime); // as placed() does: published by the commit
        }
        long offset = (end - size) & memoryMask;
        if (timestampAt >= 0) {
            memory.set(TIMESTAMP, offset + timestampAt, lastTime); // reserveSingle's time, set before its claim
        }
        return offset;
    }

    private void requireSingleProducer(String method) {
        if (!singleProducer) {
            throw new UnsupportedOperationException(
                    method + ": only a single-producer buffer knows its writer's last reservation");
        }
    }

    /**
     * As {@link #reserve}, with the record stamped {@code time} instead of the clock's now: for an
     * event that happened before it was reported (read from the same clock, at most its now). A
     * time earlier than the buffer's last record's is raised to it, so that timestamps still never
     * decrease; such a record placed late costs the buffer nothing else. Single-producer buffers
     * only: a shared buffer's writers are ordered by the clock they read (see "Time" in the design
     * note), which a time from the past would break.
     *
     * @throws UnsupportedOperationException if this buffer is not single-producer
     */
    public long reserveAt(int size, long time) {
        if (!singleProducer) {
            throw new UnsupportedOperationException("reserveAt: only a single-producer buffer places records at a"
                    + " time of their own; a shared buffer's timestamps are ordered by its clock");
        }
        if (!fits(size)) {
            return refuseSize(size);
        }
        return reserveSingle(size, time);
    }

    /**
     * reserve() of a single-producer buffer, stamped {@code time} or the last record's time if
     * later: as the CAS loop's one round, with a store for the claim.
     */
    private long reserveSingle(int size, long now) {
        long from = writePositionPlain(); // the writer's own
        long time = Math.max(now, lastTime); // non-decreasing by construction: see the design note
        lastTime = time;
        long opened = opening(from, size);
        long end = (opened >= 0 ? opened + headerSize : from) + size;
        long previousUse = 0;
        if (opened >= 0) {
            previousUse = commitCountAcquire(index(opened)); // [CC1]
            Loss refused = refusalToOpen(opened, previousUse); // the writer's own view: never stale
            if (refused != null) {
                countLost(refused);
                return -1;
            }
        }
        lastSize = size; // the writer's own: for uncommittedBytes()
        setWritePositionRelease(end); // [WP1] the claim
        VarHandle.storeStoreFence(); // [WP1] the claim before the record's stores ([SL])
        return placed(from, opened, previousUse, end, size, time);
    }

    /**
     * The start of the sub-buffer a record of {@code size} bytes reserved at {@code from} opens, or
     * -1 if it fits in the open one: {@code from} itself at a boundary, else the next boundary.
     */
    private long opening(long from, int size) {
        long inSubBuffer = from & (subBufferSize - 1L);
        if (inSubBuffer == 0) {
            return from;
        }
        return inSubBuffer + size <= subBufferSize ? -1 : from - inSubBuffer + subBufferSize;
    }

    /**
     * After the claim of [from, end): closes the sub-buffer left (padding it) and opens {@code
     * opened} if the record opens one (its index's commit count was {@code previousUse} when found
     * complete), stamps a sub-buffer the record ends exactly, and writes the record's timestamp;
     * returns the record's offset in memory.
     */
    private long placed(long from, long opened, long previousUse, long end, int size, long time) {
        final long subBufferMask = subBufferSize - 1L;
        if (opened >= 0) {
            if ((from & subBufferMask) != 0) {
                close(from, time); // the padding to the boundary
            }
            open(opened, previousUse, time);
        }
        if ((end & subBufferMask) == 0) {
            stampClose(end - 1, subBufferSize, time); // ends exactly at the boundary
        }
        long offset = (end - size) & memoryMask;
        if (timestampAt >= 0) {
            memory.set(TIMESTAMP, offset + timestampAt, time); // the record's own bytes: plain
        }
        return offset;
    }

    /** Counts a record lost for a reason outside the buffer (e.g. {@link Loss#NESTING}). Wait-free. */
    public void countLost(Loss cause) {
        LOST.getAndAdd(lost, cause.ordinal(), 1L); // [LC]
    }

    // ---- the consumer (one thread at a time) ----

    /**
     * Closes the current sub-buffer if it holds any record, so that it becomes consumable once its
     * records are committed (for a periodic flush, a rotation, a snapshot or the end). Consumer
     * side; lock-free.
     *
     * @return whether a sub-buffer was closed
     */
    public boolean switchSubBuffer() {
        return switchToBoundary() >= 0;
    }

    /**
     * The sequence number ({@link SubBuffer#sequence()}) of the sub-buffer the write position lies
     * in: it moves on when a sub-buffer is closed ({@link #switchSubBuffer()}, or a record that
     * does not fit in the rest of it) or filled to its end; a record that opens a sub-buffer at
     * the position of one just closed leaves it as it is. Any thread; a moment old once returned. A
     * consumer that finds it unchanged since its last look knows that no sub-buffer filled up
     * meanwhile: a periodic flush closes the one open then, if any, which was opened since its
     * last look at the earliest.
     */
    public long writeSequence() {
        return writePositionAcquire() >>> subBufferShift; // [WP]
    }

    /**
     * Whether a sub-buffer is open: records were reserved in it and it is not closed yet, so that
     * {@link #switchSubBuffer()} would close it. Any thread; a moment old once returned.
     */
    public boolean hasOpenSubBuffer() {
        return (writePositionAcquire() & (subBufferSize - 1L)) != 0; // [WP]
    }

    /**
     * Closes the current sub-buffer as {@link #switchSubBuffer()} does, and tells where the records
     * reserved from now on go: the returned sequence number ({@link SubBuffer#sequence()}) is that
     * of the first sub-buffer any later reservation can use. Records reserved before the call lie in
     * sub-buffers of smaller sequence numbers, which a rotation hands to the chunk it closes.
     * Consumer side; lock-free.
     */
    public long cut() {
        return cut(Long.MIN_VALUE);
    }

    /**
     * As {@link #cut()}, and the records reserved from now on are stamped no earlier than {@code
     * notBefore} (a time of this buffer's clock read before the call): a rotation's new chunk begins
     * after that time even for records placed in the past ({@link #reserveAt}). A shared buffer's
     * later records read the clock after the call, so only a single-producer buffer needs it (and
     * a shared one ignores it). Consumer side; for a single-producer buffer, under the rules of
     * {@link Builder#singleProducer()}.
     */
    public long cut(long notBefore) {
        long boundary = switchToBoundary();
        if (singleProducer) {
            lastTime = Math.max(lastTime, notBefore); // the writer is excluded: the owner's store
        }
        return (boundary >= 0 ? boundary : ~boundary) >>> subBufferShift;
    }

    /**
     * Closes the current sub-buffer, if one is open: returns the boundary it was closed at, or,
     * if none was open, {@code ~position} where position is the start of the next sub-buffer.
     */
    private long switchToBoundary() {
        while (true) {
            long from = writePositionAcquire(); // [WP]
            long inSubBuffer = from & (subBufferSize - 1L);
            if (inSubBuffer == 0) {
                return ~from; // nothing open: the next writer opens the sub-buffer at `from`
            }
            long boundary = from - inSubBuffer + subBufferSize;
            long time;
            if (singleProducer) { // the owner excludes the writer now: a store claims the padding
                time = lastTime; // the last record's: see "Closing at the last record" in the design note
                lastSize = 0; // the position ends padding now, no record: see uncommittedBytes()
                setWritePositionRelease(boundary); // [WP1]
            } else {
                time = clock.now(); // after the read of writePosition: see "Time" in the design note
                if (!casWritePosition(from, boundary)) { // [WP] claims the padding: later claims start past it
                    continue;
                }
            }
            close(from, time);
            return boundary;
        }
    }

    /**
     * Hands every complete, closed sub-buffer from the consumer's position on to {@code consumer},
     * in order, and advances past it: its records are all committed, its header room is the first
     * {@code headerSize} bytes of {@link SubBuffer#memory()}, which the consumer may write. In
     * OVERWRITE mode the sub-buffers complete at the call are copied into {@code scratch}, as many
     * at a time as it holds, each kept only if no writer overwrote it during its copy, and then
     * handed over; those that complete meanwhile are the next call's. Consumer side; never blocks
     * writers.
     *
     * @param scratch bytes the caller owns, used in OVERWRITE mode (may be null in DISCARD mode):
     *     at least {@code subBufferSize}; {@code subBufferSize * subBufferCount} copies the whole
     *     buffer before handing any of it over, so that writers that fill the buffer meanwhile (a
     *     hot writer during a snapshot's disk writes) overwrite none of it
     * @return the number of sub-buffers handed over
     */
    public int consume(SubBufferConsumer consumer, MemorySegment scratch) {
        if (mode == Mode.OVERWRITE) {
            return consumeCopies(consumer, scratch);
        }
        int handed = 0;
        while (true) {
            long position = consumedPositionPlain(); // written by this thread only
            long written = writePositionAcquire(); // [WP]
            if (position >= (written & -(long) subBufferSize)) {
                return handed; // the sub-buffer at `position` is still open (or not started)
            }
            int index = index(position);
            long count = commitCountAcquire(index); // [CC]
            if (!isComplete(count, position / span() + 1)) {
                return handed; // a writer is still inside it
            }
            SubBuffer view =
                    complete(position, count, written, lostHanded, memory.asSlice(offsetOf(index), subBufferSize));
            lostHanded = view.lostTotal();
            consumer.accept(view);
            setConsumedPositionRelease(position + subBufferSize); // [CP] pairs with refusalToOpen's acquire
            handed++;
        }
    }

    /** OVERWRITE: how many times consume looks again when writers overwrote all it found complete. */
    private static final int FRESH_LOOKS = 3;

    /**
     * OVERWRITE's consume: copies, then hands over. A writer may overwrite a sub-buffer from the
     * moment the one before it fills, so the copies come first, one memory copy each, as many as
     * the scratch holds, from the oldest sub-buffer intact on; then they are handed over, and so on
     * up to the sub-buffer open at the call. A consumer that handed each copy over (to a disk
     * write) before copying the next lost the rest to a hot writer that filled the buffer
     * meanwhile, and chased it for as long as it kept up. If writers overwrote all of it before
     * a single copy held (the consumer thread was descheduled), it takes up to the sub-buffer open
     * then instead, FRESH_LOOKS times at most: what the buffer holds is still the newest.
     */
    private int consumeCopies(SubBufferConsumer consumer, MemorySegment scratch) {
        if (scratch == null || scratch.byteSize() < subBufferSize) {
            throw new IllegalArgumentException("OVERWRITE mode copies each sub-buffer before handing it over: pass a"
                    + " scratch segment of at least " + subBufferSize + " bytes (best: subBufferSize *"
                    + " subBufferCount = " + span() + ")");
        }
        int slots = (int) Math.min(subBufferCount, scratch.byteSize() / subBufferSize);
        SubBuffer[] copies = new SubBuffer[slots];
        long until = writePositionAcquire() & -(long) subBufferSize; // [WP] the start of the one open now
        long position = consumedPositionPlain(); // written by this thread only
        long lostSoFar = lostHanded;
        int handed = 0;
        int fresh = FRESH_LOOKS;
        boolean more = true;
        while (more) {
            int copied = 0;
            while (true) {
                if (position >= until && handed + copied == 0 && fresh-- > 0) {
                    // overwritten before any could be copied (this thread was descheduled): the
                    // newest are still what the buffer holds now
                    until = writePositionAcquire() & -(long) subBufferSize; // [WP]
                }
                if (position >= until || copied == slots) {
                    more = position < until;
                    break;
                }
                long written = writePositionAcquire(); // [WP]
                if (written - position > span()) {
                    position = oldestIntact(written, position);
                    continue;
                }
                int index = index(position);
                long count = commitCountAcquire(index); // [CC]
                if (!isComplete(count, position / span() + 1)) {
                    if (writePositionAcquire() - position > span()) { // [WP] after [CC]: the claim before its commits
                        continue; // not short of its count: past it, a writer's next use of the index
                    }
                    more = false; // a writer is still inside it: the next call's
                    break;
                }
                MemorySegment copy = scratch.asSlice((long) copied * subBufferSize, subBufferSize);
                SubBuffer view = complete(position, count, written, lostSoFar, copy);
                MemorySegment.copy(memory, offsetOf(index), copy, 0, subBufferSize);
                VarHandle.acquireFence(); // [SL] the copy's and the stamps' loads before the check's
                if (writePositionAcquire() - position > span()) { // [SL] a writer claimed its next use
                    continue; // dropped: the next round skips past it
                }
                copies[copied++] = view;
                lostSoFar = view.lostTotal();
                position += subBufferSize;
            }
            for (int k = 0; k < copied; k++) {
                SubBuffer copy = copies[k];
                skipTo(copy.sequence() << subBufferShift);
                lostHanded = copy.lostTotal();
                consumer.accept(copy);
                setConsumedPositionRelease((copy.sequence() + 1) << subBufferShift); // [CP] the consumer's own
                handed++;
            }
        }
        skipTo(position); // below it, all handed over or overwritten
        return handed;
    }

    /**
     * The complete sub-buffer at {@code position}, whose commit count is {@code count}, as {@code
     * bytes}: its stamps, published by that count ([CC]), and the buffer's lost records up to its
     * end, never fewer than {@code lostBefore} (see "Losses" in the design note).
     */
    private SubBuffer complete(long position, long count, long written, long lostBefore, MemorySegment bytes) {
        int index = index(position);
        long records = (recordsEver(count, position / span() + 1) - beginRecords[index]) & BYTES_MASK;
        long lost = written == position + subBufferSize // nothing opened after it: see "Losses"
                ? lostTotal()
                : lostAtClose[index];
        return new SubBuffer(
                bytes,
                position >>> subBufferShift,
                contentEnds[index],
                records,
                beginTimes[index],
                endTimes[index],
                Math.max(lostBefore, lost));
    }

    /**
     * Consumer side: the sequence number of the sub-buffer {@link #consume} waits for if that one is
     * closed but not complete (a writer is still inside it, or abandoned a reservation in it), else
     * -1. A consumer that finds the same one again after every writer that could be inside it is
     * done (a grace period that began after the first look, when writers reserve inside read-side
     * sections) may {@link #dropAbandoned(long) drop} it. Any moment old once returned.
     */
    public long stuckSubBuffer() {
        long position = consumedPositionPlain(); // written by this thread only
        long written = writePositionAcquire(); // [WP]
        if (position >= (written & -(long) subBufferSize)) {
            return -1; // open, or not started: not closed yet
        }
        if (mode == Mode.OVERWRITE && written - position > span()) {
            return -1; // overwritten: its index's count is a later use's (consume skips it)
        }
        long use = position / ((long) subBufferSize * subBufferCount);
        return isComplete(commitCountAcquire(index(position)), use + 1) ? -1 : position >>> subBufferShift; // [CC]
    }

    /**
     * Consumer side, for a sub-buffer {@link #stuckSubBuffer()} named, once no writer that reserved
     * room in it is still writing (see there): the bytes still uncommitted in it were abandoned by
     * writers that threw between {@link #reserve} and {@link #commit}. Completes the sub-buffer's
     * commit count, so that writers may open its index again, and skips it: its committed records
     * are counted lost ({@link Loss#ABANDONED}), and {@link #consume} goes on with the next one.
     * The count is exact unless the abandoned reservation opened the sub-buffer and threw before
     * it stamped it (then it may count the index's earlier records too).
     *
     * @return the records counted lost, or -1 if the consumer is not at {@code sequence} or that
     *     sub-buffer is complete (nothing dropped)
     */
    public long dropAbandoned(long sequence) {
        if (stuckSubBuffer() != sequence || sequence < 0) {
            return -1;
        }
        long position = sequence << subBufferShift;
        int index = index(position);
        long use = position / ((long) subBufferSize * subBufferCount);
        long inUse = commitCountAcquire(index) - use * subBufferSize; // [CC] no writer commits into it now
        long committedBytes = inUse & BYTES_MASK; // less than a sub-buffer: it is not complete
        long records = ((inUse >>> 32) - beginRecords[index]) & BYTES_MASK;
        // [CC] completes it, so that writers may open its next use: an atomic add even for a single
        // producer, whose writer commits into this index no more (its use is not complete)
        COMMIT_COUNTS.getAndAdd(commitCounts, index, subBufferSize - committedBytes);
        LOST.getAndAdd(lost, Loss.ABANDONED.ordinal(), records); // [LC]
        setConsumedPositionRelease(position + subBufferSize); // [CP] pairs with refusalToOpen's acquire
        return records;
    }

    /**
     * Consumer side, at the end of what it consumes (a stop): the buffer's lost count if records
     * were lost since the last sub-buffer it was handed (counted after the newest sub-buffer
     * closed, with none opened since: no packet carries them), for the consumer to carry in a
     * packet of its own; else -1. Later hand-overs count from it.
     */
    public long unhandedLosses() {
        long lost = lostTotal();
        if (lost <= lostHanded) {
            return -1;
        }
        lostHanded = lost;
        return lost;
    }

    /** The records lost so far for {@code cause}. */
    public long lost(Loss cause) {
        return (long) LOST.getVolatile(lost, cause.ordinal()); // [LC]
    }

    /** The records lost so far, every cause. */
    public long lostTotal() {
        long total = 0;
        for (Loss cause : Loss.values()) {
            total += lost(cause);
        }
        return total;
    }

    /** Sub-buffers overwritten before the consumer read them (OVERWRITE mode); consumer side. */
    public long overwrittenSubBuffers() {
        return overwritten;
    }

    /** The buffer's memory, {@code subBufferCount * subBufferSize} bytes; records are at reservations' offsets. */
    public MemorySegment memory() {
        return memory;
    }

    public int subBufferSize() {
        return subBufferSize;
    }

    public int subBufferCount() {
        return subBufferCount;
    }

    public int headerSize() {
        return headerSize;
    }

    public Mode mode() {
        return mode;
    }

    // ---- private ----

    /** Whether a record of {@code size} bytes fits in a sub-buffer, after its header. */
    private boolean fits(int size) {
        return size >= minRecordSize && size <= subBufferSize - headerSize;
    }

    /** Counts a record that does not fit ({@link #fits}) as lost, or throws for a size below the least. */
    private long refuseSize(int size) {
        if (size < minRecordSize) {
            throw new IllegalArgumentException("record size " + size + ": a record has at least "
                    + (timestampAt >= 0
                            ? minRecordSize + " bytes here, for its timestamp at byte " + timestampAt
                            : "one byte"));
        }
        countLost(Loss.TOO_LARGE);
        return -1;
    }

    /**
     * Why use {@code opened / (S * N)} of its index may not be opened now, or null if it may; {@code
     * count} is the index's commit count, read (acquire) by the caller.
     */
    private Loss refusalToOpen(long opened, long count) {
        long use = opened / ((long) subBufferSize * subBufferCount);
        if (!isComplete(count, use)) { // [CC] the previous use is complete
            return Loss.SUB_BUFFER_BUSY;
        }
        if (mode == Mode.DISCARD
                && opened - consumedPositionAcquire() >= (long) subBufferSize * subBufferCount) { // [CP]
            return Loss.BUFFER_FULL;
        }
        return null;
    }

    /**
     * Opens the sub-buffer starting at {@code start}: stamps its begin time and the records of its
     * index's earlier uses (from {@code previousUse}, the index's complete commit count), commits its
     * header room.
     */
    private void open(long start, long previousUse, long time) {
        int index = index(start);
        long use = start / ((long) subBufferSize * subBufferCount);
        beginTimes[index] = time; // published by the commit below ([CC])
        beginRecords[index] = recordsEver(previousUse, use);
        addCommitted(start, headerSize);
    }

    /** Whether a commit count says its index's first {@code uses} uses are complete: exactly that many bytes. */
    private boolean isComplete(long count, long uses) {
        return ((count - uses * subBufferSize) & BYTES_MASK) == 0; // see "Record counts" in the design note
    }

    /** The records ever committed into an index whose commit count is {@code count} with its first {@code uses} uses complete. */
    private long recordsEver(long count, long uses) {
        return (count - uses * subBufferSize) >>> 32;
    }

    /** Closes the sub-buffer that {@code from} lies in, padding it from {@code from} to its end. */
    private void close(long from, long time) {
        long inSubBuffer = from & (subBufferSize - 1L);
        stampClose(from, inSubBuffer, time);
        addCommitted(from, subBufferSize - inSubBuffer); // [CC] publishes the stamps with the padding
    }

    /** Stamps the content end and end time of the sub-buffer that {@code position} lies in. */
    private void stampClose(long position, long contentEnd, long time) {
        int index = index(position);
        contentEnds[index] = contentEnd; // published by the closer's next commit into it ([CC])
        endTimes[index] = time;
        lostAtClose[index] = lostTotal(); // the losses up to its end: see "Losses" in the design note
    }

    /**
     * Adds to the commit count of the sub-buffer that {@code position} (or its offset in memory) lies
     * in: bytes, plus {@link #RECORD} for a record.
     */
    private void addCommitted(long position, long bytes) {
        if (bytes == 0) {
            return;
        }
        int index = index(position);
        if (singleProducer) { // the count's only writer: a release store
            long count = (long) COMMIT_COUNTS.get(commitCounts, index); // its own last store
            COMMIT_COUNTS.setRelease(commitCounts, index, count + bytes); // [CC1] pairs with the consumer's acquire
        } else {
            COMMIT_COUNTS.getAndAdd(commitCounts, index, bytes); // [CC] release: pairs with the consumer's acquire
        }
    }

    /**
     * OVERWRITE: the lowest sub-buffer start p from {@code position} on with written - p <= span,
     * whose next use no writer has claimed.
     */
    private long oldestIntact(long written, long position) {
        return Math.max(position, (written - span() + subBufferSize - 1) & -(long) subBufferSize);
    }

    /** OVERWRITE: moves the consumer on to {@code position}, counting the sub-buffers it skips as overwritten. */
    private void skipTo(long position) {
        long consumed = consumedPositionPlain(); // written by this thread only
        if (position > consumed) {
            overwritten += (position - consumed) >>> subBufferShift;
            setConsumedPositionRelease(position); // [CP] the consumer's own progress (OVERWRITE: unread by writers)
        }
    }

    /** The bytes of every use of the buffer: subBufferSize * subBufferCount. */
    private long span() {
        return (long) subBufferSize * subBufferCount;
    }

    /** Where sub-buffer index {@code index} begins in memory. */
    private long offsetOf(int index) {
        return (long) index * subBufferSize;
    }

    private int index(long position) {
        return (int) ((position >>> subBufferShift) & (subBufferCount - 1));
    }

    private long writePositionAcquire() {
        return (long) WRITE_POSITION.getAcquire(this);
    }

    private long writePositionPlain() {
        return (long) WRITE_POSITION.get(this);
    }

    private void setWritePositionRelease(long value) {
        WRITE_POSITION.setRelease(this, value);
    }

    private boolean casWritePosition(long expected, long next) {
        return WRITE_POSITION.compareAndSet(this, expected, next);
    }

    private long consumedPositionAcquire() {
        return (long) CONSUMED_POSITION.getAcquire(this);
    }

    private long consumedPositionPlain() {
        return (long) CONSUMED_POSITION.get(this);
    }

    private void setConsumedPositionRelease(long value) {
        CONSUMED_POSITION.setRelease(this, value);
    }

    private long commitCountAcquire(int index) {
        return (long) COMMIT_COUNTS.getAcquire(commitCounts, index);
    }

    /** The sizes and policies of a buffer. */
    public static final class Builder {
        private int subBufferSize = 64 * 1024;
        private int subBufferCount = 4;
        private int headerSize;
        private Mode mode = Mode.DISCARD;
        private Clock clock = Clock.NANO_TIME;
        private int timestampAt = -1;
        private MemorySegment memory;
        private boolean singleProducer;

        Builder() {}

        /**
         * A buffer that one thread at a time writes (reserve, commit): no atomic instruction on the
         * write path. Its owner must order one writer after another, and call {@link
         * #switchSubBuffer()} and {@link #cut()} only while no reserve() or commit() runs, ordered
         * with them by happens-before. Its timestamps are non-decreasing by construction (each at
         * least the last), so its clock need not order its reads with earlier loads, and a record
         * may be placed at a time of the past ({@link RingBuffer#reserveAt}); a sub-buffer is
         * closed at its last record's time, and {@link RingBuffer#cut(long)} may set a floor.
         */
        public Builder singleProducer() {
            this.singleProducer = true;
            return this;
        }

        /** Bytes per sub-buffer: a power of two, at least 64. */
        public Builder subBufferSize(int bytes) {
            if (bytes < 64 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("sub-buffer size " + bytes + ": use a power of two of at least 64");
            }
            this.subBufferSize = bytes;
            return this;
        }

        /** Sub-buffers per buffer: a power of two, at least 2. */
        public Builder subBufferCount(int count) {
            if (count < 2 || Integer.bitCount(count) != 1) {
                throw new IllegalArgumentException("sub-buffer count " + count + ": use a power of two of at least 2");
            }
            this.subBufferCount = count;
            return this;
        }

        /** Bytes at the start of every sub-buffer left to the consumer (a packet header), at least 0. */
        public Builder headerSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("header size " + bytes + " is negative");
            }
            this.headerSize = bytes;
            return this;
        }

        /** What a writer does when the consumer is behind. */
        public Builder mode(Mode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("mode is null: DISCARD or OVERWRITE");
            }
            this.mode = mode;
            return this;
        }

        /** The clock of the records' timestamps and the sub-buffers' begin and end times. */
        public Builder clock(Clock clock) {
            if (clock == null) {
                throw new IllegalArgumentException("clock is null");
            }
            this.clock = clock;
            return this;
        }

        /**
         * Makes {@link #reserve} write each record's timestamp, a little-endian {@code long}, at
         * this offset within the record: records must then be at least {@code offset + 8} bytes
         * ({@link #reserve} refuses smaller ones).
         * By default no timestamp is written; the clock still stamps the sub-buffers.
         */
        public Builder timestampAt(int offset) {
            if (offset < 0) {
                throw new IllegalArgumentException("timestamp offset " + offset + " is negative");
            }
            this.timestampAt = offset;
            return this;
        }

        /**
         * The buffer's memory, {@code subBufferSize * subBufferCount} bytes, e.g. a slice of one
         * segment shared by several buffers; by default the buffer allocates its own, off the heap,
         * which the garbage collector frees. Memory given here is the caller's to free, once no
         * writer and no consumer can reach the buffer: an access after its arena closed throws.
         */
        public Builder memory(MemorySegment memory) {
            if (memory == null) {
                throw new IllegalArgumentException("memory is null");
            }
            this.memory = memory;
            return this;
        }

        /** A new buffer. */
        public RingBuffer build() {
            if (headerSize >= subBufferSize) {
                throw new IllegalArgumentException("header size " + headerSize + " leaves no room for records in a"
                        + " sub-buffer of " + subBufferSize + " bytes");
            }
            if (timestampAt >= 0 && (long) timestampAt + Long.BYTES > subBufferSize - headerSize) {
                throw new IllegalArgumentException("a timestamp at byte " + timestampAt + " of a record leaves no"
                        + " room for one in a sub-buffer of " + subBufferSize + " bytes after a header of "
                        + headerSize);
            }
            long bytes = (long) subBufferSize * subBufferCount;
            if (memory != null && memory.byteSize() != bytes) {
                throw new IllegalArgumentException("memory of " + memory.byteSize() + " bytes for " + subBufferCount
                        + " sub-buffers of " + subBufferSize + ": give exactly " + bytes);
            }
            return new RingBuffer(this);
        }
    }

    private static final VarHandle WRITE_POSITION;
    private static final VarHandle CONSUMED_POSITION;
    private static final VarHandle COMMIT_COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle LOST = MethodHandles.arrayElementVarHandle(long[].class);
    private static final ValueLayout.OfLong TIMESTAMP =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WRITE_POSITION = lookup.findVarHandle(RingBuffer.class, "writePosition", long.class);
            CONSUMED_POSITION = lookup.findVarHandle(RingBuffer.class, "consumedPosition", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
