package io.tracepoint4j.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-thread reader records of one domain: found by thread (a cache, then a map) on the read side,
 * enumerated by the grace-period side. Threads register on first use and are forgotten after they end.
 */
final class ReaderRegistry<R extends ReaderRegistry.Record> {
    /*
     * Overview: a thread's first read creates its record and pushes it onto a lock-free stack of new
     * records (Treiber push). The grace-period side, and only it (it holds the domain's grace-period
     * lock), moves new records into its private list and prunes records of threads that ended.
     * Readers never touch the list, so registration is the only read-side write to shared state.
     *
     * Lookup: a map lookup costs several nanoseconds, more than the rest of a read side, so a
     * direct-mapped cache indexed by thread id comes first: a hit is the owning thread's record
     * (checked by thread id, which the JVM never reuses), a miss falls back to `byThread` and
     * claims the slot when it is free or its thread ended. Threads whose ids collide with a live
     * thread keep the map path; nothing is shared between them. Not a ThreadLocal: the JDK clears
     * the ThreadLocals of pooled threads (every ForkJoinPool common-pool worker, each time it goes
     * idle), and a thread must keep its one record for as long as it lives, or a section opened on
     * the old record could not be closed and a new record would be registered each time. The
     * domain's facade holds the cache (see DomainFacade), so for a static final domain its address
     * and length are constants in compiled code.
     *
     * Concurrency: push is lock-free (many threads); records(), pruneEnded() are single-threaded
     * under the caller's grace-period lock, as is every access to `known`. Cache slots are read
     * with plain loads by any thread: a racy read yields a record of some thread or null, and only
     * `ownerId` (a final field, safely published per JLS 17.5) is read through it before the id
     * check, so races only cost a fallback. They are written by CAS only ([R4]), from the value
     * the writer saw: a claim from null or a dead thread's record, a prune from the dead record.
     * So a stale writer can never evict a live thread's record from its slot.
     *
     * Memory ordering:
     *   [R1] the push CAS releases the record's initialized fields and pairs with [R2], the
     *        getAndSet that takes the stack, so the grace-period side sees complete records.
     *   [R4] cache slots are written by CAS (volatile): publication is safe by final fields already;
     *        the CAS is for the compare, so that only the value the writer saw is replaced.
     *   A record pushed after a grace period's records() call belongs to a thread whose first read
     *   began after that point; the domain's heavy barrier argument (see GracePeriodEngine) covers it.
     *   SRCU's upRead() can carry such a section's unlock onto an older record; SrcuDomain's scan
     *   handles that ([R] there).
     *
     * Invariants: a record is in exactly one of the stack or `known`, once; records of ended threads
     * are handed to the retire callback exactly once, by pruneEnded().
     *
     * Failure modes: a thread that never ends keeps its record; ended threads' records are pruned at
     * grace periods and, when no grace period runs, by the housekeeping hook every few thousand
     * registrations, so short-lived (virtual) threads do not accumulate.
     */

    /**
     * 64 bytes in front of every record's fields: a record's hot counters, written by its thread on
     * every read, then never share a cache line with another record's, wherever the allocator or
     * the garbage collector puts the two (liburcu aligns its reader structs the same way).
     */
    @SuppressWarnings("unused") // padding only
    abstract static class RecordPadding {
        private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;
    }

    /** A thread's reader state; subclasses add the flavor's counters. */
    abstract static class Record extends RecordPadding {
        final Thread owner;
        /** {@code owner.threadId()}: never reused, and compared without decoding a reference. */
        final long ownerId;
        /** Link in the stack of new records; written before publication, then never. */
        Record nextNew;

        Record(Thread owner) {
            this.owner = owner;
            this.ownerId = owner.threadId();
        }

        /**
         * Whether the calling thread owns this record: the check of a section's close(). It compares
         * references, not ids: the JIT hoists Thread.currentThread() out of a reader's loop, and the
         * owner is one load, where the id needs two (the thread's id, then ownerId), which a
         * section's entry barrier makes the JIT redo.
         */
        final boolean ownedByCurrentThread() {
            return owner == Thread.currentThread();
        }
    }

    /** What a registry needs from its domain; the engine implements it (no lambdas, see NoInvokeDynamicTest). */
    interface Owner<R extends Record> {
        /** A new record for {@code thread}, on its first read. */
        R newRecord(Thread thread);

        /** Folds the record of an ended thread into the domain; grace-period lock held. */
        void retire(R record);

        /** Called every HOUSEKEEPING_INTERVAL registrations: prune ended threads if no grace period does. */
        void housekeeping();
    }

    private static final int HOUSEKEEPING_INTERVAL = 4096;
    /** The length of the lookup cache array the owner passes in. */
    static final int CACHE_SLOTS = 1024;

    /** Every registered thread's record, until pruned; Thread keys compare by identity. */
    private final ConcurrentHashMap<Thread, R> byThread = new ConcurrentHashMap<>();
    /**
     * Records by thread id modulo CACHE_SLOTS; plain reads, CAS writes ([R4]), see the design note. Typed R[], so a
     * hit needs no type check.
     */
    private final R[] cache;

    private final Owner<R> owner;

    @SuppressWarnings("unused") // accessed through NEW_RECORDS
    private volatile Record newRecords; // [R1]/[R2] Treiber stack head

    @SuppressWarnings("unused") // accessed through REGISTRATIONS
    private volatile int registrations; // [R3] counts registrations for housekeeping

    /** Records moved off the stack; grace-period side only. */
    private final List<R> known = new ArrayList<>();

    /** {@code cache}: a new array of CACHE_SLOTS elements, typed R[] by the owner. */
    ReaderRegistry(Owner<R> owner, R[] cache) {
        assert cache.length == CACHE_SLOTS;
        this.owner = owner;
        this.cache = cache;
    }

    /**
     * The lookup cache, for the domain's facade to hold (see DomainFacade). A hit is {@code
     * cache[slot(id)]} whose ownerId is the thread's id; anything else goes through {@link
     * #currentSlow}.
     */
    R[] cache() {
        return cache;
    }

    /** The calling thread's record after a cache miss; null if unregistered and not {@code register}. */
    R currentSlow(Thread thread, boolean register) {
        R record = byThread.get(thread);
        if (record == null) {
            if (!register) {
                return null;
            }
            record = registerSlow(thread);
        }
        int slot = slot(thread.threadId());
        R occupant = cache[slot];
        if (occupant == null || !occupant.owner.isAlive()) {
            CACHE_SLOT.compareAndSet(cache, slot, occupant, record); // [R4] a lost race only costs a fallback
        }
        return record;
    }

    static int slot(long threadId) {
        return (int) threadId & (CACHE_SLOTS - 1);
    }

    private R registerSlow(Thread thread) {
        R record = owner.newRecord(thread);
        Record head;
        do {
            head = newRecordsAcquire(); // [R1] re-read until the CAS below wins
            record.nextNew = head;
        } while (!casNewRecords(head, record)); // [R1] publishes the record; pairs with [R2]
        byThread.put(thread, record);
        if ((getAndIncrementRegistrations() & (HOUSEKEEPING_INTERVAL - 1)) == HOUSEKEEPING_INTERVAL - 1) { // [R3]
            owner.housekeeping();
        }
        return record;
    }

    /** Every known record, new ones included. Caller holds the grace-period lock. */
    @SuppressWarnings("unchecked")
    List<R> records() {
        if (newRecordsAcquire() == null) { // [R2] nothing new: no atomic swap on every scan
            return known;
        }
        Record taken = getAndSetNewRecords(null); // [R2] takes the stack; pairs with [R1]
        if (taken != null) {
            int start = known.size();
            for (Record r = taken; r != null; r = r.nextNew) {
                known.add((R) r);
            }
            // oldest first, for stable reports
            java.util.Collections.reverse(known.subList(start, known.size()));
        }
        return known;
    }

    /**
     * Removes the records of threads that ended, handing each to the owner's retire(). Caller holds
     * the grace-period lock. {@link Thread#isAlive()} returning false orders everything the ended
     * thread did before this call (JLS 17.4.4), so its record may be read with plain loads.
     */
    void pruneEnded() {
        for (Iterator<R> it = records().iterator(); it.hasNext(); ) {
            R r = it.next();
            if (!r.owner.isAlive()) {
                owner.retire(r);
                it.remove();
                byThread.remove(r.owner, r);
                // let the ended thread be collected; a slot another thread claimed meanwhile stays its
                CACHE_SLOT.compareAndSet(cache, slot(r.ownerId), (Record) r, (Record) null); // [R4]
            }
        }
    }

    private Record newRecordsAcquire() {
        return (Record) NEW_RECORDS.getAcquire(this);
    }

    private boolean casNewRecords(Record expected, Record value) {
        return NEW_RECORDS.compareAndSet(this, expected, value);
    }

    private Record getAndSetNewRecords(Record value) {
        return (Record) NEW_RECORDS.getAndSet(this, value);
    }

    private int getAndIncrementRegistrations() {
        return (int) REGISTRATIONS.getAndAdd(this, 1);
    }

    /** Elements of a cache array (of any Record subclass); see [R4]. */
    private static final VarHandle CACHE_SLOT = MethodHandles.arrayElementVarHandle(Record[].class);

    private static final VarHandle NEW_RECORDS;
    private static final VarHandle REGISTRATIONS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEW_RECORDS = lookup.findVarHandle(ReaderRegistry.class, "newRecords", Record.class);
            REGISTRATIONS = lookup.findVarHandle(ReaderRegistry.class, "registrations", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
