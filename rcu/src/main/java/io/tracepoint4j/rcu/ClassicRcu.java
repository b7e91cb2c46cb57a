package io.tracepoint4j.rcu;

/**
 * Classic RCU: the cheapest read side the JVM allows, for readers that never block. Modeled on
 * liburcu's memb flavor: each thread keeps one reader word that only it writes; on Linux, grace
 * periods use the {@code membarrier(2)} system call so that readers carry no fence at all (see
 * {@link ReadSideBarrier}). Threads register themselves on first use and are forgotten after they
 * end.
 *
 * <p>Readers must not block, sleep or wait inside a section: that delays every grace period of the
 * domain (use {@link Srcu} for that). Sections nest; they must end on the thread that began them.
 *
 * <p>Memory consistency effects: as {@link RcuDomain}.
 */
public interface ClassicRcu extends RcuDomain {

    /** Creates an independent classic RCU domain with default settings. */
    static ClassicRcu create(String name) {
        return builder(name).build();
    }

    /** A builder for a classic RCU domain named {@code name}. */
    static RcuDomain.Builder<ClassicRcu> builder(String name) {
        return new RcuDomain.Builder<>(name, ClassicRcu.class);
    }

    /**
     * Opens a read-side critical section on the calling thread. Wait-free after first use.
     *
     * @throws IllegalStateException if sections are nested deeper than 65535 on this thread, or
     *     the domain is closed (as {@link #read()})
     */
    void readLock();

    /**
     * Ends the calling thread's innermost read-side critical section of this domain.
     *
     * @throws IllegalStateException if the calling thread has no section of this domain open
     */
    void readUnlock();
}
