package io.tracepoint4j.jcstress.gp;

/**
 * Keeps the reader inside its read-side critical section for a few microseconds, between the
 * section's two accesses, so that sections overlap grace periods.
 *
 * <p>Without it a section lasts nanoseconds and a grace period microseconds: the two actors rarely
 * overlap, and a grace period that skips waiting for a reader (the bug the patterns exist to catch)
 * passes the quick run. With a section about as long as a grace period, most samples in which the
 * updater runs while the reader is inside its section put the grace period's start inside the
 * section. The hold adds no ordering: it is a spin on {@link System#nanoTime()}, which reads no
 * shared memory.
 */
final class SectionHold {

    /**
     * How long the reader holds its section, in nanoseconds: {@code
     * -Dtracepoint4j.jcstress.sectionHoldNanos=N} on the launcher (jcstress copies it to the forked
     * VMs) overrides it; 0 turns the hold off.
     */
    static final long NANOS = Long.getLong("tracepoint4j.jcstress.sectionHoldNanos", 2_000L);

    private SectionHold() {}

    /** Spins for {@link #NANOS}; bounded, since {@link System#nanoTime()} is monotonic. */
    static void spin() {
        long start = System.nanoTime();
        while (System.nanoTime() - start < NANOS) {
            Thread.onSpinWait();
        }
    }
}
