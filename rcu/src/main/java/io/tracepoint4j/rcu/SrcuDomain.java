package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.UnwindingSection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** An SRCU domain: the kernel's Tree SRCU read side, with per-thread counters instead of per-CPU. */
final class SrcuDomain extends GracePeriodEngine<SrcuDomain.Reader> {
    /*
     * Overview
     *   Each thread that reads has a Reader with four counters that only it writes and that only
     *   grow: lock counts of slots 0 and 1, unlock counts of slots 0 and 1. A reader reads the
     *   domain's slot index, counts a lock there, and at the end counts an unlock in the same slot.
     *   A downRead() section counts its lock on the opener's Reader like any other, and its unlock
     *   in the domain's handoffClosed[slot], whichever thread ends it. Slot s has drained when,
     *   summed over all Readers, the counts of ended threads and handoffClosed, unlocks equal locks.
     *   Same-thread sections do no atomic read-modify-write on shared memory; hand-offs do one each.
     *
     * Concurrency
     *   Counters: single writer (the owning thread), read by the gpLock holder. depth, entries and
     *   spilled: owner only (read racily, for stall reports only). retired*: gpLock only. srcuIdx:
     *   written by the gpLock holder, read by every reader. handoff*: any thread, atomically.
     *
     * Memory ordering
     *   [I] readers load srcuIdx opaque: any recent value is correct (a stale one makes a late reader,
     *       see GracePeriodEngine); opaque keeps the JIT from hoisting it.
     *   [B] lock: opaque store of the lock count, then the engine's readerBarrier(). Pairs with
     *       [A], the grace period's barrier (store buffering, asymmetric).
     *   [C] unlock: release store of the unlock count (upRead(): the CAS of handoffClosed): the
     *       section's accesses precede it. Pairs with [C'], the scan's acquire loads (message passing).
     *   [C'] the scan loads all unlock counts (handoffClosed included) with acquire, then all lock
     *       counts: a counted unlock implies its lock is counted (the lock store precedes the unlock
     *       store in the thread, or happens-before it via the hand-off of the token for upRead). So
     *       while an older reader's lock is visible (guaranteed by [A]) and its unlock is not, locks
     *       exceed unlocks.
     *   [R] for that, the lock must be on a record the scan reads: an upRead() may count the unlock
     *       of a section opened by a thread that registered after the scan took the record list.
     *       The lock pass takes the list again after the unlock pass; the acquire that counted the
     *       unlock makes the opener's registration (before its lock) visible to it.
     *   [F] flip: volatile store of srcuIdx by the gpLock holder.
     *   [H] handoffOpened: getAndAdd by downRead() after its lock is counted and its barrier passed;
     *       handoffClosed: CAS by upRead(), only while below handoffOpened (read after it, with
     *       acquire: handoffOpened only grows), so a second upRead() with no hand-off open is
     *       refused. Their difference is what reports call open hand-offs.
     *
     * Invariants
     *   For each slot, locks >= unlocks in every scan (assert). Token: tag | depth << 2 | portable
     *   << 1 | slot. A downRead() token carries the domain's tag; a same-thread token carries its
     *   Reader's tokenTag, the domain's tag salted with 16 random bits, so that a token handed to
     *   another thread is refused there (but for one chance in 65536) instead of ending that
     *   thread's own section of the same depth and slot. It must match the innermost entry of the
     *   owner's section stack (two bits per section packed in a long, deeper sections spilled to an
     *   array). A read() section's object knows its level: the Reader itself for level 1, a
     *   ScopedSection per deeper level (made on first use, then reused); close() ends its own level
     *   only when that is the innermost, so a second close() is refused where it happens;
     *   closeWithInner() (UnwindingSection, for the tracepoint firing code) first ends the read()
     *   sections still open above its level, one exit each, then its own. Not
     *   detected: all downRead() tokens of a slot are equal, so a second upRead() of a token while
     *   another hand-off of that slot is open ends that one; and a stale read() object (kept past
     *   its close()) closes a later section of the same level on its thread.
     *
     * Failure modes
     *   [E] Any call can throw StackOverflowError (the interpreter checks the stack at every method
     *       entry) or OutOfMemoryError (at any allocation). So every path has one committing store,
     *       a call that throws only before its store: an entry computes (and allocates) first, then
     *       counts its lock, records the section with plain stores, and passes its barrier; if the
     *       barrier throws, plain stores undo the count and the record, as no call may fail again
     *       there. An exit computes first, then counts its unlock, then records it with plain
     *       stores. downRead() counts its lock, passes its barrier, then adds to handoffOpened, its
     *       last call; upRead() is one CAS. So an entry opens its section or leaves no trace, and an
     *       exit ends it or leaves it open and closable again. A thread that ends with sections
     *       open: its record is retired, its counts folded into retired*, and its same-thread
     *       sections ended for it, with a warning (rate-limited by the engine). Its downRead
     *       sections stay open: another thread may still end them.
     */

    private static final int SLOT_MASK = 1;
    private static final int PORTABLE = 1 << 1;
    private static final int DEPTH_SHIFT = 2;
    private static final int MAX_DEPTH = (1 << 14) - 1;
    private static final int DEPTH_MASK = MAX_DEPTH << DEPTH_SHIFT;
    private static final int TAG_MASK = 0xFFFF_0000;
    /** Stack entry flag: opened by read(), closed by ReadSection.close(). */
    private static final byte SCOPED = 1 << 1;

    private static final AtomicInteger TAGS = new AtomicInteger();

    /** High 16 bits of this domain's downRead() tokens (salted per thread in readLock() ones); never zero. */
    private final int tag;

    @SuppressWarnings("unused") // accessed through SRCU_IDX
    private int srcuIdx; // [I]/[F]

    /** Counts of ended threads, by slot; gpLock only. */
    private final long[] retiredLocks = new long[2];

    private final long[] retiredUnlocks = new long[2];
    /** downRead() sections opened, by slot; only grows. [H] */
    private final long[] handoffOpened = new long[2];
    /** downRead() sections ended by upRead(), by slot; only grows, never past handoffOpened. [H] [C] */
    private final long[] handoffClosed = new long[2];

    SrcuDomain(RcuDomain.Builder<Srcu> settings) {
        super(settings.name(), "srcu", settings, new Reader[ReaderRegistry.CACHE_SLOTS]);
        this.tag = ((TAGS.incrementAndGet() % 0xFFFF) + 1) << 16; // [TG] uniqueness only, no ordering needed
        initializeNow(Reader.class, ScopedSection.class);
        ThreadLocalRandom.current(); // initialized now too: a new Reader salts its tag with it
    }

    @Override
    Reader newReader(Thread owner) {
        return new Reader(this, owner);
    }

    // ---- read side ----

    // The facade passes `cache`: registry.cache(), which the JIT treats as a constant there.

    int readLock(Reader[] cache) {
        Reader reader = reader(cache);
        int slot = srcuIdxOpaque(); // [I]
        int level = enter(reader, 0, slot);
        return reader.tokenTag | (level << DEPTH_SHIFT) | slot; // no call after the entry: see [E]
    }

    void readUnlock(Reader[] cache, int token) {
        Reader reader = readerIfRegistered(cache);
        if (reader == null) {
            throw badUnlock(token, "this thread has no read-side critical section of " + this + " open");
        }
        reader.unlock(token);
    }

    RcuDomain.ReadSection read(Reader[] cache) {
        Reader reader = reader(cache);
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
    private int enter(Reader reader, int kind, int slot) {
        int d = reader.depth;
        long e = reader.entries;
        reader.lock(d, e, kind, slot); // [B] the entry store, and the section recorded
        try {
            readerBarrier(); // [B] after the entry store; pairs with [A] (store buffering)
        } catch (Throwable t) { // out of stack or memory: not entered after all. [E] plain stores only
            reader.entries = e;
            reader.depth = d;
            reader.uncountLock(slot);
            throw t;
        }
        return d + 1;
    }

    int downRead(Reader[] cache) {
        Reader reader = reader(cache);
        int slot = srcuIdxOpaque(); // [I]
        reader.countLock(slot); // [B] the entry store, on the opener's record
        try {
            readerBarrier(); // [B] after the entry store; pairs with [A] (store buffering)
            getAndAddHandoffOpened(slot); // [H] the last step: nothing after it can fail
        } catch (Throwable t) { // out of stack or memory: not entered after all. [E] plain stores only
            reader.uncountLock(slot);
            throw t;
        }
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
        List<Reader> readers = registry.records();
        long unlocks = retiredUnlocks[slot] + handoffClosedAcquire(slot); // [C'] pairs with upRead's [C]
        for (int i = 0, n = readers.size(); i < n; i++) {
            unlocks += readers.get(i).unlocksAcquire(slot); // [C'] pairs with [C]; before the lock loads
        }
        // [R] take records registered meanwhile: the lock of an upRead() unlock counted above may be
        // on one (a thread's first read, handed over at once), and the acquire of that unlock made
        // its registration visible. Counting their locks but not their unlocks only overstates.
        readers = registry.records();
        long locks = retiredLocks[slot];
        for (int i = 0, n = readers.size(); i < n; i++) {
            locks += readers.get(i).locksAcquire(slot); // [C'] fresh on every scan; made visible by [A]
        }
        assert locks >= unlocks : "slot " + slot + " of " + this + " counted more unlocks than locks";
        return locks - unlocks;
    }

    @Override
    List<Reader> readersIn(int slot) {
        List<Reader> holding = new ArrayList<>();
        for (Reader reader : registry.records()) {
            // Not locks > unlocks: a downRead() section counts its lock on the opener's record and its
            // unlock on the closer's, so the counts of one record do not say what its thread holds.
            if (reader.sectionsIn(slot) > 0) {
                holding.add(reader);
            }
        }
        return holding;
    }

    @Override
    String describeSection(Reader reader, int slot) {
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
        for (Reader reader : registry.records()) {
            if (reader.sectionsIn(0) + reader.sectionsIn(1) > 0) {
                threads.add("'" + reader.owner.getName() + "'");
            }
        }
        long portable = handoffsOpen(0) + handoffsOpen(1);
        return open + " read-side critical section(s) are open"
                + (threads.isEmpty() ? "" : " (threads " + String.join(", ", threads) + ")")
                + (portable == 0 ? "" : " (" + portable + " opened by downRead())");
    }

    @Override
    int retireEnded(Reader reader) {
        for (int slot = 0; slot < 2; slot++) {
            int open = reader.sectionsIn(slot); // its thread ended: plain reads see its last writes
            retiredLocks[slot] += reader.locksAcquire(slot); // [C'] as in a scan
            retiredUnlocks[slot] += reader.unlocksAcquire(slot) + open; // [C'] ends its open sections
        }
        return reader.depth;
    }

    @Override
    boolean inReadSection() {
        Reader reader = readerIfRegistered(registry.cache());
        return reader != null && reader.depth > 0;
    }

    // ---- the per-thread reader ----

    /** One thread's counters for this domain; also the ReadSection that read() returns. */
    static final class Reader extends ReaderRegistry.Record implements RcuDomain.ReadSection, UnwindingSection {
        /** Sections whose entries live in {@link #entries}; deeper ones spill to {@link #spilled}. */
        private static final int INLINE_DEPTH = Long.SIZE / 2;

        private final SrcuDomain domain;
        /** The high bits of this thread's same-thread tokens: see the design note. */
        private final int tokenTag;

        /* Lock and unlock counts by slot: written only by the owner ([B], [C]), which reads them plain. */
        private long locks0;

        private long locks1;

        private long unlocks0;

        private long unlocks1;

        /** Same-thread sections open; owner only. */
        int depth;
        /**
         * The open same-thread sections, two bits each (slot | SCOPED), innermost in the low bits:
         * opening shifts an entry in, closing shifts it out, so the hot path touches no array.
         * Owner only.
         */
        long entries;
        /** Entries shifted out of the top of {@link #entries} by deep nesting, outermost first. */
        private byte[] spilled;
        /** The section objects of levels 2, 3, ... (index level - 2), made on first use; owner only. */
        private ScopedSection[] nestedSections;

        Reader(SrcuDomain domain, Thread owner) {
            super(owner);
            this.domain = domain;
            int salted;
            do {
                salted = domain.tag ^ (ThreadLocalRandom.current().nextInt() & TAG_MASK);
            } while (salted == 0); // a token is never a small number, which a bug might pass by chance
            this.tokenTag = salted;
        }

        /**
         * Records and counts a same-thread section in {@code slot}, the domain's index, on top of the
         * {@code d} open ones whose inline entries are {@code e}; {@code kind} is 0 (token) or
         * SCOPED. Either it completes or it throws with nothing changed ([E]): the entry store is
         * its one call after which nothing can fail. The domain passes what it has at hand, so the
         * read side loads nothing through {@link #domain}.
         */
        void lock(int d, long e, int kind, int slot) {
            if (d >= INLINE_DEPTH) {
                spill(d, e); // may throw; writes only a spill slot above the open sections
            }
            long pushed = (e << 2) | slot | kind;
            countLock(slot); // [B] the entry store; throws only before it
            entries = pushed; // [E] plain stores, no call: cannot fail
            depth = d + 1;
        }

        /** The entry store; the domain follows it with its readerBarrier(). */
        void countLock(int slot) {
            if (slot == 0) {
                LOCKS_0.setOpaque(this, locks0 + 1); // [B] single writer: no RMW needed
            } else {
                LOCKS_1.setOpaque(this, locks1 + 1); // [B] single writer: no RMW needed
            }
        }

        /**
         * Takes back an entry store whose section never began (its barrier failed): a plain store,
         * as no call may fail here ([E]). A scan that counted the lock only waited longer.
         */
        void uncountLock(int slot) {
            if (slot == 0) {
                locks0 = locks0 - 1;
            } else {
                locks1 = locks1 - 1;
            }
        }

        void unlock(int token) {
            int d = depth;
            long e = entries;
            int entry = (int) e & 3;
            if (d == 0 || (entry & SCOPED) != 0 || token != (tokenTag | (d << DEPTH_SHIFT) | entry)) {
                throw domain.badUnlock(token, whyNotInnermost(token, d, entry));
            }
            exit(d, e, entry);
        }

        /**
         * Ends the innermost of {@code d} sections (inline entries {@code e}, innermost {@code
         * entry}). Either it completes or it throws with the section still open ([E]): the exit store
         * is its one call after which nothing can fail.
         */
        private void exit(int d, long e, int entry) {
            long popped = popped(d, e); // may throw: nothing changed yet
            countUnlock(entry & SLOT_MASK); // [C] the exit store; throws only before it
            entries = popped; // [E] plain stores, no call: cannot fail
            depth = d - 1;
        }

        /** The section object of the outermost section. */
        @Override
        public void close() {
            closeScoped(1);
        }

        @Override
        public void closeWithInner() {
            closeScopedWithInner(1);
        }

        /**
         * The object read() returns for a section opened at {@code level} (1 is the outermost):
         * this record itself, or one of the per-level objects, made on first use and kept.
         */
        RcuDomain.ReadSection section(int level) {
            if (level == 1) {
                return this;
            }
            ScopedSection[] made = nestedSections;
            int index = level - 2;
            if (made == null || index >= made.length || made[index] == null) {
                return newSection(level);
            }
            return made[index];
        }

        private RcuDomain.ReadSection newSection(int level) {
            int index = level - 2;
            if (nestedSections == null || index >= nestedSections.length) {
                nestedSections = java.util.Arrays.copyOf(
                        nestedSections == null ? new ScopedSection[0] : nestedSections, Math.max(4, index * 2));
            }
            return nestedSections[index] = new ScopedSection(this, level);
        }

        /** Ends the section that read() opened at {@code level}, which must be the innermost. */
        void closeScoped(int level) {
            if (!ownedByCurrentThread()) {
                throw domain.wrongThread(owner, "; use downRead()/upRead() to hand one over");
            }
            int d = depth;
            long e = entries;
            int entry = (int) e & 3;
            if (d != level || (entry & SCOPED) == 0) {
                throw new IllegalStateException("ReadSection.close() on " + domain + ": "
                        + whyNotInnermostScoped(level, d, entry) + ". Nothing was changed.");
            }
            exit(d, e, entry);
        }

        /**
         * Ends the read() sections left open inside the one read() opened at {@code level}, then
         * that one ({@link UnwindingSection}).
         */
        void closeScopedWithInner(int level) {
            if (depth > level) { // only after a close() that failed
                endInner(level);
            }
            closeScoped(level);
        }

        /**
         * Ends the sections above {@code level}, all opened by read() (checked first, so a refusal
         * changes nothing). One exit at a time, each complete or not begun ([E]): an error part-way
         * leaves the rest open, to be ended by the next call.
         */
        private void endInner(int level) {
            if (!ownedByCurrentThread()) {
                throw domain.wrongThread(owner, "; use downRead()/upRead() to hand one over");
            }
            int open = depth;
            long e = entries;
            for (int index = level - 1; index < open; index++) { // index 0 is the outermost section
                if ((entryAt(open, e, spilled, index) & SCOPED) == 0) {
                    throw new IllegalStateException("closeWithInner() on " + domain + ": the section at depth "
                            + (index + 1) + " was not opened by read(); end it with readUnlock(token) first."
                            + " Nothing was changed.");
                }
            }
            for (int d = open; d > level; d--) {
                exit(d, entries, (int) entries & 3); // [E]
            }
        }

        private static String whyNotInnermostScoped(int level, int d, int entry) {
            if (d == 0) {
                return "this thread has no section open";
            }
            if (d < level) {
                return "this section was closed already (its depth is " + level + ", " + d + " section(s) open)";
            }
            if (d > level) {
                return "a section opened inside this one (depth " + level + ") is still open (depth " + d
                        + "); sections end innermost first";
            }
            return "the section opened inside this one by readLock() must end with readUnlock(token) first";
        }

        void countUnlock(int slot) {
            if (slot == 0) {
                UNLOCKS_0.setRelease(this, unlocks0 + 1); // [C] pairs with [C']
            } else {
                UNLOCKS_1.setRelease(this, unlocks1 + 1); // [C] pairs with [C']
            }
        }

        /** Makes room for section {@code d + 1}: moves the outermost inline entry to the spill array. */
        private void spill(int d, long e) {
            if (d >= MAX_DEPTH) {
                throw new IllegalStateException(
                        "read-side critical sections of " + domain + " nested deeper than " + MAX_DEPTH);
            }
            int index = d - INLINE_DEPTH;
            if (spilled == null || index == spilled.length) {
                spilled = java.util.Arrays.copyOf(spilled == null ? new byte[0] : spilled, Math.max(8, index * 2));
            }
            spilled[index] = (byte) (e >>> (Long.SIZE - 2));
        }

        /** The inline entries once the innermost of {@code d} sections (inline entries {@code e}) ended. */
        private long popped(int d, long e) {
            long rest = e >>> 2;
            if (d > INLINE_DEPTH) {
                rest |= (long) spilled[d - 1 - INLINE_DEPTH] << (Long.SIZE - 2);
            }
            return rest;
        }

        /** The entry of open section {@code level} (0 is the outermost); racy when not the owner. */
        private int entryAt(int d, long e, byte[] spill, int level) {
            int fromTop = d - 1 - level;
            if (fromTop < INLINE_DEPTH) {
                return (int) (e >>> (2 * fromTop)) & 3;
            }
            return spill == null || level >= spill.length ? 0 : spill[level];
        }

        /** Same-thread sections of this reader in {@code slot}; racy when not the owner (reports). */
        int sectionsIn(int slot) {
            int d = depth;
            long e = entries;
            byte[] spill = spilled;
            int count = 0;
            for (int level = 0; level < d; level++) {
                if ((entryAt(d, e, spill, level) & SLOT_MASK) == slot) {
                    count++;
                }
            }
            return count;
        }

        private String whyNotInnermost(int token, int d, int entry) {
            if (d == 0) {
                return "this thread has no section of " + domain + " open";
            }
            if ((token & (TAG_MASK | PORTABLE)) == (domain.tag | PORTABLE)) {
                return "it is a downRead() token: end it with upRead()";
            }
            if ((token & TAG_MASK) != tokenTag) {
                return "it is not a token of this thread's sections of " + domain
                        + " (another thread's, or another domain's); a section opened by readLock() ends on"
                        + " its thread, use downRead()/upRead() to hand one over";
            }
            if ((entry & SCOPED) != 0) {
                return "the innermost section was opened by read() and must be closed first";
            }
            return "it is not the innermost section (depth " + ((token & DEPTH_MASK) >>> DEPTH_SHIFT)
                    + ", innermost is " + d + "); sections end innermost first, once";
        }

        long locksAcquire(int slot) {
            return slot == 0 ? (long) LOCKS_0.getAcquire(this) : (long) LOCKS_1.getAcquire(this); // [C']
        }

        long unlocksAcquire(int slot) {
            return slot == 0 ? (long) UNLOCKS_0.getAcquire(this) : (long) UNLOCKS_1.getAcquire(this); // [C']
        }

        private static final VarHandle LOCKS_0;
        private static final VarHandle LOCKS_1;
        private static final VarHandle UNLOCKS_0;
        private static final VarHandle UNLOCKS_1;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                LOCKS_0 = lookup.findVarHandle(Reader.class, "locks0", long.class);
                LOCKS_1 = lookup.findVarHandle(Reader.class, "locks1", long.class);
                UNLOCKS_0 = lookup.findVarHandle(Reader.class, "unlocks0", long.class);
                UNLOCKS_1 = lookup.findVarHandle(Reader.class, "unlocks1", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /**
     * What read() returns for a nested section: its level, so that close() ends this section and
     * no other (a second close(), or one before the sections inside it ended, is refused).
     */
    private record ScopedSection(Reader reader, int level) implements RcuDomain.ReadSection, UnwindingSection {
        @Override
        public void close() {
            reader.closeScoped(level);
        }

        @Override
        public void closeWithInner() {
            reader.closeScopedWithInner(level);
        }

        // Written out, not generated: generated ones link through invokedynamic (NoInvokeDynamicTest).
        // One object per reader and level, so identity is component equality.
        @Override
        public boolean equals(Object other) {
            return other == this;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }

        @Override
        public String toString() {
            return "ScopedSection[level " + level + " of " + reader.domain + "]";
        }
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

    private void getAndAddHandoffOpened(int slot) {
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
            SRCU_IDX = MethodHandles.lookup().findVarHandle(SrcuDomain.class, "srcuIdx", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
