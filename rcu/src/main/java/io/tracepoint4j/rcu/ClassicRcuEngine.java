package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.ClassicReader.NEST_SHIFT;
import static io.tracepoint4j.rcu.ClassicReader.NEST_UNIT;
import static io.tracepoint4j.rcu.ClassicReader.PHASE;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/** A classic RCU domain: liburcu's memb flavor, one reader word per thread. */
final class ClassicRcuEngine extends GracePeriodEngine<ClassicReader> {
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
     *   [B] AdaptiveReaderFences [B] in classic RCU: an outermost lock is an opaque store of the
     *       reader word (ClassicReader.lock()), then readerBarrier(). Pairs with [A], the grace
     *       period's barrier (store buffering, asymmetric). Nested locks need no barrier: the
     *       thread is already a visible reader.
     *   [C] GracePeriodEngine [C] in classic RCU: an unlock is a release store of the decremented
     *       reader word (ClassicReader). Pairs with [C'].
     *   [C'] GracePeriodEngine [C'] in classic RCU: the scan's acquire load of each reader word.
     *   [F] GracePeriodEngine [F]: the volatile store of gpCtr.
     *
     * Invariants
     *   Nesting never exceeds MAX_NESTING (checked); an unlock with nesting 0 is refused unchanged.
     *   read() returns the ClassicReader for an outermost section and a NestedSection per deeper level
     *   (made on first use, then reused, fetched before the entry: [E]). close() of either ends the
     *   innermost section, whatever its level (classic does not check levels); closeWithInner()
     *   (UnwindingSection, for the tracepoint firing code) ends its level and every section above
     *   it in one store.
     *
     * Failure modes
     *   [E] GracePeriodEngine [E] in classic RCU: an entry's store is its last step but for the barrier, which is undone with a plain store
     *       of the old word if it throws; an exit's store is its last step. So an entry either opens
     *       the section or leaves no trace, and an exit either ends it or leaves it open.
     *
     * References
     *   liburcu include/urcu/static/urcu-memb.h, src/urcu.c (wait_for_readers, phase flip).
     */

    @SuppressWarnings("unused") // accessed through GP_CTR
    private int gpCtr = NEST_UNIT; // [G]/[F]

    ClassicRcuEngine(RcuDomain.Builder<ClassicRcu> settings) {
        super(settings.name(), "rcu", settings, new ClassicReader[ReaderRegistry.CACHE_SLOTS]);
        ClassicReader.initializeReadSide();
    }

    @Override
    public ClassicReader newReader(Thread owner) {
        return new ClassicReader(this, owner);
    }

    // ---- read side ----

    // The facade passes `cache`: registry.cache(), which the JIT treats as a constant there.

    void readLock(ClassicReader[] cache) {
        enter(reader(cache));
    }

    void readUnlock(ClassicReader[] cache) {
        ClassicReader reader = readerIfRegistered(cache);
        if (reader == null) {
            throw noSectionOpen("readUnlock()");
        }
        reader.unlock("readUnlock()");
    }

    RcuDomain.ReadSection read(ClassicReader[] cache) {
        ClassicReader reader = reader(cache);
        RcuDomain.ReadSection section = reader.section((reader.ctr >>> NEST_SHIFT) + 1); // may allocate: before [E]
        enter(reader);
        return section;
    }

    /** Opens a section: either it is open (counted, its barrier passed) or this throws with nothing changed ([E]). */
    private void enter(ClassicReader reader) {
        int word = reader.ctr;
        if (reader.lock(word, gpCtrOpaque())) { // [G]
            try {
                AdaptiveReaderFences.readerBarrier(this); // [B] after the entry store; pairs with [A] (store buffering)
            } catch (Throwable t) { // out of stack or memory: not entered after all. [E] a plain store only
                reader.ctr = word;
                throw t;
            }
        }
    }

    /** {@code called}: what the user called, e.g. {@code readUnlock()}. */
    IllegalStateException noSectionOpen(String called) {
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
        List<ClassicReader> readers = registry.readers();
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
    List<ClassicReader> readersIn(int slot) {
        List<ClassicReader> holding = new ArrayList<>();
        for (ClassicReader reader : registry.readers()) {
            if (holds(reader.ctrAcquire(), slot)) { // [C']
                holding.add(reader);
            }
        }
        return holding;
    }

    @Override
    String describeSection(ClassicReader reader, int slot) {
        return "which is inside a read-side critical section (nesting " + (reader.ctrAcquire() >>> NEST_SHIFT) // [C']
                + ") opened before the grace period; classic RCU readers must not block";
    }

    @Override
    String describeOpenSections() {
        List<String> threads = new ArrayList<>();
        for (ClassicReader reader : registry.readers()) {
            if (reader.ctrAcquire() >= NEST_UNIT) { // [C']
                threads.add(reader.describeOwner());
            }
        }
        return threads.isEmpty()
                ? null
                : threads.size() + " thread(s) are inside read-side critical sections (" + String.join(", ", threads)
                        + ")";
    }

    @Override
    int retireEnded(ClassicReader reader) {
        return reader.ctr >>> NEST_SHIFT; // its word drops out of every scan with its reader
    }

    @Override
    boolean inReadSection() {
        ClassicReader reader = readerIfRegistered(registry.cache());
        return reader != null && reader.ctr >= NEST_UNIT;
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
            GP_CTR = MethodHandles.lookup().findVarHandle(ClassicRcuEngine.class, "gpCtr", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
