package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.OutermostSection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-thread readers of one domain: found by thread (a cache, then a thread-local, then a map)
 * on the read side, enumerated by the grace-period side. Threads register on first use and are
 * forgotten after they end; the registry never keeps a thread reachable.
 */
final class ReaderRegistry<R extends ReaderRegistry.Reader> {
    /*
     * Overview: a thread's first read creates its reader and pushes it onto a lock-free stack of new
     * readers (Treiber push). The grace-period side, and only it (it holds the domain's grace-period
     * lock), moves new readers into its private list and prunes readers of threads that ended.
     * Readers never touch the list, so registration is the only read-side write to shared state.
     *
     * Lookup: a map lookup costs several nanoseconds, more than the rest of a read side, so a
     * direct-mapped cache indexed by thread id comes first: a hit is the owning thread's reader
     * (checked by thread id, which the JVM never reuses), a miss falls back to the thread-local
     * `mine`, then to `byId`, and claims the slot when it is free or its thread ended. Threads
     * whose ids collide with a live thread keep the thread-local path, which allocates nothing;
     * nothing is shared between them. The thread-local is not the reader's record: the JDK clears
     * the ThreadLocals of pooled threads (every ForkJoinPool common-pool worker, each time it goes
     * idle), and a thread must keep its one reader for as long as it lives, or a section opened on
     * the old reader could not be closed and a new reader would be registered each time. `byId`
     * is the record; a thread whose locals were cleared finds its reader there (boxing its id, once)
     * and sets the thread-local again. The domain's facade holds the cache (see DomainFacade), so
     * for a static final domain its address and length are constants in compiled code.
     *
     * Ended threads: a reader holds its thread weakly, and nothing else here holds a thread (`byId`
     * is keyed by id; a thread-local lives in its thread, and holds its reader weakly, so that no
     * thread keeps a domain it read reachable either). An ended thread's Thread object keeps
     * its context class loader and its task: held strongly until the next grace period, a
     * plugin's worker thread would keep the plugin's loader, and with it the plugin's tracepoints,
     * alive for as long as no probe anywhere changed. A reader's thread has ended when isAlive()
     * reads false, which orders the thread's last writes before the read (JLS 17.4.4), or when
     * the reference reads null: a live thread is a root of the collector (but a virtual thread
     * parked for good with jdk.trackAllThreads=false, which nothing can resume: ending its
     * sections is right), so a Thread is cleared only by a collection whose marking began after
     * its thread terminated, and marking begins
     * with a safepoint or handshake that every running thread, the grace-period side's included,
     * takes part in (a full fence after the thread's last write; a HotSpot property, not a JLS
     * one). pruneEnded() and the cache's claim both take either for "ended".
     *
     * Concurrency: push is lock-free (many threads); readers(), pruneEnded() are single-threaded
     * under the caller's grace-period lock, as is every access to `known`. Cache slots are read
     * with plain loads by any thread: a racy read yields a reader of some thread or null, and only
     * `ownerId` (a final field, safely published per JLS 17.5) is read through it before the id
     * check, so races only cost a fallback. They are written by CAS only ([R4]), from the value
     * the writer saw: a claim from null or a dead thread's reader, a prune from the dead reader.
     * So a stale writer can never evict a live thread's reader from its slot.
     *
     * Memory ordering:
     *   [R1] the push CAS releases the reader's initialized fields and pairs with [R2], the
     *        getAndSet that takes the stack, so the grace-period side sees complete readers.
     *   [R3] registrations: getAndIncrement by registering threads, only to count them for
     *        housekeeping; atomic for the count, no ordering relied on.
     *   [R4] cache slots are written by CAS (volatile): publication is safe by final fields already;
     *        the CAS is for the compare, so that only the value the writer saw is replaced.
     *   [R5] emptyCache(), once its domain is closed: a volatile store of null into every slot,
     *        after the domain's closed flag ([CL] in GracePeriodEngine), so that later lookups fall
     *        back and find the domain closed. A fast path racing with it may still load the old
     *        reader (plain loads): a read racing with close() can go unnoticed, one after it cannot.
     *        A fallback racing with it may cache its reader after the emptying (the [R4] CAS from
     *        the null it stored): that CAS reads the null, so it synchronizes with the store and
     *        sees the closed flag set before it; the fallback reads the flag again after its CAS
     *        and, finding it set, takes the reader out again (uncache) and refuses.
     *   A reader pushed after a grace period's readers() call belongs to a thread whose first read
     *   began after that point; the domain's heavy barrier argument (see GracePeriodEngine) covers it.
     *   SRCU's upRead() can carry such a section's unlock onto an older reader; SrcuEngine's scan
     *   handles that ([LR] there).
     *
     * Invariants: a reader is in exactly one of the stack or `known`, once; readers of ended threads
     * are handed to the retire callback exactly once, by pruneEnded().
     *
     * Failure modes: a thread that never ends keeps its reader; ended threads' readers are pruned at
     * grace periods and, when no grace period runs, by the housekeeping hook every few thousand
     * registrations, so short-lived (virtual) threads do not accumulate; until then an ended
     * thread's reader and `byId` entry remain, without its thread.
     */

    /**
     * 64 bytes in front of every reader's fields: a reader's hot counters, written by its thread on
     * every read, then never share a cache line with another reader's, wherever the allocator or
     * the garbage collector puts the two (liburcu aligns its reader structs the same way).
     */
    @SuppressWarnings("unused") // padding only
    abstract static class ReaderPadding extends OutermostSection {
        private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;
    }

    /** A thread's reader state; subclasses add the flavor's counters. */
    abstract static class Reader extends ReaderPadding {
        /** Its thread, weakly: see "Ended threads" in the design note. */
        private final WeakReference<Thread> owner;
        /** The thread's id: never reused, and compared without decoding a reference. */
        final long ownerId;
        /** Link in the stack of new readers; written before publication, then never. */
        Reader nextNew;

        Reader(Thread owner) {
            this.owner = new WeakReference<>(owner);
            this.ownerId = owner.threadId();
        }

        /** Its thread; null once the thread ended and was collected. */
        final Thread owner() {
            return owner.get();
        }

        /** Whether its thread still runs; false orders the thread's writes before it ("Ended threads"). */
        final boolean ownerAlive() {
            Thread thread = owner.get();
            return thread != null && thread.isAlive();
        }

        /** How reports name its thread: as GracePeriodEngine.describe(), or by id once it was collected. */
        final String describeOwner() {
            Thread thread = owner.get();
            return thread != null ? GracePeriodEngine.describe(thread) : "a collected thread (id " + ownerId + ")";
        }

        /**
         * {@code made}, the per-level section objects of a reader, or a copy with room for
         * {@code index} (doubled, at least 4); {@code none} is an empty array of the element type.
         * On the path that makes a level's object, never on the read side's.
         */
        static <S> S[] withRoomFor(S[] made, int index, S[] none) {
            if (made != null && index < made.length) {
                return made;
            }
            return Arrays.copyOf(made == null ? none : made, Math.max(4, index * 2));
        }

        /**
         * Whether the calling thread owns this reader: the check of a scoped section's close(). It
         * compares ids (the thread's, then ownerId: two loads), not the weak reference's referent,
         * whose read costs the collector's barrier too. Against the strong reference it replaced
         * (one load), ReadSideOverheadBench measured 0.1 ns more a scoped section (rcuScoped 2.0 to
         * 2.1 ns, srcuScoped 4.2 to 4.4), the referent 0.1 to 0.3 ns; token sections do not check.
         */
        final boolean ownedByCurrentThread() {
            return ownerId == Thread.currentThread().threadId();
        }
    }

    /** What a registry needs from its domain; the engine implements it (no lambdas, see NoInvokeDynamicTest). */
    interface Owner<R extends Reader> {
        /** A new reader for {@code thread}, on its first read. */
        R newReader(Thread thread);

        /** Folds the reader of an ended thread into the domain; grace-period lock held. */
        void retire(R reader);

        /** Called every HOUSEKEEPING_INTERVAL registrations: prune ended threads if no grace period does. */
        void housekeeping();
    }

    private static final int HOUSEKEEPING_INTERVAL = 4096;
    /** The length of the lookup cache array the owner passes in. */
    static final int CACHE_SLOTS = 1024;

    /** Every registered thread's reader, by thread id, until pruned: the record ("Lookup"). */
    private final ConcurrentHashMap<Long, R> byId = new ConcurrentHashMap<>();
    /**
     * The calling thread's reader, when the JDK has not cleared it: the cache's fallback ("Lookup").
     * Held weakly (byId holds it while the domain lives): a reader refers to its domain, which
     * refers to this ThreadLocal, so a strong value would keep every domain a live thread ever read
     * reachable from that thread, closed or not (the ThreadLocal key is weak, its value is not).
     */
    private final ThreadLocal<WeakReference<R>> mine = new ThreadLocal<>();
    /**
     * Readers by thread id modulo CACHE_SLOTS; plain reads, CAS writes ([R4]), see the design note. Typed R[], so a
     * hit needs no type check.
     */
    private final R[] cache;

    private final Owner<R> owner;

    @SuppressWarnings("unused") // accessed through NEW_READERS
    private volatile Reader newReaders; // [R1]/[R2] Treiber stack head

    @SuppressWarnings("unused") // accessed through REGISTRATIONS
    private volatile int registrations; // [R3] counts registrations for housekeeping

    /** Readers moved off the stack; grace-period side only. */
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

    /** The calling thread's reader after a cache miss; null if unregistered and not {@code register}. */
    R currentSlow(Thread thread, boolean register) {
        R reader = known(thread);
        if (reader == null) {
            if (!register) {
                return null;
            }
            reader = registerSlow(thread);
        }
        int slot = slot(thread.threadId());
        R occupant = cache[slot];
        if (occupant == null || !occupant.ownerAlive()) {
            CACHE_SLOT.compareAndSet(cache, slot, occupant, reader); // [R4] a lost race only costs a fallback
        }
        return reader;
    }

    /**
     * The reader of {@code thread}, the calling thread; null if it has none. Without touching the
     * cache: for a closed domain too.
     */
    R known(Thread thread) {
        WeakReference<R> local = mine.get();
        R reader = local == null ? null : local.get();
        if (reader == null) {
            reader = byId.get(thread.threadId()); // its first lookup, or the JDK cleared its locals
            if (reader != null) {
                mine.set(new WeakReference<>(reader));
            }
        }
        return reader;
    }

    /**
     * Takes {@code reader} out of its slot if it is there: for a lookup that cached it while its
     * domain closed ([R5]).
     */
    void uncache(R reader) {
        CACHE_SLOT.compareAndSet(cache, slot(reader.ownerId), (Reader) reader, (Reader) null); // [R5]
    }

    /** Empties every cache slot: each later lookup takes the fallback ([R5]). */
    void emptyCache() {
        for (int slot = 0; slot < cache.length; slot++) {
            CACHE_SLOT.setVolatile(cache, slot, (Reader) null); // [R5]
        }
    }

    static int slot(long threadId) {
        return (int) threadId & (CACHE_SLOTS - 1);
    }

    private R registerSlow(Thread thread) {
        R reader = owner.newReader(thread);
        Reader head;
        do {
            head = newReadersAcquire(); // [R1] re-read until the CAS below wins
            reader.nextNew = head;
        } while (!casNewReaders(head, reader)); // [R1] publishes the reader; pairs with [R2]
        byId.put(thread.threadId(), reader);
        mine.set(new WeakReference<>(reader));
        if ((getAndIncrementRegistrations() & (HOUSEKEEPING_INTERVAL - 1)) == HOUSEKEEPING_INTERVAL - 1) { // [R3]
            owner.housekeeping();
        }
        return reader;
    }

    /** Every known reader, new ones included. Caller holds the grace-period lock. */
    @SuppressWarnings("unchecked")
    List<R> readers() {
        if (newReadersAcquire() == null) { // [R2] nothing new: no atomic swap on every scan
            return known;
        }
        Reader taken = getAndSetNewReaders(null); // [R2] takes the stack; pairs with [R1]
        if (taken != null) {
            int start = known.size();
            for (Reader r = taken; r != null; r = r.nextNew) {
                known.add((R) r);
            }
            // oldest first, for stable reports
            java.util.Collections.reverse(known.subList(start, known.size()));
        }
        return known;
    }

    /**
     * Removes the readers of threads that ended, handing each to the owner's retire(). Caller holds
     * the grace-period lock. A thread found ended did everything before this call (see "Ended
     * threads"), so its reader may be read with plain loads.
     */
    void pruneEnded() {
        for (Iterator<R> it = readers().iterator(); it.hasNext(); ) {
            R r = it.next();
            if (!r.ownerAlive()) {
                owner.retire(r);
                it.remove();
                byId.remove(r.ownerId, r);
                // let the ended thread be collected; a slot another thread claimed meanwhile stays its
                CACHE_SLOT.compareAndSet(cache, slot(r.ownerId), (Reader) r, (Reader) null); // [R4]
            }
        }
    }

    private Reader newReadersAcquire() {
        return (Reader) NEW_READERS.getAcquire(this);
    }

    private boolean casNewReaders(Reader expected, Reader value) {
        return NEW_READERS.compareAndSet(this, expected, value);
    }

    private Reader getAndSetNewReaders(Reader value) {
        return (Reader) NEW_READERS.getAndSet(this, value);
    }

    private int getAndIncrementRegistrations() {
        return (int) REGISTRATIONS.getAndAdd(this, 1);
    }

    /** Elements of a cache array (of any Reader subclass); see [R4]. */
    private static final VarHandle CACHE_SLOT = MethodHandles.arrayElementVarHandle(Reader[].class);

    private static final VarHandle NEW_READERS;
    private static final VarHandle REGISTRATIONS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEW_READERS = lookup.findVarHandle(ReaderRegistry.class, "newReaders", Reader.class);
            REGISTRATIONS = lookup.findVarHandle(ReaderRegistry.class, "registrations", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
