package io.tracepoint4j.tracer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Which threads' names a session has written: a direct-mapped cache of threads, so a writer checks
 * with one load whether its thread is named in the trace yet, and memory stays fixed however many
 * threads fire.
 */
final class ThreadNames {
    /*
     * Design note.
     *
     * Overview: slot (hash of the thread id mod capacity) holds the last thread named through it.
     *   A writer whose thread is not in its slot writes a thread event (id and name) and puts its
     *   thread there. Two threads sharing a slot take turns: each is named again after the other
     *   fired, so a name is written once per thread unless more threads than slots fire in turns;
     *   then it is written again, never missing. Readers take a thread's name from its latest
     *   thread event. The slots hold the Thread objects themselves (a reference compare on the
     *   writer's path, as cheap as an id's), so that a snapshot can name the threads of its events
     *   (threads(): id and current name from one object, never a torn pair); at most capacity
     *   threads are kept reachable by it.
     *
     * Memory ordering
     *   [TN] slots are read and written opaque: a stale read only makes a writer name its thread
     *        again (a duplicate event), never skip a name it has not written; the name event itself
     *        is a record of the ring buffer, ordered by its commit. threads() reads them opaque
     *        too: a snapshot taken after a grace period of the session's domain sees every slot
     *        written by a writer whose section ended before it (the grace period orders them).
     */

    private final Thread[] slots;
    private final int mask;

    /** {@code capacity}: a power of two. */
    ThreadNames(int capacity) {
        this.slots = new Thread[capacity];
        this.mask = capacity - 1;
    }

    /** Whether {@code thread}'s name must be written now; if so, counts it as written. */
    boolean claim(Thread thread) {
        int slot = slot(thread);
        if (slotOpaque(slot) == thread) { // [TN]
            return false;
        }
        setSlotOpaque(slot, thread); // [TN]
        return true;
    }

    /** Forgets that {@code thread} was named (its thread event was lost): it is named again. */
    void forget(Thread thread) {
        int slot = slot(thread);
        if (slotOpaque(slot) == thread) { // [TN]
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
    List<Thread> threads() {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            Thread thread = slotOpaque(i); // [TN]
            if (thread != null) {
                threads.add(thread);
            }
        }
        return threads;
    }

    private int slot(Thread thread) {
        long id = thread.threadId();
        return (int) (id ^ (id >>> 17)) & mask;
    }

    private Thread slotOpaque(int slot) {
        return (Thread) SLOTS.getOpaque(slots, slot);
    }

    private void setSlotOpaque(int slot, Thread thread) {
        SLOTS.setOpaque(slots, slot, thread);
    }

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Thread[].class);
}
