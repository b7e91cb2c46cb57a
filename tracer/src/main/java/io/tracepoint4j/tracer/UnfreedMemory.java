package io.tracepoint4j.tracer;

import io.tracepoint4j.rcu.internal.LibraryThreads;
import java.lang.foreign.Arena;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashSet;
import java.util.Set;

/**
 * The memory of sessions' buffers not freed yet: closed by {@link #free()} once the session stopped,
 * or by a thread of the library's once its owner became unreachable without that (a session built
 * and never started, or whose stop threw first), as an automatic arena would be, but only while
 * some memory is unfreed: unlike a {@link java.lang.ref.Cleaner}'s, the thread ends when the last
 * is freed, so a JVM whose sessions all stopped keeps no thread of them (tp record's detach leaves
 * the target as it was).
 */
final class UnfreedMemory extends PhantomReference<Object> {
    /*
     * Design note.
     *
     * Registry: UNFREED holds each entry from construction until it is freed (strongly: a phantom
     *   reference must be reachable to be enqueued). free() removes it and closes the arena; the one
     *   that removes it closes it, so it is closed once, by free() or by the reaper. Guarded by
     *   UnfreedMemory.class, as is `reaper`.
     *
     * Reaper: started by the first registration while none runs; it waits for owners that became
     *   unreachable, a second at a time, frees theirs, and ends (setting `reaper` to null, under the
     *   lock, also if it fails) when nothing is left to free. A registration after that starts a
     *   new one. So there is
     *   a reaper thread exactly while some memory is unfreed, give or take the second it waits.
     */

    private static final ReferenceQueue<Object> UNREACHABLE = new ReferenceQueue<>();
    /** See "Registry". Guarded by UnfreedMemory.class. */
    private static final Set<UnfreedMemory> UNFREED = new HashSet<>();
    /** The reaper running, if any. Guarded by UnfreedMemory.class. */
    private static Thread reaper;

    private static final long WAIT_MILLIS = 1_000;

    private final Arena arena;

    private UnfreedMemory(Object owner, Arena arena) {
        super(owner, UNREACHABLE);
        this.arena = arena;
    }

    /** Keeps {@code arena} until {@link #free()}, or until {@code owner} is unreachable. */
    static UnfreedMemory register(Object owner, Arena arena) {
        UnfreedMemory entry = new UnfreedMemory(owner, arena);
        synchronized (UnfreedMemory.class) {
            if (reaper == null) { // first: a thread that cannot start leaves nothing registered
                reaper = LibraryThreads.start("tracepoint4j-session-memory", new Reaper());
            }
            UNFREED.add(entry);
        }
        return entry;
    }

    /** Closes the arena, if it is not closed yet. Idempotent. */
    void free() {
        boolean ours;
        synchronized (UnfreedMemory.class) {
            ours = UNFREED.remove(this);
        }
        if (ours) {
            arena.close();
        }
    }

    /** How many arenas are unfreed now: for tests. */
    static synchronized int count() {
        return UNFREED.size();
    }

    /** Frees the memory of owners gone unreachable while there is any unfreed; a class, not a lambda. */
    private static final class Reaper implements Runnable {
        @Override
        public void run() {
            try {
                while (true) {
                    Reference<?> gone;
                    try {
                        gone = UNREACHABLE.remove(WAIT_MILLIS);
                    } catch (InterruptedException e) {
                        gone = null; // look whether anything is left, as after a timeout
                    }
                    if (gone != null) {
                        freeQuietly((UnfreedMemory) gone);
                        continue;
                    }
                    synchronized (UnfreedMemory.class) {
                        if (UNFREED.isEmpty()) {
                            reaper = null; // in the decision's lock: a register() after it starts another
                            return;
                        }
                    }
                }
            } finally {
                synchronized (UnfreedMemory.class) { // if it failed: the next register() starts another
                    if (reaper == Thread.currentThread()) {
                        reaper = null;
                    }
                }
            }
        }

        /** Frees one arena; a failure to close it (it stays mapped) does not end the reaper. */
        private static void freeQuietly(UnfreedMemory entry) {
            try {
                entry.free();
            } catch (RuntimeException | Error e) {
                // the arena is out of UNFREED: it is not tried again
            }
        }
    }
}
