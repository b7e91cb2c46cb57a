package io.tracepoint4j.rcu;

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
     *   domain's slot index, counts a lock there, and at the end counts an unlock in the same slot,
     *   on whatever thread ends the section (upRead on another thread counts in that thread's
     *   Reader). Slot s has drained when, summed over all Readers plus the counts of ended threads,
     *   unlocks equal locks. No reader does an atomic read-modify-write on shared memory.
     *
     * Concurrency
     *   Counters: single writer (the owning thread), read by the gpLock holder. depth, entries and
     *   spilled: owner only (read racily, for stall reports only). retired*: gpLock only. srcuIdx: written by
     *   the gpLock holder, read by every reader.
     *
     * Memory ordering
     *   [I] readers load srcuIdx opaque: any recent value is correct (a stale one makes a late reader,
     *       see GracePeriodEngine); opaque keeps the JIT from hoisting it.
     *   [B] lock: opaque store of the lock count, then the engine's readerBarrier(). Pairs with
     *       [A], the grace period's barrier (store buffering, asymmetric).
     *   [C] unlock: release store of the unlock count: the section's accesses precede it. Pairs with
     *       [C'], the scan's acquire loads of unlock counts (message passing).
     *   [C'] the scan loads all unlock counts with acquire, then all lock counts: a counted unlock
     *       implies its lock is counted (the lock store precedes the unlock store in the thread, or
     *       happens-before it via the hand-off for upRead). So while an older reader's lock is
     *       visible (guaranteed by [A]) and its unlock is not, locks exceed unlocks.
     *   [R] for that, the lock must be on a record the scan reads: an upRead() may count the unlock
     *       of a section opened by a thread that registered after the scan took the record list.
     *       The lock pass takes the list again after the unlock pass; the acquire that counted the
     *       unlock makes the opener's registration (before its lock) visible to it.
     *   [F] flip: volatile store of srcuIdx by the gpLock holder.
     *   [P] portableOpen: CAS-updated count of open downRead sections per slot, for misuse checks
     *       and reports only; it plays no part in grace periods.
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
     *   only when that is the innermost, so a second close() is refused where it happens.
     *
     * Failure modes
     *   A thread that ends with sections open: its record is retired, its counts folded into
     *   retired*, and its same-thread sections ended for it with a warning. Its downRead sections
     *   stay open: another thread may still end them.
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
    /** Open downRead sections by slot. [P] */
    private final long[] portableOpen = new long[2];

    SrcuDomain(RcuDomain.Builder<Srcu> settings) {
        super(settings.name(), "srcu", settings, Reader[]::new);
        this.tag = ((TAGS.incrementAndGet() % 0xFFFF) + 1) << 16; // [TG] uniqueness only, no ordering needed
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
        int level = reader.lock(0, slot);
        readerBarrier(); // [B] after the entry store; pairs with [A] (store buffering)
        return reader.token(level, slot);
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
        int level = reader.lock(SCOPED, srcuIdxOpaque()); // [I]
        readerBarrier(); // [B] after the entry store; pairs with [A] (store buffering)
        return reader.section(level);
    }

    int downRead(Reader[] cache) {
        Reader reader = reader(cache);
        int slot = srcuIdxOpaque(); // [I]
        getAndAddPortableOpen(slot, 1); // [P]
        reader.countLock(slot);
        readerBarrier(); // [B] after the entry store; pairs with [A] (store buffering)
        return tag | PORTABLE | slot;
    }

    void upRead(Reader[] cache, int token) {
        if ((token & (TAG_MASK | DEPTH_MASK | PORTABLE)) != (tag | PORTABLE)) {
            throw badUnlock(
                    token,
                    "it is not a downRead() token of " + this
                            + ((token & PORTABLE) == 0 ? " (a readLock() token ends with readUnlock())" : ""));
        }
        int slot = token & SLOT_MASK;
        long open;
        do {
            open = portableOpenAcquire(slot); // [P]
            if (open == 0) {
                throw badUnlock(token, "every section downRead() opened in its slot has already been ended");
            }
        } while (!casPortableOpen(slot, open, open - 1)); // [P]
        reader(cache).countUnlock(slot);
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
        long unlocks = retiredUnlocks[slot];
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

    @Override
    String describeUnownedSections(int slot) {
        long open = portableOpenAcquire(slot); // [P]
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
        long portable = portableOpenAcquire(0) + portableOpenAcquire(1); // [P]
        return open + " read-side critical section(s) are open"
                + (threads.isEmpty() ? "" : " (threads " + String.join(", ", threads) + ")")
                + (portable == 0 ? "" : " (" + portable + " opened by downRead())");
    }

    @Override
    void retireEnded(Reader reader) {
        for (int slot = 0; slot < 2; slot++) {
            int open = reader.sectionsIn(slot); // its thread ended: plain reads see its last writes
            retiredLocks[slot] += reader.locksAcquire(slot); // [C'] as in a scan
            retiredUnlocks[slot] += reader.unlocksAcquire(slot) + open; // [C'] ends its open sections
        }
        int depth = reader.depth;
        if (depth > 0) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "thread '" + reader.owner.getName() + "' ended inside " + depth
                            + " read-side critical section(s) of " + this + "; they were ended for it."
                            + " Close every section on the thread that opened it (try-with-resources).");
        }
    }

    @Override
    boolean inReadSection() {
        Reader reader = readerIfRegistered(registry.cache());
        return reader != null && reader.depth > 0;
    }

    // ---- the per-thread reader ----

    /** One thread's counters for this domain; also the ReadSection that read() returns. */
    static final class Reader extends ReaderRegistry.Record implements RcuDomain.ReadSection {
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
        private long entries;
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
         * Opens a same-thread section in {@code slot}, the domain's index, and returns its level (1
         * is the outermost); {@code kind} is 0 (token) or SCOPED. The domain passes its slot, which
         * it has at hand, so the read side loads nothing through {@link #domain}.
         */
        int lock(int kind, int slot) {
            int d = depth;
            long e = entries;
            if (d >= INLINE_DEPTH) {
                spill(d, e);
            }
            entries = (e << 2) | slot | kind;
            depth = d + 1;
            countLock(slot);
            return d + 1;
        }

        /** The token of the readLock() section opened at {@code level} in {@code slot}. */
        int token(int level, int slot) {
            return tokenTag | (level << DEPTH_SHIFT) | slot;
        }

        /** The entry store; the domain follows it with its readerBarrier(). */
        void countLock(int slot) {
            if (slot == 0) {
                LOCKS_0.setOpaque(this, locks0 + 1); // [B] single writer: no RMW needed
            } else {
                LOCKS_1.setOpaque(this, locks1 + 1); // [B] single writer: no RMW needed
            }
        }

        void unlock(int token) {
            int d = depth;
            long e = entries;
            int entry = (int) e & 3;
            if (d == 0 || (entry & SCOPED) != 0 || token != (tokenTag | (d << DEPTH_SHIFT) | entry)) {
                throw domain.badUnlock(token, whyNotInnermost(token, d, entry));
            }
            pop(d, e);
            countUnlock(entry & SLOT_MASK);
        }

        /** The section object of the outermost section. */
        @Override
        public void close() {
            closeScoped(1);
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
            pop(d, e);
            countUnlock(entry & SLOT_MASK);
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

        /** Closes the innermost of {@code d} sections whose inline entries are {@code e}. */
        private void pop(int d, long e) {
            long rest = e >>> 2;
            if (d > INLINE_DEPTH) {
                rest |= (long) spilled[d - 1 - INLINE_DEPTH] << (Long.SIZE - 2);
            }
            entries = rest;
            depth = d - 1;
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
    private record ScopedSection(Reader reader, int level) implements RcuDomain.ReadSection {
        @Override
        public void close() {
            reader.closeScoped(level);
        }
    }

    // ---- accessors ----

    int srcuIdxOpaque() {
        return (int) SRCU_IDX.getOpaque(this);
    }

    private void setSrcuIdxVolatile(int value) {
        SRCU_IDX.setVolatile(this, value);
    }

    private long portableOpenAcquire(int slot) {
        return (long) COUNTS.getAcquire(portableOpen, slot);
    }

    private boolean casPortableOpen(int slot, long expected, long value) {
        return COUNTS.compareAndSet(portableOpen, slot, expected, value);
    }

    private void getAndAddPortableOpen(int slot, long delta) {
        COUNTS.getAndAdd(portableOpen, slot, delta);
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
