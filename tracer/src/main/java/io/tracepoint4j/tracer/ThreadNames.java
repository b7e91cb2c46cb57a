package io.tracepoint4j.tracer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which threads' names a session has written: a direct-mapped cache of thread ids, so a writer
 * checks with one load whether its thread is named in the trace yet, and memory stays fixed however
 * many threads fire.
 */
final class ThreadNames {
    /*
     * Design note.
     *
     * Overview: slot (id mod capacity) holds the last thread id named through it. A writer whose
     *   thread id is not in its slot writes a thread event (id and name) and puts its id there. Two
     *   threads sharing a slot take turns: each is named again after the other fired, so a name is
     *   written once per thread unless more threads than slots fire in turns; then it is written
     *   again, never missing. Readers take a thread's name from its latest thread event.
     *
     * Memory ordering
     *   [TN] slots are read and written opaque: a stale read only makes a writer name its thread
     *        again (a duplicate event), never skip a name it has not written; the name event itself
     *        is a record of the ring buffer, ordered by its commit.
     */

    private final long[] slots;
    private final int mask;

    /** {@code capacity}: a power of two. */
    ThreadNames(int capacity) {
        this.slots = new long[capacity];
        this.mask = capacity - 1;
        java.util.Arrays.fill(slots, -1L); // no thread has id -1
    }

    /** Whether thread {@code id}'s name must be written now; if so, counts it as written. */
    boolean claim(long id) {
        int slot = slot(id);
        if (slotOpaque(slot) == id) { // [TN]
            return false;
        }
        setSlotOpaque(slot, id); // [TN]
        return true;
    }

    /** Forgets that thread {@code id} was named (its thread event was lost): it is named again. */
    void forget(long id) {
        int slot = slot(id);
        if (slotOpaque(slot) == id) { // [TN]
            setSlotOpaque(slot, -1L); // [TN]
        }
    }

    /** Forgets every name: a new trace chunk names its threads again. */
    void clear() {
        for (int i = 0; i < slots.length; i++) {
            setSlotOpaque(i, -1L); // [TN]
        }
    }

    /** The slot of thread {@code id}. */
    private int slot(long id) {
        return (int) (id ^ (id >>> 17)) & mask;
    }

    private long slotOpaque(int slot) {
        return (long) SLOTS.getOpaque(slots, slot);
    }

    private void setSlotOpaque(int slot, long id) {
        SLOTS.setOpaque(slots, slot, id);
    }

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
}
