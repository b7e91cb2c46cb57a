package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.UnwindingSection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's reader word for this domain; also the ReadSection that read() returns for an
 * outermost section.
 */
final class ClassicReader extends ReaderRegistry.Reader implements RcuDomain.ReadSection, UnwindingSection {
    /*
     * Overview
     *   The word's layout and the protocol are ClassicRcuEngine's (see its design note). This file
     *   holds the owner's side: lock() makes the entry store, unlock() and closeWithInner() the
     *   exit store, each the one committing store of its path ([E] in ClassicRcuEngine).
     *   restartIfAbandoned() of a nested section (the tracepoint firing code's) ends every section
     *   with one exit store when this reader, the outermost section, is marked abandoned
     *   (OutermostSection), then opens a new outermost section.
     *
     * Memory ordering
     *   The labels are ClassicRcuEngine's: [B] the entry store (an opaque store; the engine then
     *   passes the reader barrier, made visible to scans by [A]), [C] the exit store (release),
     *   pairing with [C'], the scan's acquire load of the word.
     */

    static final int PHASE = 1;
    static final int NEST_SHIFT = 1;
    /** One level of nesting; a word below it has no section open. */
    static final int NEST_UNIT = 1 << NEST_SHIFT;

    static final int MAX_NESTING = 0xFFFF;

    private final ClassicRcuEngine engine;
    /** Nesting count << 1 | phase; written only by the owner. */
    int ctr;
    /** The section objects of levels 2, 3, ... (index level - 2), made on first use; owner only. */
    private NestedSection[] nestedSections;

    /** Initializes the classes a first read needs on the thread creating the domain (see GracePeriodEngine.initializeNow). */
    static void initializeReadSide() {
        GracePeriodEngine.initializeNow(ClassicReader.class, NestedSection.class);
    }

    ClassicReader(ClassicRcuEngine engine, Thread owner) {
        super(owner);
        this.engine = engine;
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
                    "read-side critical sections of " + engine + " nested deeper than " + MAX_NESTING);
        }
    }

    @Override
    public void close() {
        if (!ownedByCurrentThread()) {
            throw engine.wrongThread(this, "");
        }
        unlock("ReadSection.close()");
    }

    @Override
    public void closeWithInner() {
        closeWithInner(1);
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
     * of the thread belongs to an unwound frame. Ends them (one store, [E]), then clears the mark
     * and opens a new outermost section; if that throws, nothing is open.
     */
    RcuDomain.ReadSection restart() {
        closeWithInner(1);
        abandoned = false;
        return engine.read(engine.registry.cache());
    }

    /**
     * The object read() returns for a section opened at {@code level} (1 is the outermost):
     * this reader itself, or one of the per-level objects, made on first use and kept. Its
     * close() ends the innermost section, whatever its level; its closeWithInner() uses the level.
     */
    RcuDomain.ReadSection section(int level) {
        if (level == 1) {
            return this;
        }
        int index = level - 2;
        NestedSection[] made = nestedSections;
        if (made == null || index >= made.length || made[index] == null) {
            made = nestedSections = withRoomFor(made, index, new NestedSection[0]);
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
            throw engine.wrongThread(this, "");
        }
        int c = ctr;
        int open = c >>> NEST_SHIFT;
        if (open < level) {
            throw new IllegalStateException("closeWithInner() on " + engine + ": this section (depth " + level
                    + ") was closed already, " + open + " section(s) open. Nothing was changed.");
        }
        setCtrRelease(c - (open - level + 1) * NEST_UNIT); // [C] pairs with [C']
    }

    /**
     * Ends the innermost section; the caller has checked that this is the owner's reader.
     * {@code called} names the user's call in the error when no section is open.
     */
    void unlock(String called) {
        int c = ctr;
        if (c < NEST_UNIT) {
            throw engine.noSectionOpen(called);
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
            CTR = MethodHandles.lookup().findVarHandle(ClassicReader.class, "ctr", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What read() returns for a nested section: its reader and level, for closeWithInner(). */
    private static final class NestedSection implements RcuDomain.ReadSection, UnwindingSection {
        private final ClassicReader reader;
        private final int level;

        NestedSection(ClassicReader reader, int level) {
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
        public int level() {
            return level;
        }

        @Override
        public RcuDomain.ReadSection restartIfAbandoned() {
            return reader.abandoned ? reader.restart() : this;
        }

        @Override
        public String toString() {
            return "NestedSection[level " + level + " of " + reader.engine + "]";
        }
    }
}
