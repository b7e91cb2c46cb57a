package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.UnnestedSections;
import io.tracepoint4j.rcu.internal.UnwindingSection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

/** One thread's counters for this domain; also the ReadSection that read() returns. */
final class SrcuReader extends ReaderRegistry.Reader implements RcuDomain.ReadSection, UnwindingSection {
    /*
     * Overview
     *   The per-thread state of one SRCU domain: four counters (lock and unlock counts of slots 0
     *   and 1) and the stack of the thread's open same-thread sections. The stack keeps two bits
     *   per section (slot | SCOPED: opened by read()) packed in a long, innermost in the low bits,
     *   so opening and closing shift and touch no array; sections deeper than INLINE_DEPTH spill
     *   their outermost entries to a byte array. A readUnlock(token) must match the innermost
     *   entry: token = tag | depth << 2 | slot. The tag is the domain's salted with 15 random bits
     *   per thread (bit 16 set: never zero), XOR the count of the thread's outermost sections
     *   (generation, 15 bits of it from bit 17 on), so that a token handed to another thread is
     *   refused there (but for one chance in 32768) instead of ending that thread's own section of
     *   the same depth and slot, and so is a token of an ended section unlocked again once a later
     *   outermost section is open (it ended that one before). Not detected: a token of an ended
     *   nested section unlocked again while a later one of the same depth, in the same outermost
     *   section, is open. read() returns a section object that knows its level: the reader itself
     *   for level 1, a ScopedSection per deeper level (made on first use, then reused). close()
     *   ends its level only when that is the innermost, so a second close() is refused where it
     *   happens;
     *   closeWithInner() (UnwindingSection, for the tracepoint firing code) first ends the read()
     *   sections still open above its level, one exit each, then its own; restartIfAbandoned()
     *   (the same firing code's) ends them all from level 1 when the reader, the outermost
     *   section, is marked abandoned (OutermostSection), and opens a new outermost section. Not
     *   detected: a stale read() object (kept past its close()) closes a later section of the
     *   same level.
     *
     * Counts: the lock and unlock counts live in one array indexed by the slot, so that the
     *   compiled read side has no branch on the slot. With a branch, C2 compiles a reader that has
     *   only seen slot 0 (no grace period yet) with an uncommon trap for slot 1; the first grace
     *   period then deoptimizes every hot caller at once, and their recompiled code inlines less
     *   (callees compiled meanwhile on their own are "already compiled into a big method"): about
     *   8 ns more per recorded event in RecordEventBench (bench/README.md, "Grace periods").
     *
     * Concurrency
     *   Counters: single writer (the owner), read by the domain's gpLock holder. depth, entries,
     *   spilled, nestedSections: owner only (read racily, for stall reports only).
     *
     * Memory ordering
     *   [B]  AdaptiveReaderFences [B], here the entry store: countLock() is an opaque store of the
     *        incremented lock count, which enterSlot() follows with the reader barrier (pairs with
     *        [A] in AdaptiveReaderFences) and, for downRead(), with the [H] in SrcuEngine. A
     *        single writer needs no read-modify-write.
     *   [C]  GracePeriodEngine [C], here the exit store: countUnlock() is a release store of the
     *        incremented unlock count; pairs with the scan's acquire loads [C'].
     *   [C'] GracePeriodEngine [C']: locksAcquire()/unlocksAcquire(), the scan's acquire loads.
     *
     * Failure modes
     *   [E]  GracePeriodEngine [E], as in SrcuEngine: lock() and exit() each have one committing
     *        store; everything that
     *        can throw (spilling, allocating a section object) comes before it, and the stack is
     *        updated after it with plain stores, which cannot fail.
     */

    static final int SLOT_MASK = 1;
    static final int PORTABLE = 1 << 1;
    static final int DEPTH_SHIFT = UnnestedSections.LEVEL_SHIFT; // the token layout the tracer reads
    static final int MAX_DEPTH = UnnestedSections.MAX_LEVEL;
    static final int DEPTH_MASK = MAX_DEPTH << DEPTH_SHIFT;
    static final int TAG_MASK = 0xFFFF_0000;
    /** Set in every salt, and so in every same-thread token: see "tag" in the design note. */
    private static final int SALT_BIT = 1 << 16;
    /** Where a token's tag holds the generation: the bits above SALT_BIT. */
    static final int GENERATION_SHIFT = 17;
    /** The generation's bits a tag holds. */
    private static final int GENERATION_MASK = (1 << (Integer.SIZE - GENERATION_SHIFT)) - 1;
    /**
     * How many outermost sections back a refused token is said to be one of this thread's ended
     * sections: a foreign token falls in that range by chance once in 512.
     */
    private static final int RECENT = 64;
    /** Stack entry flag: opened by read(), closed by ReadSection.close(). */
    static final byte SCOPED = 1 << 1;

    /** Sections whose entries live in {@link #entries}; deeper ones spill to {@link #spilled}. */
    private static final int INLINE_DEPTH = Long.SIZE / 2;

    private final SrcuEngine engine;
    /** The domain's tag salted for this thread, bit 16 set: see "tag" in the design note. */
    final int salt;
    /**
     * The thread's outermost sections so far, 15 bits of which go into the tags of their tokens
     * (salt ^ generation << GENERATION_SHIFT); owner only.
     */
    int generation;

    /*
     * Lock and unlock counts by slot: counts[LOCKS + slot] and counts[UNLOCKS + slot], written only
     * by the owner ([B], [C]), which reads them plain. Indexed by the slot rather than kept in four
     * fields chosen by a branch: a compiled reader that has only ever seen slot 0 would carry an
     * uncommon trap for slot 1, and the first grace period's flip would deoptimize every hot
     * caller, whose recompiled code then inlines less (see "Counts" in the design note).
     */
    private final long[] counts = new long[4];

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

    /**
     * Initializes the classes a first read needs, and ThreadLocalRandom, which salts a new reader's
     * tag, on the thread creating the domain (see GracePeriodEngine.initializeNow).
     */
    static void initializeReadSide() {
        GracePeriodEngine.initializeNow(SrcuReader.class, ScopedSection.class);
        ThreadLocalRandom.current();
    }

    SrcuReader(SrcuEngine engine, Thread owner) {
        super(owner);
        this.engine = engine;
        // bit 16 set, which the generation never touches: a token is never a small number, which a
        // bug might pass by chance
        this.salt = (engine.tag ^ (ThreadLocalRandom.current().nextInt() & TAG_MASK)) | SALT_BIT;
    }

    /**
     * Records and counts a same-thread section in {@code slot}, the domain's index, on top of the
     * {@code d} open ones whose inline entries are {@code e}; {@code kind} is 0 (token) or
     * SCOPED. Either it completes or it throws with nothing changed ([E]): entering the slot is
     * its one call after which nothing can fail. The domain passes what it has at hand, so the
     * read side loads nothing through {@link #domain}.
     */
    void lock(int d, long e, int kind, int slot, SrcuEngine engine) {
        if (d == 0) {
            generation++; // a new outermost section: new token tags (before the entry: nothing is open yet)
        }
        if (d >= INLINE_DEPTH) {
            spill(d, e); // may throw; writes only a spill slot above the open sections
        }
        long pushed = (e << 2) | slot | kind;
        enterSlot(slot, engine, false); // [B] the entry store and barrier; throws with nothing changed
        entries = pushed; // [E] plain stores, no call: cannot fail
        depth = d + 1;
    }

    /**
     * A section's entry in {@code slot}: the lock count, the reader's half of the barrier pair,
     * and for a downRead() section ({@code handoff}) the domain's count of open hand-offs. Either
     * all of it happens or this throws with the lock count as it was ([E]): if a step after the
     * count throws (out of stack or memory), a plain store takes the count back, and a scan that
     * saw it only waited longer. No call there: a cold catch block runs interpreted, where every
     * call checks the stack, so a call would throw again and leave a lock that no section will
     * ever unlock.
     */
    void enterSlot(int slot, SrcuEngine engine, boolean handoff) {
        countLock(slot); // [B] the entry store; throws only before it
        try {
            AdaptiveReaderFences.readerBarrier(
                    engine); // [B] after the entry store; pairs with [A] in AdaptiveReaderFences
            if (handoff) {
                engine.getAndAddHandoffOpened(slot); // [H] the last step: nothing after it can fail
            }
        } catch (Throwable t) { // out of stack or memory: not entered after all. [E] plain stores only
            counts[LOCKS + slot]--;
            throw t;
        }
    }

    /** The entry store; {@link #enterSlot} follows it with the reader barrier. */
    private void countLock(int slot) {
        int at = LOCKS + slot;
        COUNTS.setOpaque(counts, at, counts[at] + 1); // [B] single writer: no RMW needed
    }

    void unlock(int token) {
        int d = depth;
        long e = entries;
        int entry = (int) e & 3;
        requireInnermost(token, d, entry);
        exit(d, e, entry);
    }

    /** Refuses {@code token} unless it is the innermost of the {@code d} open sections, whose entry is {@code entry}. */
    private void requireInnermost(int token, int d, int entry) {
        if (d == 0 || (entry & SCOPED) != 0 || token != (tag() | (d << DEPTH_SHIFT) | entry)) {
            throw engine.badUnlock(token, whyNotInnermost(token, d, entry));
        }
    }

    /** The tag of the tokens of the thread's open sections (see the design note). */
    int tag() {
        return salt ^ (generation << GENERATION_SHIFT);
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

    /**
     * Ends every section of this thread, {@code token} the innermost, all opened by readLock()
     * (checked first, so a refusal changes nothing): UnnestedSections.restart(). One exit at a
     * time, each complete or not begun ([E]): an error part-way leaves the rest open, to be ended
     * by the next call.
     */
    void endAll(int token) {
        int open = depth;
        long e = entries;
        requireInnermost(token, open, (int) e & 3);
        for (int index = 0; index < open; index++) {
            if ((entryAt(open, e, spilled, index) & SCOPED) != 0) {
                throw new IllegalStateException("restart() on " + engine + ": the section at depth " + (index + 1)
                        + " was opened by read(): the domain's sections are nested. Nothing was changed.");
            }
        }
        for (int d = open; d > 0; d--) {
            exit(d, entries, (int) entries & 3); // [E]
        }
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

    @Override
    public int level() {
        return 1; // read() returns the reader itself for the outermost section only
    }

    @Override
    public RcuDomain.ReadSection restartIfAbandoned() {
        return this; // the outermost section: none under it to be abandoned
    }

    /**
     * restartIfAbandoned() of a section above this reader's abandoned outermost one: every section
     * of the thread belongs to an unwound frame. Ends them (one exit each, [E]), then clears the
     * mark and opens a new outermost section; if that throws, nothing is open.
     */
    RcuDomain.ReadSection restart() {
        closeScopedWithInner(1);
        abandoned = false;
        return engine.read(engine.registry.cache());
    }

    /**
     * The object read() returns for a section opened at {@code level} (1 is the outermost):
     * this reader itself, or one of the per-level objects, made on first use and kept.
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
        ScopedSection[] made = nestedSections = withRoomFor(nestedSections, index, new ScopedSection[0]);
        return made[index] = new ScopedSection(this, level);
    }

    /** Refuses a scoped section's close on a thread other than its owner. */
    private void requireOwner() {
        if (!ownedByCurrentThread()) {
            throw engine.wrongThread(this, "; use downRead()/upRead() to hand one over");
        }
    }

    /** Ends the section that read() opened at {@code level}, which must be the innermost. */
    void closeScoped(int level) {
        requireOwner();
        int d = depth;
        long e = entries;
        int entry = (int) e & 3;
        if (d != level || (entry & SCOPED) == 0) {
            throw new IllegalStateException("ReadSection.close() on " + engine + ": "
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
        requireOwner();
        int open = depth;
        long e = entries;
        for (int index = level - 1; index < open; index++) { // index 0 is the outermost section
            if ((entryAt(open, e, spilled, index) & SCOPED) == 0) {
                throw new IllegalStateException("closeWithInner() on " + engine + ": the section at depth "
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
        int at = UNLOCKS + slot;
        COUNTS.setRelease(counts, at, counts[at] + 1); // [C] pairs with [C']
    }

    /** Makes room for section {@code d + 1}: moves the outermost inline entry to the spill array. */
    private void spill(int d, long e) {
        if (d >= MAX_DEPTH) {
            throw new IllegalStateException(
                    "read-side critical sections of " + engine + " nested deeper than " + MAX_DEPTH);
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
        if ((token & (TAG_MASK | PORTABLE)) == (engine.tag | PORTABLE)) { // first: whatever is open
            return "it is a downRead() token: end it with upRead()";
        }
        if (d == 0) {
            return "this thread has no section of " + engine + " open";
        }
        int earlier = (generation - ((token ^ salt) >>> GENERATION_SHIFT)) & GENERATION_MASK;
        if ((token & SALT_BIT) != 0 && (token & TAG_MASK) != tag() && earlier > 0 && earlier <= RECENT) {
            return "it is the token of an earlier section of this thread's, which ended already (a second"
                    + " readUnlock() of one token?); the section open now is another one";
        }
        if ((token & TAG_MASK) != tag()) {
            return "it is not a token of this thread's sections of " + engine
                    + " (another thread's, or another domain's); a section opened by readLock() ends on"
                    + " its thread, use downRead()/upRead() to hand one over";
        }
        if ((entry & SCOPED) != 0) {
            return "the innermost section was opened by read() and must be closed first";
        }
        int depth = (token & DEPTH_MASK) >>> DEPTH_SHIFT;
        if (depth == d) {
            return "it is not the token readLock() returned for the innermost section (depth " + d
                    + "), though of its depth: its grace-period slot differs (a token of an ended section of this"
                    + " depth, unlocked a second time? or an altered one)";
        }
        return "it is not the innermost section (depth " + depth + ", innermost is " + d
                + "); sections end innermost first, once";
    }

    long locksAcquire(int slot) {
        return (long) COUNTS.getAcquire(counts, LOCKS + slot); // [C']
    }

    long unlocksAcquire(int slot) {
        return (long) COUNTS.getAcquire(counts, UNLOCKS + slot); // [C']
    }

    /** Where in {@link #counts} a slot's lock count and its unlock count are. */
    private static final int LOCKS = 0;

    private static final int UNLOCKS = 2;

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * What read() returns for a nested section: its level, so that close() ends this section and
     * no other (a second close(), or one before the sections inside it ended, is refused).
     */
    private record ScopedSection(SrcuReader reader, int level) implements RcuDomain.ReadSection, UnwindingSection {
        @Override
        public void close() {
            reader.closeScoped(level);
        }

        @Override
        public void closeWithInner() {
            reader.closeScopedWithInner(level);
        }

        @Override
        public RcuDomain.ReadSection restartIfAbandoned() {
            return reader.abandoned ? reader.restart() : this;
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
            return "ScopedSection[level " + level + " of " + reader.engine + "]";
        }
    }
}
