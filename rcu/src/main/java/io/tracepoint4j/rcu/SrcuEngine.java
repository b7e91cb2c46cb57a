package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.SrcuReader.DEPTH_MASK;
import static io.tracepoint4j.rcu.SrcuReader.DEPTH_SHIFT;
import static io.tracepoint4j.rcu.SrcuReader.PORTABLE;
import static io.tracepoint4j.rcu.SrcuReader.SCOPED;
import static io.tracepoint4j.rcu.SrcuReader.SLOT_MASK;
import static io.tracepoint4j.rcu.SrcuReader.TAG_MASK;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An SRCU domain: the kernel's Tree SRCU read side, with per-thread counters instead of per-CPU. */
final class SrcuEngine extends GracePeriodEngine<SrcuReader> {
    /*
     * Overview
     *   Each thread that reads has an SrcuReader (its own design note): lock and unlock counts per
     *   slot that only it writes and that only grow, and the stack of its open sections. A reader
     *   reads the domain's slot index, counts a lock there, and at the end counts an unlock in the
     *   same slot. A downRead() section counts its lock on the opener's SrcuReader like any other,
     *   and its unlock in the domain's handoffClosed[slot], whichever thread ends it. Slot s has
     *   drained when, summed over all readers, the counts of ended threads and handoffClosed,
     *   unlocks equal locks. Same-thread sections do no atomic read-modify-write on shared
     *   memory; hand-offs do one each.
     *
     * Concurrency
     *   srcuIdx: written by the gpLock holder, read by every reader. retired*: gpLock only.
     *   handoff*: any thread, atomically. Readers' counters: see SrcuReader.
     *
     * Memory ordering
     *   [I]  readers load srcuIdx opaque: any recent value is correct (a stale one makes a late
     *        reader, see GracePeriodEngine); opaque keeps the JIT from hoisting it.
     *   [B]  AdaptiveReaderFences [B] in SRCU: a section's entry is the lock count's opaque store
     *        (SrcuReader), then the reader's half of the barrier pair. Pairs with [A], the grace
     *        period's half (store buffering, asymmetric).
     *   [C]  GracePeriodEngine [C] in SRCU: the unlock count's release store (SrcuReader), or for
     *        upRead() the CAS of handoffClosed. Pairs with [C'].
     *   [C'] GracePeriodEngine [C'] in SRCU: the scan loads all unlock counts (handoffClosed
     *        included) with acquire, then all lock
     *        counts: a counted unlock implies its lock is counted (the lock store precedes the
     *        unlock store in the thread, or happens-before it via the hand-off of the token for
     *        upRead). So while an older reader's lock is visible (guaranteed by [A]) and its
     *        unlock is not, locks exceed unlocks.
     *   [LR] for that, the lock must be on a reader the scan reads: an upRead() may count the
     *        unlock of a section opened by a thread that registered after the scan took the reader
     *        list. The lock pass takes the list again after the unlock pass; the acquire that
     *        counted the unlock makes the opener's registration (before its lock) visible to it.
     *   [F]  GracePeriodEngine [F]: the volatile store of srcuIdx.
     *   [H]  handoffOpened: getAndAdd by downRead() after its lock is counted and its barrier
     *        passed; handoffClosed: CAS by upRead(), only while below handoffOpened (read after
     *        it, with acquire: handoffOpened only grows), so a second upRead() with no hand-off
     *        open is refused. Their difference is what reports call open hand-offs.
     *   [TG] the domain's tag comes from a global counter: uniqueness only, no ordering.
     *
     * Invariants
     *   For each slot, locks >= unlocks in every scan (assert). Token: tag | depth << 2 | portable
     *   << 1 | slot. A downRead() token carries the domain's tag; a same-thread token carries its
     *   reader's tag, which changes with each outermost section (see SrcuReader). Not detected: all downRead() tokens of a slot are
     *   equal, so a second upRead() of a token while another hand-off of that slot is open ends
     *   that one.
     *
     * Failure modes
     *   [E]  GracePeriodEngine [E] in SRCU: every path has one committing store, a call that
     *        throws only before its store: an entry computes (and allocates) first, then counts
     *        its lock and passes its barrier (for downRead(), then adds to handoffOpened), then
     *        records the section with plain stores. If a step after the lock count throws, a
     *        plain store takes the count back (SrcuReader.enterSlot()): no call there, since a cold
     *        catch block runs interpreted, where every call checks the stack and would throw
     *        again, leaving a lock no section will ever unlock (StackOverflowTest catches that
     *        with the barrier kept a call of its own). An
     *        exit computes first, then counts its unlock, then pops the stack with plain stores;
     *        upRead() is one CAS. So an entry
     *        opens its section or leaves no trace, and an exit ends it or leaves it open and
     *        closable again. A thread that ends with sections open: its reader is retired, its
     *        counts folded into retired*, and its same-thread sections ended for it, with a
     *        warning (rate-limited by the engine). Its downRead sections stay open: another
     *        thread may still end them.
     */

    private static final AtomicInteger TAGS = new AtomicInteger();

    /** High 16 bits of this domain's downRead() tokens (salted per thread in readLock() ones); never zero. */
    final int tag;

    @SuppressWarnings("unused") // accessed through SRCU_IDX
    private int srcuIdx; // [I]/[F]

    /** Counts of ended threads, by slot; gpLock only. */
    private final long[] retiredLocks = new long[2];

    private final long[] retiredUnlocks = new long[2];
    /** downRead() sections opened, by slot; only grows. [H] */
    private final long[] handoffOpened = new long[2];
    /** downRead() sections ended by upRead(), by slot; only grows, never past handoffOpened. [H] [C] */
    private final long[] handoffClosed = new long[2];

    SrcuEngine(RcuDomain.Builder<Srcu> settings) {
        super(settings.name(), "srcu", settings, new SrcuReader[ReaderRegistry.CACHE_SLOTS]);
        this.tag = ((TAGS.incrementAndGet() % 0xFFFF) + 1) << 16; // [TG] uniqueness only, no ordering needed
        SrcuReader.initializeReadSide();
    }

    @Override
    public SrcuReader newReader(Thread owner) {
        return new SrcuReader(this, owner);
    }

    // ---- read side ----

    // The facade passes `cache`: registry.cache(), which the JIT treats as a constant there.

    int readLock(SrcuReader[] cache) {
        SrcuReader reader = reader(cache);
        int slot = srcuIdxOpaque(); // [I]
        int level = enter(reader, 0, slot);
        // no call after the entry (see [E]): the tag as SrcuReader.tag() computes it
        return (reader.salt ^ (reader.generation << SrcuReader.GENERATION_SHIFT)) | (level << DEPTH_SHIFT) | slot;
    }

    void readUnlock(SrcuReader[] cache, int token) {
        SrcuReader reader = readerIfRegistered(cache);
        if (reader == null) {
            throw badUnlock(
                    token,
                    (token & (TAG_MASK | PORTABLE)) == (tag | PORTABLE)
                            ? "it is a downRead() token: end it with upRead()"
                            : "this thread has no read-side critical section of " + this + " open");
        }
        reader.unlock(token);
    }

    /** UnnestedSections.restart(): ends the thread's sections, {@code token} the innermost, then opens one. */
    int restartLock(SrcuReader[] cache, int token) {
        SrcuReader reader = readerIfRegistered(cache);
        if (reader == null) {
            throw badUnlock(token, "this thread has no read-side critical section of " + this + " open");
        }
        reader.endAll(token);
        return readLock(cache);
    }

    RcuDomain.ReadSection read(SrcuReader[] cache) {
        SrcuReader reader = reader(cache);
        // the object of the section about to open, made (on first use) before anything changes: [E]
        RcuDomain.ReadSection section = reader.section(reader.depth + 1);
        enter(reader, SCOPED, srcuIdxOpaque()); // [I]
        return section;
    }

    /**
     * Opens a same-thread section of {@code kind} (0: readLock(), SCOPED: read()) in {@code slot} and
     * returns its level. Either the section is open (recorded, counted, its barrier passed) or this
     * throws with nothing changed ([E]).
     */
    private int enter(SrcuReader reader, int kind, int slot) {
        int d = reader.depth;
        reader.lock(d, reader.entries, kind, slot, this); // [B] entry store and barrier; [E] all or nothing
        return d + 1;
    }

    int downRead(SrcuReader[] cache) {
        SrcuReader reader = reader(cache);
        int slot = srcuIdxOpaque(); // [I]
        // [B] the entry store, on the opener's reader, and its barrier, then [H]; [E] all or nothing
        reader.enterSlot(slot, this, true);
        return tag | PORTABLE | slot;
    }

    void upRead(int token) {
        if ((token & (TAG_MASK | DEPTH_MASK | PORTABLE)) != (tag | PORTABLE)) {
            throw badUnlock(
                    token,
                    "it is not a downRead() token of " + this
                            + ((token & PORTABLE) == 0 ? " (a readLock() token ends with readUnlock())" : ""));
        }
        int slot = token & SLOT_MASK;
        long closed;
        do {
            closed = handoffClosedAcquire(slot); // [H] before opened, which only grows
            if (closed - handoffOpenedAcquire(slot) >= 0) { // [H]
                throw badUnlock(token, "every section downRead() opened in its slot has already been ended");
            }
        } while (!casHandoffClosed(slot, closed, closed + 1)); // [C] the exit store, the one step; pairs with [C']
    }

    IllegalStateException badUnlock(int token, String why) {
        return new IllegalStateException("cannot end read-side critical section with token 0x"
                + Integer.toHexString(token) + ": " + why + ". Nothing was changed.");
    }

    // ---- grace-period side (gpLock held) ----

    @Override
    int currentSlot() {
        return srcuIdxOpaque(); // [I] we are the only writer
    }

    @Override
    void flipSlot() {
        setSrcuIdxVolatile(srcuIdxOpaque() ^ 1); // [F]
    }

    @Override
    boolean slotDrained(int slot) {
        return openSectionsIn(slot) == 0;
    }

    /** Locks minus unlocks counted in {@code slot}: zero when the slot has drained. */
    private long openSectionsIn(int slot) {
        List<SrcuReader> readers = registry.readers();
        long unlocks = retiredUnlocks[slot] + handoffClosedAcquire(slot); // [C'] pairs with upRead's [C]
        for (int i = 0, n = readers.size(); i < n; i++) {
            unlocks += readers.get(i).unlocksAcquire(slot); // [C'] pairs with [C]; before the lock loads
        }
        // [LR] take readers registered meanwhile: the lock of an upRead() unlock counted above may be
        // on one (a thread's first read, handed over at once), and the acquire of that unlock made
        // its registration visible. Counting their locks but not their unlocks only overstates.
        readers = registry.readers();
        long locks = retiredLocks[slot];
        for (int i = 0, n = readers.size(); i < n; i++) {
            locks += readers.get(i).locksAcquire(slot); // [C'] fresh on every scan; made visible by [A]
        }
        assert locks >= unlocks : "slot " + slot + " of " + this + " counted more unlocks than locks";
        return locks - unlocks;
    }

    @Override
    List<SrcuReader> readersIn(int slot) {
        List<SrcuReader> holding = new ArrayList<>();
        for (SrcuReader reader : registry.readers()) {
            // Not locks > unlocks: a downRead() section counts its lock on the opener's reader and its
            // unlock on the closer's, so the counts of one reader do not say what its thread holds.
            if (reader.sectionsIn(slot) > 0) {
                holding.add(reader);
            }
        }
        return holding;
    }

    @Override
    String describeSection(SrcuReader reader, int slot) {
        return "which is inside " + reader.sectionsIn(slot) + " read-side critical section(s) opened before the"
                + " grace period";
    }

    /** downRead() sections of {@code slot} not yet ended. */
    private long handoffsOpen(int slot) {
        long closed = handoffClosedAcquire(slot); // [H] before opened, so never more than opened
        return handoffOpenedAcquire(slot) - closed; // [H]
    }

    @Override
    String describeUnownedSections(int slot) {
        long open = handoffsOpen(slot);
        return open == 0
                ? null
                : open + " read-side critical section(s) opened by downRead() and not yet ended by upRead(); they"
                        + " belong to no thread (any thread may end them), so none can be named";
    }

    @Override
    String describeOpenSections() {
        List<String> threads = new ArrayList<>();
        long open = openSectionsIn(0) + openSectionsIn(1);
        if (open == 0) {
            return null;
        }
        for (SrcuReader reader : registry.readers()) {
            if (reader.sectionsIn(0) + reader.sectionsIn(1) > 0) {
                threads.add(reader.describeOwner());
            }
        }
        long portable = handoffsOpen(0) + handoffsOpen(1);
        return open + " read-side critical section(s) are open"
                + (threads.isEmpty() ? "" : " (" + String.join(", ", threads) + ")")
                + (portable == 0 ? "" : " (" + portable + " opened by downRead())");
    }

    @Override
    int retireEnded(SrcuReader reader) {
        for (int slot = 0; slot < 2; slot++) {
            int open = reader.sectionsIn(slot); // its thread ended: plain reads see its last writes
            retiredLocks[slot] += reader.locksAcquire(slot); // [C'] as in a scan
            retiredUnlocks[slot] += reader.unlocksAcquire(slot) + open; // [C'] ends its open sections
        }
        return reader.depth;
    }

    @Override
    boolean inReadSection() {
        SrcuReader reader = readerIfRegistered(registry.cache());
        return reader != null && reader.depth > 0;
    }

    // ---- accessors ----

    int srcuIdxOpaque() {
        return (int) SRCU_IDX.getOpaque(this);
    }

    private void setSrcuIdxVolatile(int value) {
        SRCU_IDX.setVolatile(this, value);
    }

    private long handoffOpenedAcquire(int slot) {
        return (long) COUNTS.getAcquire(handoffOpened, slot);
    }

    /** Counts an open hand-off: downRead()'s last step, made by SrcuReader.enterSlot(). */
    void getAndAddHandoffOpened(int slot) {
        COUNTS.getAndAdd(handoffOpened, slot, 1L);
    }

    private long handoffClosedAcquire(int slot) {
        return (long) COUNTS.getAcquire(handoffClosed, slot);
    }

    private boolean casHandoffClosed(int slot, long expected, long value) {
        return COUNTS.compareAndSet(handoffClosed, slot, expected, value);
    }

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SRCU_IDX;

    static {
        try {
            SRCU_IDX = MethodHandles.lookup().findVarHandle(SrcuEngine.class, "srcuIdx", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
