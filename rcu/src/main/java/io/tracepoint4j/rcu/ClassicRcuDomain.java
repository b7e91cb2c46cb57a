package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.UnwindingSection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/** A classic RCU domain: liburcu's memb flavor, one reader word per thread. */
final class ClassicRcuDomain extends GracePeriodEngine<ClassicRcuDomain.Reader> {
    /*
     * Overview
     *   Each thread has one reader word that only it writes: bit 0 is the phase (the slot) the
     *   outermost section entered, the bits above count nested sections. The domain keeps gpCtr =
     *   1 << 1 | phase; an outermost readLock copies it (one load, one store), a nested one adds 2,
     *   readUnlock subtracts 2. Slot p has drained when no reader word has a non-zero nesting count
     *   and phase p. Readers must not block, so sections are short and grace periods fast. The
     *   phase sits in bit 0 so that "no section open" is one compare: word < 2 (the word is never
     *   negative, nesting being bounded).
     *
     * Concurrency
     *   ctr: single writer (the owner), read by the gpLock holder. gpCtr: written by the gpLock
     *   holder, read by every reader.
     *
     * Memory ordering
     *   [G] readers load gpCtr opaque; a stale phase makes a late reader, which SCAN2 of the next
     *       grace period waits for (see GracePeriodEngine).
     *   [B] outermost lock: opaque store of the reader word, then the engine's readerBarrier().
     *       Pairs with [A], the grace period's barrier (store buffering, asymmetric). Nested locks
     *       need no barrier: the thread is already a visible reader.
     *   [C] unlock: release store of the decremented word, pairs with [C'], the scan's acquire load.
     *   [F] flip: volatile store of gpCtr by the gpLock holder.
     *
     * Invariants
     *   Nesting never exceeds MAX_NESTING (checked); an unlock with nesting 0 is refused unchanged.
     *   read() returns the Reader for an outermost section and a NestedSection per deeper level
     *   (made on first use, then reused, fetched before the entry: [E]). close() of either ends the
     *   innermost section, whatever its level (classic does not check levels); closeWithInner()
     *   (UnwindingSection, for the tracepoint firing code) ends its level and every section above
     *   it in one store.
     *
     * Failure modes
     *   [E] Any call can throw StackOverflowError or OutOfMemoryError (see GracePeriodEngine). An
     *       entry's store is its last step but for the barrier, which is undone with a plain store
     *       of the old word if it throws; an exit's store is its last step. So an entry either opens
     *       the section or leaves no trace, and an exit either ends it or leaves it open.
     *
     * References
     *   liburcu include/urcu/static/urcu-memb.h, src/urcu.c (wait_for_readers, phase flip).
     */

    private static final int PHASE = 1;
    private static final int NEST_SHIFT = 1;
    /** One level of nesting; a word below it has no section open. */
    private static final int NEST_UNIT = 1 << NEST_SHIFT;

    private static final int MAX_NESTING = 0xFFFF;

    @SuppressWarnings("unused") // accessed through GP_CTR
    private int gpCtr = NEST_UNIT; // [G]/[F]

    ClassicRcuDomain(RcuDomain.Builder<ClassicRcu> settings) {
        super(settings.name(), "rcu", settings, new Reader[ReaderRegistry.CACHE_SLOTS]);
        initializeNow(Reader.class, NestedSection.class);
    }

    @Override
    Reader newReader(Thread owner) {
        return new Reader(this, owner);
    }

    // ---- read side ----

    // The facade passes `cache`: registry.cache(), which the JIT treats as a constant there.

    void readLock(Reader[] cache) {
        enter(reader(cache));
    }

    void readUnlock(Reader[] cache) {
        Reader reader = readerIfRegistered(cache);
        if (reader == null) {
            throw noSectionOpen("readUnlock()");
        }
        reader.unlock("readUnlock()");
    }

    RcuDomain.ReadSection read(Reader[] cache) {
        Reader reader = reader(cache);
        RcuDomain.ReadSection section = reader.section((reader.ctr >>> NEST_SHIFT) + 1); // may allocate: before [E]
        enter(reader);
        return section;
    }

    /** Opens a section: either it is open (counted, its barrier passed) or this throws with nothing changed ([E]). */
    private void enter(Reader reader) {
        int word = reader.ctr;
        if (reader.lock(word, gpCtrOpaque())) { // [G]
            try {
                readerBarrier(); // [B] after the entry store; pairs with [A] (store buffering)
            } catch (Throwable t) { // out of stack or memory: not entered after all. [E] a plain store only
                reader.ctr = word;
                throw t;
            }
        }
    }

    /** {@code called}: what the user called, e.g. {@code readUnlock()}. */
    private IllegalStateException noSectionOpen(String called) {
        return new IllegalStateException(called + " on " + this
                + ": this thread has no read-side critical section of it open. Nothing was changed.");
    }

    // ---- grace-period side (gpLock held) ----

    @Override
    int currentSlot() {
        return gpCtrOpaque() & PHASE; // [G] we are the only writer
    }

    @Override
    void flipSlot() {
        setGpCtrVolatile(gpCtrOpaque() ^ PHASE); // [F]
    }

    @Override
    boolean slotDrained(int slot) {
        List<Reader> readers = registry.records();
        for (int i = 0, n = readers.size(); i < n; i++) {
            if (holds(readers.get(i).ctrAcquire(), slot)) { // [C'] pairs with [C]; made visible by [A]
                return false;
            }
        }
        return true;
    }

    private static boolean holds(int ctr, int slot) {
        return ctr >= NEST_UNIT && (ctr & PHASE) == slot;
    }

    @Override
    List<Reader> readersIn(int slot) {
        List<Reader> holding = new ArrayList<>();
        for (Reader reader : registry.records()) {
            if (holds(reader.ctrAcquire(), slot)) { // [C']
                holding.add(reader);
            }
        }
        return holding;
    }

    @Override
    String describeSection(Reader reader, int slot) {
        return "which is inside a read-side critical section (nesting " + (reader.ctrAcquire() >>> NEST_SHIFT) // [C']
                + ") opened before the grace period; classic RCU readers must not block";
    }

    @Override
    String describeOpenSections() {
        List<String> threads = new ArrayList<>();
        for (Reader reader : registry.records()) {
            if (reader.ctrAcquire() >= NEST_UNIT) { // [C']
                threads.add("'" + reader.owner.getName() + "'");
            }
        }
        return threads.isEmpty()
                ? null
                : threads.size() + " thread(s) are inside read-side critical sections (" + String.join(", ", threads)
                        + ")";
    }

    @Override
    int retireEnded(Reader reader) {
        return reader.ctr >>> NEST_SHIFT; // its word drops out of every scan with its record
    }

    @Override
    boolean inReadSection() {
        Reader reader = readerIfRegistered(registry.cache());
        return reader != null && reader.ctr >= NEST_UNIT;
    }

    // ---- the per-thread reader ----

    /**
     * One thread's reader word for this domain; also the ReadSection that read() returns for an
     * outermost section.
     */
    static final class Reader extends ReaderRegistry.Record implements RcuDomain.ReadSection, UnwindingSection {
        private final ClassicRcuDomain domain;
        /** Nesting count << 1 | phase; written only by the owner. */
        int ctr;
        /** The section objects of levels 2, 3, ... (index level - 2), made on first use; owner only. */
        private NestedSection[] nestedSections;

        Reader(ClassicRcuDomain domain, Thread owner) {
            super(owner);
            this.domain = domain;
        }

        /**
         * Opens a section on top of reader word {@code c}, the caller's read of {@link #ctr};
         * {@code gpCtr} is the domain's, loaded by the caller (which has it at hand). Returns true
         * for an outermost section: the caller then owes the entry barrier. Either it completes or
         * it throws with nothing changed: the store is its last step ([E]).
         */
        boolean lock(int c, int gpCtr) {
            if (c < NEST_UNIT) {
                setCtrOpaque(gpCtr); // [B] the entry store; made visible by [A]
                return true;
            } else if ((c >>> NEST_SHIFT) < MAX_NESTING) {
                setCtrOpaque(c + NEST_UNIT); // [B] nested: already a visible reader
                return false;
            } else {
                throw new IllegalStateException(
                        "read-side critical sections of " + domain + " nested deeper than " + MAX_NESTING);
            }
        }

        @Override
        public void close() {
            if (!ownedByCurrentThread()) {
                throw domain.wrongThread(owner, "");
            }
            unlock("ReadSection.close()");
        }

        @Override
        public void closeWithInner() {
            closeWithInner(1);
        }

        /**
         * The object read() returns for a section opened at {@code level} (1 is the outermost):
         * this record itself, or one of the per-level objects, made on first use and kept. Its
         * close() ends the innermost section, whatever its level; its closeWithInner() uses the level.
         */
        RcuDomain.ReadSection section(int level) {
            if (level == 1) {
                return this;
            }
            int index = level - 2;
            NestedSection[] made = nestedSections;
            if (made == null || index >= made.length || made[index] == null) {
                if (made == null || index >= made.length) {
                    made = nestedSections =
                            java.util.Arrays.copyOf(made == null ? new NestedSection[0] : made, Math.max(4, index * 2));
                }
                made[index] = new NestedSection(this, level);
            }
            return made[index];
        }

        /**
         * Ends the section opened at {@code level} and every section still open inside it
         * ({@link UnwindingSection}): one store of the reader word, so it completes or changes
         * nothing ([E]).
         */
        void closeWithInner(int level) {
            if (!ownedByCurrentThread()) {
                throw domain.wrongThread(owner, "");
            }
            int c = ctr;
            int open = c >>> NEST_SHIFT;
            if (open < level) {
                throw new IllegalStateException("closeWithInner() on " + domain + ": this section (depth " + level
                        + ") was closed already, " + open + " section(s) open. Nothing was changed.");
            }
            setCtrRelease(c - (open - level + 1) * NEST_UNIT); // [C] pairs with [C']
        }

        /**
         * Ends the innermost section; the caller has checked that this is the owner's record.
         * {@code called} names the user's call in the error when no section is open.
         */
        void unlock(String called) {
            int c = ctr;
            if (c < NEST_UNIT) {
                throw domain.noSectionOpen(called);
            }
            setCtrRelease(c - NEST_UNIT); // [C] pairs with [C']
        }

        int ctrAcquire() {
            return (int) CTR.getAcquire(this);
        }

        private void setCtrOpaque(int value) {
            CTR.setOpaque(this, value);
        }

        private void setCtrRelease(int value) {
            CTR.setRelease(this, value);
        }

        private static final VarHandle CTR;

        static {
            try {
                CTR = MethodHandles.lookup().findVarHandle(Reader.class, "ctr", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** What read() returns for a nested section: its reader and level, for closeWithInner(). */
    private static final class NestedSection implements RcuDomain.ReadSection, UnwindingSection {
        private final Reader reader;
        private final int level;

        NestedSection(Reader reader, int level) {
            this.reader = reader;
            this.level = level;
        }

        @Override
        public void close() {
            reader.close();
        }

        @Override
        public void closeWithInner() {
            reader.closeWithInner(level);
        }

        @Override
        public String toString() {
            return "NestedSection[level " + level + " of " + reader.domain + "]";
        }
    }

    // ---- accessors ----

    private int gpCtrOpaque() {
        return (int) GP_CTR.getOpaque(this);
    }

    private void setGpCtrVolatile(int value) {
        GP_CTR.setVolatile(this, value);
    }

    private static final VarHandle GP_CTR;

    static {
        try {
            GP_CTR = MethodHandles.lookup().findVarHandle(ClassicRcuDomain.class, "gpCtr", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
