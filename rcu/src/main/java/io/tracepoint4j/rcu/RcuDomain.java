package io.tracepoint4j.rcu;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The update side shared by every RCU flavor: grace periods, deferred callbacks, barrier and polled
 * grace periods. A domain is independent of every other: a reader that holds a read-side critical
 * section of domain A forever delays no grace period of domain B.
 *
 * <p>A <em>grace period</em> is an interval during which every read-side critical section that was
 * running when it began has ended. The flavors differ in their read side: {@link Srcu} readers may
 * block, sleep and end on another thread; {@link ClassicRcu} readers must not block and get the
 * cheapest read side the JVM allows.
 *
 * <p>Memory consistency effects: actions in a thread before {@link #synchronize()} (or before
 * {@link #call(Runnable)}, or before the {@link #startPoll()}/{@link #state()} that produced a cookie
 * for which {@link #pollState(long)} later returns true) happen-before the start of every read-side
 * critical section that begins after the grace period ends; and every action inside a read-side
 * critical section that began before {@code synchronize()} (or {@code call}, or the cookie) happens-
 * before {@code synchronize()} returns (or the callback runs, or {@code pollState} returns true).
 *
 * <p>Thread safety: every method may be called from any thread, including virtual threads.
 */
public interface RcuDomain extends AutoCloseable {

    /** The name given at creation, used in thread names, logs and error messages. */
    String name();

    /**
     * Opens a read-side critical section, closed by the returned object, for use with
     * try-with-resources. Allocation-free: the object is per thread (SRCU: per thread and nesting
     * level, made the first time a thread nests that deep) and reused. The section must be closed on
     * the thread that opened it; sections nest. A thread that ends inside a section has it ended for
     * it, with a WARNING through {@link System.Logger} "io.tracepoint4j.rcu".
     *
     * <p>Progress: wait-free, except for the first call on a thread, which registers the thread.
     *
     * @throws IllegalStateException if the domain is closed (a read racing with {@link #close()}
     *     may go unnoticed), or sections are nested deeper than the flavor allows on this thread
     *     (SRCU 16383, classic 65535)
     */
    ReadSection read();

    /**
     * Whether the calling thread is inside a read-side critical section of this domain that it
     * opened and has not closed: the kernel's {@code rcu_read_lock_held()} and {@code
     * srcu_read_lock_held()}. For assertions, and for refusing a blocking call where a reader must
     * not block. Sections opened by {@link Srcu#downRead()} belong to no thread and do not count.
     * Registers nothing: a thread that never read here gets false.
     */
    boolean inReadSection();

    /**
     * Waits for a full grace period: returns only after every read-side critical section of this
     * domain that began before the call has ended. Concurrent callers share grace periods. Blocks,
     * and is not interruptible: an interrupt is kept (the thread's flag stays set) and the wait
     * goes on, since returning early would break the guarantee.
     *
     * @throws IllegalStateException if the calling thread is inside a read-side critical section of
     *     this domain (the call could never return), or the domain is closed
     */
    void synchronize();

    /**
     * Same guarantee as {@link #synchronize()}, with lower latency: the caller spins rather than
     * sleeps while readers drain, spending CPU time for it.
     *
     * @throws IllegalStateException as {@link #synchronize()}
     */
    void synchronizeExpedited();

    /**
     * Queues {@code callback} to run after a full grace period, on a thread of the library's (named
     * after this domain while it runs its callbacks), never the caller's. Callbacks run in the order
     * queued; many calls share a grace period. Callbacks must not block: they delay the callbacks
     * queued after them. A callback that throws is reported through {@link System.Logger} and does
     * not stop the others.
     *
     * <p>Progress: lock-free, except that a call racing with {@link #close()} waits for it to decide.
     *
     * @throws NullPointerException if {@code callback} is null
     * @throws IllegalStateException if the domain is closed
     */
    void call(Runnable callback);

    /**
     * Waits until every callback queued by {@link #call(Runnable)} before this call has run. Not
     * interruptible, as {@link #synchronize()}.
     *
     * @throws IllegalStateException if called inside a read-side critical section of this domain, or
     *     from one of this domain's callbacks, or the domain is closed
     */
    void barrier();

    /**
     * A cookie for the end of the first grace period that starts after now, without starting one:
     * {@link #pollState(long)} turns true once some grace period (requested by anyone) has covered
     * it. Cookies are monotone: a later call never returns a smaller cookie.
     */
    long state();

    /**
     * Like {@link #state()}, and makes sure the grace period the cookie waits for will happen: this
     * domain's own thread runs it, so the cookie completes by itself. Does not block.
     *
     * @throws IllegalStateException if the domain is closed
     */
    long startPoll();

    /**
     * Whether the grace period that {@code cookie} waits for has ended. Non-blocking and wait-free.
     */
    boolean pollState(long cookie);

    /** How many grace periods this domain has completed since it was created. */
    long completedGracePeriods();

    /**
     * Closes the domain: afterwards every update-side call throws {@link IllegalStateException}
     * ({@link #state()}, {@link #pollState(long)} and {@link #completedGracePeriods()} still answer;
     * no grace period starts any more), and
     * so does opening a read-side critical section (at no cost to reads before: closing empties the
     * cache through which threads find their reader state).
     * Refuses, changing nothing, while any read-side critical section is open, any callback is
     * pending, or a grace period is in progress or still requested by {@link #startPoll()}. Closing a
     * closed domain does nothing. Call it once no thread will read again. A {@code call()} or
     * {@code startPoll()} racing with it comes either before it (its work counts as outstanding) or
     * after it (it throws): when {@code close()} returns, every callback accepted has run.
     *
     * @throws IllegalStateException naming what is still outstanding
     */
    @Override
    void close();

    /** A read-side critical section opened by {@link #read()}; {@code close()} ends it. */
    interface ReadSection extends AutoCloseable {
        /**
         * Ends the read-side critical section. Classic RCU: ends the thread's innermost section,
         * however it was opened (its sections are a nesting count, as in the kernel). SRCU: ends
         * this section, which must be the thread's innermost.
         *
         * @throws IllegalStateException if called on another thread than the one that opened the
         *     section, if that thread has no section open, or (SRCU) if this section was closed
         *     already, a section opened inside it is still open, or the innermost section was opened
         *     by {@code readLock()}; nothing changes then
         */
        @Override
        void close();
    }

    /**
     * What a stall report of a domain should tell its reader beyond the stalled thread's name and
     * stack: for example which of the domain's users the thread is in, and how to fix it.
     */
    interface StallAdvice {
        /**
         * Advice for the report on {@code stalled}, whose stack is {@code stack}; null for none.
         * Called while the domain's grace period waits, holding its lock: it must not block, nor use
         * the domain. If it throws, the report goes out without advice.
         */
        String advise(Thread stalled, StackTraceElement[] stack);
    }

    /** Settings of a domain, then {@link #build()}. */
    final class Builder<D extends RcuDomain> {
        private final String name;
        /** {@code Srcu.class} or {@code ClassicRcu.class}: what build() makes. */
        private final Class<D> kind;

        private Duration stallTimeout = DomainSettings.defaultStallTimeout();
        private long readerFenceAfterNanos = DomainSettings.defaultReaderFenceAfterNanos();
        private long readerFenceIdleNanos = DomainSettings.DEFAULT_READER_FENCE_IDLE_NANOS;
        private Executor callbackExecutor = DomainSettings.CALLBACK_THREADS;
        private StallAdvice stallAdvice;

        Builder(String name, Class<D> kind) {
            this.name = DomainSettings.checkName(name);
            this.kind = kind;
        }

        /**
         * How long a grace period may wait for a reader before the reader is reported once, with its
         * thread's name and stack, through {@link System.Logger} (WARNING). The grace period keeps
         * waiting. Default: 10 s, or the system property {@code tracepoint4j.rcu.stallTimeoutMillis}.
         */
        public Builder<D> stallTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("stall timeout must be positive, was " + timeout);
            }
            this.stallTimeout = timeout;
            return this;
        }

        /** Advice appended to this domain's stall reports (see {@link StallAdvice}); default none. */
        public Builder<D> stallAdvice(StallAdvice advice) {
            this.stallAdvice = advice;
            return this;
        }

        /** Creates the domain. */
        @SuppressWarnings("unchecked") // kind says which builder this is
        public D build() {
            return kind == Srcu.class
                    ? kind.cast(SrcuFacade.create((Builder<Srcu>) this))
                    : kind.cast(ClassicRcuFacade.create((Builder<ClassicRcu>) this));
        }

        String name() {
            return name;
        }

        Duration stallTimeout() {
            return stallTimeout;
        }

        /** Tests: how slow a membarrier makes readers fence; negative: never (see AdaptiveReaderFences). */
        Builder<D> readerFenceAfterNanos(long nanos) {
            this.readerFenceAfterNanos = nanos;
            return this;
        }

        long readerFenceAfterNanos() {
            return readerFenceAfterNanos;
        }

        /**
         * Tests: how close grace periods must follow one another to count as in a row, and how long
         * they must be idle before readers stop fencing (see AdaptiveReaderFences).
         */
        Builder<D> readerFenceIdleNanos(long nanos) {
            this.readerFenceIdleNanos = nanos;
            return this;
        }

        long readerFenceIdleNanos() {
            return readerFenceIdleNanos;
        }

        /**
         * Tests: where the domain's callback task runs (default: a shared cached pool of daemon
         * threads); fault-injection tests pass an executor that refuses.
         */
        Builder<D> callbackExecutor(Executor executor) {
            this.callbackExecutor = executor;
            return this;
        }

        Executor callbackExecutor() {
            return callbackExecutor;
        }

        StallAdvice stallAdvice() {
            return stallAdvice;
        }
    }
}
