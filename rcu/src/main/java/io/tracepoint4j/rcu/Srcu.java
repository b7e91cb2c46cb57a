package io.tracepoint4j.rcu;

/**
 * Sleepable RCU: a domain whose readers may block, sleep, do I/O, nest (within this and other
 * domains), run on virtual threads across park and unpark, and need no registration. Modeled on the
 * Linux kernel's Tree SRCU.
 *
 * <pre>{@code
 * static final Srcu DOMAIN = Srcu.create("config");
 *
 * // reader, any thread
 * try (var section = DOMAIN.read()) {
 *     use(CONFIG.getAcquire());          // may block
 * }
 * // updater
 * Config old = CONFIG.getAndSet(fresh);
 * DOMAIN.synchronize();                   // no reader still sees old
 * old.release();
 * }</pre>
 *
 * <p>Read sides, all allocation-free:
 * <ul>
 *   <li>{@link #read()}: try-with-resources, same thread.
 *   <li>{@link #readLock()} / {@link #readUnlock(int)}: a token pair, same thread, strictly nested.
 *   <li>{@link #downRead()} / {@link #upRead(int)}: a token pair whose unlock may run on any thread
 *       (the kernel's {@code srcu_down_read()}/{@code srcu_up_read()}).
 * </ul>
 *
 * <p>Memory consistency effects: as {@link RcuDomain}; a critical section ended by {@code upRead} on
 * another thread counts as ending there.
 */
public interface Srcu extends RcuDomain {

    /** Creates an independent SRCU domain with default settings. */
    static Srcu create(String name) {
        return builder(name).build();
    }

    /** A builder for an SRCU domain named {@code name}. */
    static RcuDomain.Builder<Srcu> builder(String name) {
        return new RcuDomain.Builder<>(name, Srcu.class);
    }

    /**
     * Opens a read-side critical section on the calling thread; returns the token that
     * {@link #readUnlock(int)} needs. Wait-free after the thread's first use of this domain.
     *
     * @throws IllegalStateException if sections are nested deeper than 16383 on this thread, or the
     *     domain is closed (as {@link #read()})
     */
    int readLock();

    /**
     * Ends the section {@code token} opened; must run on the thread that opened it, innermost first.
     *
     * @throws IllegalStateException if {@code token} is not this thread's innermost section of this
     *     domain (unbalanced, out of order, from another domain, from {@link #downRead()}, from
     *     another thread, or of a section that ended already: tokens are salted per thread and per
     *     outermost section, so such a token is refused but for one chance in 32768); nothing
     *     changes then. Not refused: the token of an ended nested section while a later one of the
     *     same depth is open in the same outermost section (it ends that one)
     */
    void readUnlock(int token);

    /**
     * Opens a read-side critical section that may be ended by {@link #upRead(int)} on any thread.
     * Such a section is not nested in the caller's: the calling thread may end its other sections
     * while this one stays open.
     *
     * @throws IllegalStateException if the domain is closed (as {@link #read()})
     */
    int downRead();

    /**
     * Ends a section opened by {@link #downRead()}, on any thread.
     *
     * @throws IllegalStateException if {@code token} is not a {@code downRead} token of this domain,
     *     or more sections are ended than were opened; nothing changes then
     */
    void upRead(int token);
}
