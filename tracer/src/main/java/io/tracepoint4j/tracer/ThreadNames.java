package io.tracepoint4j.tracer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Which threads' names a session has written: a direct-mapped cache of thread ids and names, so a
 * writer checks with two loads whether its thread is named in the trace yet, and memory stays fixed
 * however many threads fire.
 */
final class ThreadNames {
    /*
     * Design note.
     *
     * Overview: slot (hash of the thread id mod capacity) holds the last thread named through it,
     *   as a Named: its id and the name written. A writer whose thread is not in its slot, or was
     *   renamed since (Thread.setName makes a new String), writes a thread event (id and name) and
     *   puts a new Named there (an object per name written, not per event). Two threads sharing a slot take turns: each is named again after the other fired,
     *   so a name is written once per thread unless more threads than slots fire in turns; then it
     *   is written again, never missing. Readers take a thread's name from its latest thread event.
     *   A snapshot names the threads of its events from the slots (named(): id and name from one
     *   object, never a torn pair), as the trace named them, and the ended owners of buffers that
     *   others took over are put there for that (remember()). The slots hold no Thread: an ended
     *   thread's Thread keeps its context class loader and its task, and a session that recorded a
     *   plugin's worker thread must not keep the plugin's loader alive.
     *
     * Memory ordering
     *   [TN] slots are read and written opaque (a Named's fields are final, so whoever loads one
     *        sees them: JLS 17.5): a stale read only makes a writer name its thread
     *        again (a duplicate event), never skip a name it has not written; the name event itself
     *        is a record of the ring buffer, ordered by its commit. threads() reads them opaque
     *        too: a snapshot taken after a grace period of the session's domain sees every slot
     *        written by a writer whose section ended before it (the grace period orders them).
     */

    /** A thread's id and the name a trace gave it. */
    static final class Named {
        final long id;
        final String name;

        Named(long id, String name) {
            this.id = id;
            this.name = name;
        }

        /** {@code thread}'s id and current name. */
        static Named of(Thread thread) {
            return new Named(thread.threadId(), thread.getName());
        }
    }

    private final Named[] slots;
    private final int mask;

    /** {@code capacity}: a power of two. */
    ThreadNames(int capacity) {
        this.slots = new Named[capacity];
        this.mask = capacity - 1;
    }

    /**
     * The name to write for thread {@code tid}, {@code thread}, now, counted as written; or null if
     * the trace has it already, and the thread was not renamed since.
     */
    Named claim(Thread thread, long tid) {
        int slot = slot(tid);
        Named named = slotOpaque(slot); // [TN]
        String name = thread.getName();
        if (named != null && named.id == tid && named.name == name) { // objects: setName makes a new String
            return null;
        }
        named = new Named(tid, name);
        setSlotOpaque(slot, named); // [TN]
        return named;
    }

    /**
     * Keeps {@code named}, a thread that ended, among the names a snapshot or a new chunk writes
     * (threads named through the cache): its records may outlive its name event in a buffer
     * another thread took over (ThreadBuffers' "Taking over"). A thread of its slot that fires
     * again is named again, once.
     */
    void remember(Named named) {
        setSlotOpaque(slot(named.id), named); // [TN]
    }

    /** Forgets {@code named} (its thread event was lost): its thread is named again. */
    void forget(Named named) {
        int slot = slot(named.id);
        if (slotOpaque(slot) == named) { // [TN]
            setSlotOpaque(slot, null); // [TN]
        }
    }

    /** Forgets every name: a new trace chunk names its threads again. */
    void clear() {
        for (int i = 0; i < slots.length; i++) {
            setSlotOpaque(i, null); // [TN]
        }
    }

    /** The threads named through the cache now, at most one per slot: for a snapshot's thread names. */
    List<Named> named() {
        List<Named> named = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            Named slot = slotOpaque(i); // [TN]
            if (slot != null) {
                named.add(slot);
            }
        }
        return named;
    }

    private int slot(long id) {
        return (int) (id ^ (id >>> 17)) & mask;
    }

    private Named slotOpaque(int slot) {
        return (Named) SLOTS.getOpaque(slots, slot);
    }

    private void setSlotOpaque(int slot, Named named) {
        SLOTS.setOpaque(slots, slot, named);
    }

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Named[].class);
}
