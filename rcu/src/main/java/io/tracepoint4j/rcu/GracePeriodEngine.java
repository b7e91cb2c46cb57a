package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.GracePeriodSequence.SCAN1;
import static io.tracepoint4j.rcu.GracePeriodSequence.SCAN2;
import static io.tracepoint4j.rcu.GracePeriodSequence.done;
import static io.tracepoint4j.rcu.GracePeriodSequence.withState;

import io.tracepoint4j.rcu.internal.RateLimit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The update side every flavor shares: grace-period sequencing, synchronize, callbacks, barrier,
 * polling, stall reports and close. A flavor supplies its read side through the abstract methods:
 * which slot readers enter now, how to flip it, and whether a slot has drained.
 */
abstract class GracePeriodEngine<R extends ReaderRegistry.Record> implements ReaderRegistry.Owner<R> {
    /*
     * Overview
     *   Readers enter one of two slots (SRCU: the counter index; classic RCU: the phase bit). A grace
     *   period, run by whoever holds gpLock, is the kernel's Tree SRCU sequence:
     *     start: sequence state SCAN1, full fence [GS], barrier [A]
     *     SCAN1: wait until the slot readers are NOT entering has drained (late readers from before
     *            the previous flip)
     *     flip:  readers now enter the other slot [F]
     *     SCAN2: wait until the slot readers entered before the flip has drained
     *     end:   sequence advances to the next multiple of 4 [S]
     *   Draining the unused slot first and flipping makes grace periods starvation-free: readers
     *   arriving after the flip enter the slot SCAN2 does not wait on.
     *
     * Why one heavy barrier per grace period suffices
     *   A reader that began before the grace period stored its entry (lock count or reader word)
     *   before [A]. membarrier makes every running CPU execute a full fence during [A] (a descheduled
     *   thread got one at its context switch), so that store is visible to every scan after [A] and
     *   stays visible. A reader whose entry store is NOT visible to a scan therefore executed it
     *   after its CPU's fence in [A], and its section's loads follow the store (HotSpot keeps them in
     *   order, see ReadSideBarrier), so it sees every write the updater made before [A]: it is a new
     *   reader, and not waiting for it is correct. SRCU's scan sums unlock counts (acquire) before
     *   lock counts, so a counted unlock implies its counted lock, and equal sums with a visible
     *   older reader are impossible until that reader has ended (see SrcuDomain).
     *
     * Adaptive reader fences [RF] (the idea of RCU Tasks Trace's need_mb)
     *   membarrier interrupts every CPU running the process; on a VM that can cost 50 µs per grace
     *   period while readers run. When three in a row take longer than readerFenceAfterNanos, the
     *   engine sets readerFence; readers load it right after their entry store and, when set,
     *   follow the store with a full fence of their own. The next membarrier "establishes" it, and from then on [A]
     *   is a plain full fence, until grace periods have been idle READER_FENCE_IDLE_MILLIS and the
     *   flag is cleared (under gpLock; the next [A] is a membarrier again). Why a fence suffices once
     *   established: a reader that loaded readerFence as set fenced between its entry store and its
     *   section's loads (store buffering with [A]). A reader that loaded it clear did that load
     *   before its CPU's fence in the establishing membarrier (every load after that fence sees the
     *   flag, stored before the membarrier), so its entry store, earlier in program order, was
     *   visible after that membarrier, hence to every later scan. Relies, like [B], on HotSpot not
     *   moving the flag load above the opaque entry store.
     *
     * Concurrency
     *   gpLock serializes grace periods; concurrent synchronize() callers take a cookie first, then
     *   the lock, and return as soon as the sequence passed their cookie, so one grace period serves
     *   every caller that arrived before it began. call() and startPoll() are lock-free and hand the
     *   work to one callback task per domain, run on a shared cached pool of daemon threads; the task
     *   drives grace periods through the same lock. Readers never take a lock.
     *
     * Memory ordering
     *   [SN] snapshotCookie(): full fence, then read the sequence. Pairs with [GS] (store
     *        buffering): if an updater's snapshot did not see a grace period's start, that grace
     *        period's [A] and scans come after the updater's earlier writes.
     *   [GS] runGracePeriod(): volatile store of the started sequence, then a full fence.
     *   [A]  updaterBarrier(): membarrier (or a full fence once reader fences are established,
     *        [RF]); pairs with every reader's [B] (entry store + readerBarrier()), see above.
     *   [RF] readerFence: volatile stores by the gpLock holder, opaque loads by readers after their
     *        entry store and by the gpLock holder; see above.
     *   [S]  release stores of the sequence by the lock holder; pair with acquire loads in
     *        pollState(), driveTo(), completedGracePeriods(). The scans acquired every ended
     *        reader's [C] release, so a section happens-before whoever sees the grace period done.
     *   [N]  gpSeqNeeded: CAS-max by startPoll(), acquire read by the callback task; close() CASes
     *        its seal bit on, so that a startPoll() either raised it first or waits for close().
     *   [W1]/[W2] Dekker pair between producers (enqueue or request, then read taskScheduled) and
     *        the task (clear taskScheduled, then re-check for work). The producers' side is a CAS
     *        then a volatile read; the task's a volatile store, a full fence, then its acquire
     *        reads of the work: each side orders its store before its load, so no wake-up is lost.
     *   [E]  expeditedWaiters: opaque count read by the wait loop to switch to spinning.
     *   [CL] closed: release store under gpLock, acquire reads.
     *   [T]  callbackThread: release store by the task, acquire read in barrier() to refuse a
     *        barrier from inside a callback.
     *
     * Invariants
     *   Only the gpLock holder writes gpSeq and the flavor's slot; the sequence only grows; a
     *   callback runs only after a grace period that started after its call() returned.
     *
     * Lock order
     *   gpLock is a leaf: nothing else is locked while it is held, and no user code runs under it.
     *   Callbacks run with no lock held.
     *
     * Failure modes
     *   A reader that never ends stalls its own domain only; after stallTimeout it is reported once
     *   per grace period with its stack, and the grace period keeps waiting. A thread that ends
     *   inside a section has its sections ended for it and is reported (at most one report per
     *   10 s, with the count of the others). Any call can throw StackOverflowError or
     *   OutOfMemoryError; the flavors' read sides are built so that an entry either opens its
     *   section or leaves no trace and an exit either ends it or leaves it open ([E] in each).
     *   The module has no invokedynamic (NoInvokeDynamicTest): a call site whose first linkage
     *   failed in a thread near its stack limit would fail for good, in every thread.
     *   The callback task catches every Throwable of an attempt (a membarrier that fails, a
     *   logging backend that throws while a callback's failure is reported, no memory): it stays
     *   scheduled, keeps the callbacks it had taken, backs off and tries again; the failure is
     *   reported at most once per 10 s. If the executor cannot start it, it is unscheduled and
     *   reported, and call(), startPoll(), pollState() of a pending cookie and barrier() (which
     *   re-checks while it waits) start it again. A stall report that cannot be built is dropped
     *   and the grace period goes on.
     *   [LG] Nothing is logged while gpLock is held: a logging backend that is itself instrumented
     *   could re-enter synchronize() on the same thread (gpLock is reentrant). Reports are queued
     *   and logged by the thread that releases gpLock, or, for stall reports of a grace period
     *   still waiting, by a task on the callback executor. Nor is anything logged on a thread
     *   that calls call(), startPoll() or pollState() (a reader's, maybe at its stack limit, where
     *   a logging backend's first use can fail for good): a failure to start the task is queued
     *   the same way, and logged at the next release of gpLock, by the task, or by barrier().
     *
     * References
     *   Linux kernel/rcu/srcutree.c, include/linux/rcupdate.h (rcu_seq_*), liburcu src/urcu.c.
     */

    static final System.Logger LOG = System.getLogger("io.tracepoint4j.rcu");

    /** Spin this long re-checking readers before sleeping: most readers are short. */
    private static final long SPIN_NANOS = 20_000;
    /** Expedited waits keep polling (yielding the CPU in between) this long before sleeping briefly. */
    private static final long EXPEDITED_YIELD_NANOS = 2_000_000;

    private static final long MIN_PARK_NANOS = 10_000;
    private static final long MAX_PARK_NANOS = 1_000_000;
    /** Let more call()s arrive before paying for a grace period. */
    private static final long CALLBACK_BATCH_NANOS = 1_000_000;

    private static final int LOGGED_CALLBACK_FAILURES = 10;
    /** At most one report per this interval of threads that ended inside sections, and of task failures. */
    private static final long REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** A failed callback task tries again after this, doubling up to MAX_TASK_RETRY_NANOS. */
    private static final long MIN_TASK_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final long MAX_TASK_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** barrier() re-checks that the callback task runs this often (it may have failed to start). */
    private static final long BARRIER_RECHECK_MILLIS = 100;
    /** close() waits this long for a grace-period lock held briefly before refusing. */
    private static final long CLOSE_LOCK_WAIT_MILLIS = 100;

    final String name;
    final String flavor;
    final ReaderRegistry<R> registry;
    private final long stallTimeoutNanos;
    private final CallbackQueue callbacks = new CallbackQueue();
    /** Serializes grace periods. Lock order: a leaf (see design note). */
    private final ReentrantLock gpLock = new ReentrantLock();

    @SuppressWarnings("unused") // accessed through GP_SEQ
    private long gpSeq; // [S]/[GS]

    @SuppressWarnings("unused") // accessed through GP_SEQ_NEEDED
    private long gpSeqNeeded; // [N]

    /** Bit 0 of gpSeqNeeded (cookies are multiples of 4): close() is deciding or has closed. */
    private static final long NEEDED_SEALED = 1;

    @SuppressWarnings("unused") // accessed through EXPEDITED_WAITERS
    private int expeditedWaiters; // [E]

    @SuppressWarnings("unused") // accessed through TASK_SCHEDULED
    private boolean taskScheduled; // [W1]/[W2]

    @SuppressWarnings("unused") // accessed through BATCH_IN_FLIGHT
    private boolean batchInFlight; // [W3] callbacks taken but not all run yet

    @SuppressWarnings("unused") // accessed through CLOSED
    private boolean closed; // [CL]

    @SuppressWarnings("unused") // accessed through READER_FENCE
    private boolean readerFence; // [RF] readers fence their entry store while set

    /** gpLock only: readerFence is set and a membarrier ran since it was set, so [A] may be a fence. */
    private boolean readerFenceEstablished;
    /** A membarrier slower than this makes readers fence (see [RF]); negative: never. */
    private final long readerFenceAfterNanos;
    /** gpLock only: membarriers slower than readerFenceAfterNanos in consecutive grace periods. */
    private int slowBarriersInARow;
    /** gpLock only: when the last grace period ended, for relaxReaderFence(). */
    private long lastGracePeriodEnd;

    @SuppressWarnings("unused") // accessed through CALLBACK_THREAD
    private Thread callbackThread; // [T]
    /** Callback task only. */
    private long callbackFailures;
    /** Where the callback task runs. */
    private final Executor callbackExecutor;

    private final Runnable callbackTask = new CallbackTask();
    private final Runnable readerFenceRelax = new ReaderFenceRelax();
    /**
     * Callbacks taken from the queue and not yet run, in call() order; callback task only. Kept
     * when an attempt of the task fails, so that the next attempt resumes them.
     */
    private CallbackQueue.Node batch;
    /** The grace period {@link #batch} waits for; callback task only. */
    private long batchCookie;
    /** Callback task only: attempts that failed in a row, for the back-off. */
    private int taskFailuresInARow;

    private final RateLimit taskFailureReports = new RateLimit();
    /** Reports of threads that ended inside sections; see retire(). */
    private final RateLimit endedInsideReports = new RateLimit();
    /**
     * Reports made while gpLock is held, logged once it is released ([LG] in the design note): a
     * logging backend may itself use this domain.
     */
    private final ConcurrentLinkedQueue<Report> reports = new ConcurrentLinkedQueue<>();

    private final Runnable reportFlush = new ReportFlush();
    /** Readers already reported as stalled in the current grace period; gpLock only. */
    private final Set<R> stallReported = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Whether sections of no thread were reported in the current grace period; gpLock only. */
    private boolean unownedStallReported;

    /** {@code readerCache}: a new array of {@link ReaderRegistry#CACHE_SLOTS} elements. */
    GracePeriodEngine(String name, String flavor, RcuDomain.Builder<?> settings, R[] readerCache) {
        this.name = name;
        this.flavor = flavor;
        this.stallTimeoutNanos = settings.stallTimeout().toNanos();
        this.readerFenceAfterNanos = settings.readerFenceAfterNanos();
        this.callbackExecutor = settings.callbackExecutor();
        this.registry = new ReaderRegistry<>(this, readerCache);
        initializeNow(ReadSideBarrier.class); // and Membarrier, which it probes
    }

    /**
     * Loads and initializes {@code classes} now, on the thread creating the domain, not on the first
     * thread to read, which may be near its stack limit: a class whose static initializer fails
     * (StackOverflowError included) stays unusable for the whole JVM (JVMS 5.5), and the read side
     * of every domain with it. The read side's classes with a static initializer are the reader
     * records (their VarHandles) and ReadSideBarrier (the membarrier probe).
     */
    static void initializeNow(Class<?>... classes) {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (Class<?> c : classes) {
            try {
                lookup.ensureInitialized(c);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e); // our own classes: cannot happen
            }
        }
    }

    // ---- the calling thread's reader record: the start of every read side ----

    /**
     * The calling thread's record, registering the thread on its first use. {@code cache} is
     * {@code registry.cache()}, passed in by the domain's facade, which holds it where the JIT
     * treats it as a constant (see DomainFacade).
     */
    final R reader(R[] cache) {
        return lookUp(cache, true);
    }

    /** As {@link #reader}, but null if the thread never read in this domain. */
    final R readerIfRegistered(R[] cache) {
        return lookUp(cache, false);
    }

    private R lookUp(R[] cache, boolean register) {
        Thread thread = Thread.currentThread();
        long id = thread.threadId();
        R cached = cache[ReaderRegistry.slot(id)];
        return cached != null && cached.ownerId == id ? cached : registry.currentSlow(thread, register);
    }

    // ---- flavor read side, called by the gpLock holder unless said otherwise ----

    /** A new reader record for {@code owner}; called on the owner's first read. */
    abstract R newReader(Thread owner);

    /** The slot readers enter now. */
    abstract int currentSlot();

    /** Makes readers enter the other slot: a volatile store, label [F]. */
    abstract void flipSlot();

    /** Whether no reader visible to this scan is inside {@code slot}. */
    abstract boolean slotDrained(int slot);

    /** The records whose own thread holds a section in {@code slot} open, for stall reports. */
    abstract List<R> readersIn(int slot);

    /** A description of what keeps {@code reader} in {@code slot}, for stall reports. */
    abstract String describeSection(R reader, int slot);

    /**
     * Sections open in {@code slot} that belong to no thread (SRCU's downRead()), described for
     * stall reports; null when there are none. No thread or stack can be named for them.
     */
    String describeUnownedSections(int slot) {
        return null;
    }

    /** Open sections described for close()'s refusal, or null when there are none. */
    abstract String describeOpenSections();

    /**
     * Folds a record of an ended thread into the domain; its thread will never run again. Returns
     * how many sections of its own the thread left open (they are ended).
     */
    abstract int retireEnded(R reader);

    /** Whether the calling thread is inside a read-side critical section of this domain. */
    abstract boolean inReadSection();

    // ---- the update side, behind every facade (see RcuDomain for the contracts) ----

    final String name() {
        return name;
    }

    final void synchronize() {
        checkUsable("synchronize");
        driveTo(snapshotCookie(), false);
    }

    final void synchronizeExpedited() {
        checkUsable("synchronizeExpedited");
        long cookie = snapshotCookie();
        getAndAddExpeditedWaiters(1); // [E] makes a running grace period spin for us
        try {
            driveTo(cookie, true);
        } finally {
            getAndAddExpeditedWaiters(-1); // [E]
        }
    }

    final void call(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        while (!callbacks.enqueue(callback)) { // [Q1] the task's takeAll acquires everything before this
            awaitCloseOutcome("call"); // sealed by close(): throws if it closed the domain
        }
        scheduleTask();
    }

    final void barrier() {
        checkUsable("barrier");
        if (Thread.currentThread() == callbackThreadAcquire()) { // [T]
            throw new IllegalStateException("barrier() called from a callback of " + this
                    + ": it would wait for itself. Call it from another thread.");
        }
        BarrierCallback ran = new BarrierCallback();
        while (!callbacks.enqueue(ran)) { // callbacks run in order: all earlier ones run first
            awaitCloseOutcome("barrier");
        }
        scheduleTask();
        boolean interrupted = false;
        while (true) {
            try {
                if (ran.await(BARRIER_RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                    break;
                }
                scheduleTask(); // the task may have failed to start: try again
                flushReports(); // and say so, from this thread (startTask only queues its report)
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    final long state() {
        return snapshotCookie();
    }

    final long startPoll() {
        long cookie = snapshotCookie();
        while (true) {
            long needed = gpSeqNeededAcquire(); // [N]
            if ((needed & NEEDED_SEALED) != 0) {
                awaitCloseOutcome("startPoll"); // throws if close() closed the domain
            } else if (done(needed, cookie) || casGpSeqNeeded(needed, cookie)) { // [N] pairs with the task's acquire
                break;
            }
        }
        scheduleTask();
        return cookie;
    }

    final boolean pollState(long cookie) {
        if (done(gpSeqAcquire(), cookie)) { // [S]
            return true;
        }
        if (!done(gpSeqAcquire(), pollRequest())) { // [S] [N] a requested grace period is pending
            scheduleTask(); // no-op while the task runs; restarts it if it failed to start
        }
        return false;
    }

    final long completedGracePeriods() {
        return GracePeriodSequence.completed(gpSeqAcquire()); // [S]
    }

    final void close() {
        if (!tryLockForClose()) {
            throw new IllegalStateException("cannot close " + this + ": a grace period is in progress (synchronize(),"
                    + " synchronizeExpedited() or a callback is waiting for readers). Nothing was changed.");
        }
        try {
            if (closedAcquire()) { // [CL]
                return;
            }
            List<String> outstanding = new ArrayList<>();
            boolean callbacksPending = !callbacks.isEmpty() || batchInFlightAcquire(); // [Q3] [W3]
            boolean pollPending = !done(gpSeqPlain(), pollRequest()); // [N]
            updaterBarrier(); // [A] makes sections opened before close() visible below
            String open = describeOpenSections();
            if (!callbacksPending && !pollPending && open == null) {
                // Seal, so that a call() or startPoll() racing with us is either seen here or refused:
                // each waits while sealed until the domain is closed (it throws) or unsealed (it retries).
                long needed = gpSeqNeededAcquire(); // [N]
                pollPending = !done(gpSeqPlain(), needed) || !casGpSeqNeeded(needed, needed | NEEDED_SEALED); // [N]
                boolean queueSealed = !pollPending && callbacks.seal(); // [Q1]
                // [W3] after the seal: a batch taken before it set the flag before taking
                callbacksPending = !queueSealed || batchInFlightAcquire();
                if (callbacksPending || pollPending) {
                    if (queueSealed) {
                        callbacks.unseal(); // [Q1]
                    }
                    if (!pollPending) {
                        casGpSeqNeeded(needed | NEEDED_SEALED, needed); // [N] only we write a sealed value
                    }
                }
            }
            if (callbacksPending) {
                outstanding.add(
                        "callbacks queued by call() (or a barrier() in progress) have not all run (call barrier() first)");
            }
            if (pollPending) {
                outstanding.add("a grace period requested by startPoll() has not completed");
            }
            if (open != null) {
                outstanding.add(open);
            }
            if (!outstanding.isEmpty()) {
                throw new IllegalStateException(
                        "cannot close " + this + ": " + String.join("; ", outstanding) + ". Nothing was changed.");
            }
            setClosedRelease(true); // [CL] ends the wait of sealed-out callers: they throw
        } finally {
            gpLock.unlock();
        }
    }

    private boolean tryLockForClose() {
        try {
            return gpLock.tryLock(CLOSE_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while closing " + this + ". Nothing was changed.", e);
        }
    }

    @Override
    public final String toString() {
        return flavor + " domain '" + name + "'";
    }

    /**
     * A call() or startPoll() found the domain sealed by close(): waits until close() decided.
     * Throws if it closed the domain; returns, for the caller to retry, if it refused.
     */
    private void awaitCloseOutcome(String operation) {
        while (true) {
            checkOpen(operation); // [CL] set after the seals
            if (!callbacks.isSealed() && (gpSeqNeededAcquire() & NEEDED_SEALED) == 0) { // [Q3] [N]
                return;
            }
            Thread.yield(); // close() holds gpLock and does not block between sealing and deciding
        }
    }

    /** The grace period startPoll() requested, without close()'s seal bit. */
    private long pollRequest() {
        return gpSeqNeededAcquire() & ~NEEDED_SEALED; // [N]
    }

    // ---- checks shared by the flavors ----

    final void checkOpen(String operation) {
        if (closedAcquire()) { // [CL]
            throw new IllegalStateException(operation + "() on " + this + ", which is closed");
        }
    }

    /** ReadSection.close() called on another thread than the section's {@code owner}. */
    final IllegalStateException wrongThread(Thread owner, String advice) {
        return new IllegalStateException("ReadSection.close() on " + this + " from thread '"
                + Thread.currentThread().getName() + "', but the section belongs to thread '" + owner.getName()
                + "'. A section ends on the thread that opened it" + advice + ". Nothing was changed.");
    }

    private void checkUsable(String operation) {
        checkOpen(operation);
        if (inReadSection()) {
            throw new IllegalStateException(operation + "() called inside a read-side critical section of " + this
                    + " on this thread: it would wait for itself forever. End the section first, or defer the"
                    + " work with call() or startPoll().");
        }
    }

    // ---- grace periods ----

    /** A cookie for the end of a full grace period after now; see [SN]. */
    private long snapshotCookie() {
        VarHandle.fullFence(); // [SN] pairs with [GS]: our earlier writes precede a later start's [A]
        return GracePeriodSequence.snapshot(gpSeqAcquire()); // [S]
    }

    /** Runs or waits for grace periods until the sequence reaches {@code cookie}. */
    private void driveTo(long cookie, boolean expedited) {
        if (done(gpSeqAcquire(), cookie)) { // [S] someone else's grace period covered us
            return;
        }
        gpLock.lock();
        try {
            while (!done(gpSeqPlain(), cookie)) {
                runGracePeriod(expedited);
            }
        } finally {
            unlockAndFlushReports();
        }
    }

    private void runGracePeriod(boolean expedited) {
        assert gpLock.isHeldByCurrentThread();
        long seq = gpSeqPlain();
        registry.pruneEnded();
        setGpSeqVolatile(withState(seq, SCAN1)); // [GS] the start, ordered before the fence below
        VarHandle.fullFence(); // [GS] pairs with [SN] (store buffering)
        updaterBarrier(); // [A] pairs with every reader's [B]; see design note
        long start = System.nanoTime();
        int slot = currentSlot();
        waitForReaders(slot ^ 1, expedited, start);
        flipSlot(); // [F] new readers enter the slot SCAN2 does not wait on
        setGpSeqRelease(withState(seq, SCAN2)); // [S]
        waitForReaders(slot, expedited, start);
        setGpSeqRelease(GracePeriodSequence.end(seq)); // [S] pairs with the acquire reads of the sequence
        stallReported.clear();
        unownedStallReported = false;
        lastGracePeriodEnd = System.nanoTime();
    }

    private void waitForReaders(int slot, boolean expedited, long start) {
        boolean interrupted = false;
        long park = MIN_PARK_NANOS;
        while (!slotDrained(slot)) {
            long waited = System.nanoTime() - start;
            if (waited < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            boolean expedite = expedited || expeditedWaitersOpaque() > 0; // [E]
            if (expedite && waited < EXPEDITED_YIELD_NANOS) {
                // Yield, not spin: with more threads than CPUs the reader we wait for may be the one
                // waiting for this CPU.
                Thread.yield();
                continue;
            }
            LockSupport.parkNanos(this, expedite ? MIN_PARK_NANOS : park);
            park = Math.min(park * 2, MAX_PARK_NANOS);
            interrupted |= Thread.interrupted(); // grace periods are not interruptible; keep the flag
            registry.pruneEnded(); // a thread that ended inside a section
            if (waited > stallTimeoutNanos) {
                try {
                    reportStalls(slot, waited);
                } catch (Throwable t) { // out of memory or stack while describing: the grace period goes on
                    reportLater(System.Logger.Level.WARNING, "a stall report of " + this + " failed", t);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void reportStalls(int slot, long waitedNanos) {
        String stalled = "RCU stall in " + this + ": a grace period has waited "
                + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms for ";
        for (R reader : readersIn(slot)) {
            if (stallReported.add(reader)) {
                StringBuilder message = new StringBuilder()
                        .append(stalled)
                        .append("thread '")
                        .append(reader.owner.getName())
                        .append("' (id ")
                        .append(reader.owner.threadId())
                        .append(", ")
                        .append(reader.owner.getState())
                        .append("), ")
                        .append(describeSection(reader, slot))
                        .append(". The grace period keeps waiting. The thread's stack:");
                for (StackTraceElement frame : reader.owner.getStackTrace()) {
                    message.append(System.lineSeparator()).append("\tat ").append(frame);
                }
                reportLater(System.Logger.Level.WARNING, message.toString(), null);
            }
        }
        if (!unownedStallReported) {
            String unowned = describeUnownedSections(slot);
            if (unowned != null) {
                unownedStallReported = true;
                reportLater(System.Logger.Level.WARNING, stalled + unowned + ". The grace period keeps waiting.", null);
            }
        }
        // the grace period goes on waiting with gpLock held: log from another thread now
        try {
            callbackExecutor.execute(reportFlush);
        } catch (Throwable t) { // no thread to be had: logged when the grace period ends
        }
    }

    /** A record of an ended thread, from the registry's pruning; gpLock held. */
    @Override
    public final void retire(R reader) {
        int ended = retireEnded(reader);
        stallReported.remove(reader);
        if (ended > 0) {
            long unreported = endedInsideReports.admit(System.nanoTime(), REPORT_INTERVAL_NANOS);
            if (unreported != RateLimit.SUPPRESS) {
                reportLater(
                        System.Logger.Level.WARNING,
                        "thread '" + reader.owner.getName() + "' ended inside " + ended
                                + " read-side critical section(s) of " + this + "; they were ended for it."
                                + " Close every section on the thread that opened it (try-with-resources)."
                                + (unreported == 0
                                        ? ""
                                        : " " + unreported + " more thread(s) ended inside sections since the last"
                                                + " report (at most one every 10 s)."),
                        null);
            }
        }
    }

    @Override
    public final R newRecord(Thread thread) {
        return newReader(thread);
    }

    /** Registration housekeeping: prune ended threads when no grace period is doing it. */
    @Override
    public final void housekeeping() {
        if (gpLock.tryLock()) {
            try {
                registry.pruneEnded();
            } finally {
                unlockAndFlushReports();
            }
        }
    }

    // ---- reports made under gpLock [LG] ----

    /** One log record, kept until gpLock is released. */
    private static final class Report {
        final System.Logger.Level level;
        final String message;
        final Throwable thrown;

        Report(System.Logger.Level level, String message, Throwable thrown) {
            this.level = level;
            this.message = message;
            this.thrown = thrown;
        }
    }

    /** Logs {@code message} once no thread holds gpLock for it: see [LG]. */
    private void reportLater(System.Logger.Level level, String message, Throwable thrown) {
        reports.add(new Report(level, message, thrown));
    }

    /** Releases gpLock, then logs what was reported under it (unless this thread still holds it). */
    private void unlockAndFlushReports() {
        gpLock.unlock();
        flushReports();
    }

    private void flushReports() {
        if (gpLock.isHeldByCurrentThread()) {
            return; // reentered: the outermost holder logs them
        }
        Report report;
        while ((report = reports.poll()) != null) {
            try {
                LOG.log(report.level, report.message, report.thrown);
            } catch (Throwable t) { // a failing logging backend: the report is lost, the domain unharmed
            }
        }
    }

    /** Logs the reports of a grace period still in progress, from a thread that holds no lock. */
    private final class ReportFlush implements Runnable {
        @Override
        public void run() {
            flushReports();
        }
    }

    // ---- the entry barrier pair [B]/[A], with adaptive reader fences [RF] ----

    /** Readers that fence keep doing so until no grace period has run for this long. */
    private static final long READER_FENCE_IDLE_MILLIS = 50;
    /** Slow membarriers in consecutive grace periods it takes: a slow call or two may be warm-up. */
    private static final int SLOW_BARRIERS_BEFORE_READER_FENCE = 3;

    /** The reader's half: called right after a section's entry store. */
    final void readerBarrier() {
        if (ReadSideBarrier.current() == ReadSideBarrier.FENCED || readerFenceOpaque()) { // [RF]
            VarHandle.fullFence(); // [B] pairs with [A] (store buffering)
        }
    }

    /** The grace period's half, [A]; gpLock held. */
    private void updaterBarrier() {
        if (readerFenceEstablished) {
            VarHandle.fullFence(); // [A] pairs with fenced readers' [B]; the others are visible ([RF])
            return;
        }
        long start = System.nanoTime();
        ReadSideBarrier.heavyBarrier(); // [A] pairs with every reader's [B]
        long took = System.nanoTime() - start;
        if (readerFenceOpaque()) { // [RF] set before that membarrier: it is now established
            readerFenceEstablished = true;
            return;
        }
        boolean slow = ReadSideBarrier.current() == ReadSideBarrier.MEMBARRIER
                && readerFenceAfterNanos >= 0
                && took > readerFenceAfterNanos;
        slowBarriersInARow = slow ? slowBarriersInARow + 1 : 0;
        if (slowBarriersInARow >= SLOW_BARRIERS_BEFORE_READER_FENCE) {
            setReaderFenceVolatile(true); // [RF] readers that load it fence; the next membarrier establishes it
            reportLater(
                    System.Logger.Level.DEBUG,
                    this + ": membarrier took " + took / 1000
                            + " µs; readers fence their entries while grace periods keep coming",
                    null);
            scheduleReaderFenceRelax();
        }
    }

    /** For tests and diagnostics: "off", "set" (readers fence, not yet established) or "established". */
    final String readerFenceState() {
        gpLock.lock();
        try {
            return readerFenceEstablished ? "established" : readerFenceOpaque() ? "set" : "off"; // [RF]
        } finally {
            gpLock.unlock();
        }
    }

    private void scheduleReaderFenceRelax() {
        try {
            CompletableFuture.delayedExecutor(READER_FENCE_IDLE_MILLIS, TimeUnit.MILLISECONDS, callbackExecutor)
                    .execute(readerFenceRelax);
        } catch (Throwable t) { // readers go on fencing, which is safe, only slower
            reportLater(System.Logger.Level.WARNING, this + ": could not schedule the end of reader fences", t);
        }
    }

    /** Stops reader fences once grace periods have been idle a while; the next [A] is a membarrier. */
    private final class ReaderFenceRelax implements Runnable {
        @Override
        public void run() {
            if (gpLock.tryLock()) {
                try {
                    if (System.nanoTime() - lastGracePeriodEnd
                            >= TimeUnit.MILLISECONDS.toNanos(READER_FENCE_IDLE_MILLIS)) {
                        readerFenceEstablished = false;
                        slowBarriersInARow = 0; // judge membarrier afresh
                        setReaderFenceVolatile(
                                false); // [RF] under gpLock: no grace period is between [A] and its scans
                        reportLater(
                                System.Logger.Level.DEBUG,
                                GracePeriodEngine.this + ": readers stop fencing their entries",
                                null);
                        return;
                    }
                } finally {
                    unlockAndFlushReports();
                }
            }
            scheduleReaderFenceRelax();
        }
    }

    // ---- the callback task ----

    private void scheduleTask() {
        if (!taskScheduledVolatile() && casTaskScheduled(false, true)) { // [W1] pairs with [W2]
            startTask();
        }
    }

    /**
     * Hands the scheduled task to the executor. If no thread can be had, the task is unscheduled
     * ([W1]) and the failure reported: the next call(), startPoll(), barrier() (which re-checks while
     * it waits) or pollState() of a pending cookie starts it again.
     */
    private void startTask() {
        try {
            callbackExecutor.execute(callbackTask);
        } catch (Throwable t) {
            setTaskScheduledVolatile(false); // [W1] the next producer schedules it again
            // queued, not logged: the caller of call() may be at its stack limit, where a logging
            // backend's first use can fail for good; logged at the next release of gpLock or by barrier()
            reportTaskFailure(false, t);
        }
    }

    /** The task's work: callbacks queued or taken, or a grace period startPoll() requested. */
    private boolean hasWork() {
        return batch != null // callback task only
                || !callbacks.isEmpty() // [Q3]
                || !done(gpSeqAcquire(), pollRequest()); // [S] [N]
    }

    /** The callback task; one per domain is scheduled at a time ([W1]/[W2]). */
    private final class CallbackTask implements Runnable {
        @Override
        public void run() {
            Thread thread = Thread.currentThread();
            String poolName = thread.getName();
            thread.setName("tracepoint4j-callbacks " + GracePeriodEngine.this);
            try {
                while (true) {
                    setCallbackThreadRelease(thread); // [T]
                    try {
                        while (hasWork()) {
                            processCallbacks();
                        }
                    } catch (Throwable t) {
                        setCallbackThreadRelease(null); // [T]
                        taskFailed(t);
                        continue; // still scheduled: try again, resuming what was taken
                    }
                    taskFailuresInARow = 0;
                    setCallbackThreadRelease(null); // [T] before another task may start
                    setTaskScheduledVolatile(false); // [W2] pairs with [W1]: then re-check for work
                    // [W2] hasWork() reads with acquire loads, which a volatile store does not order
                    // before itself (store-load): the fence makes this side of the Dekker pair
                    // sequentially consistent.
                    VarHandle.fullFence();
                    if (!hasWork() || !casTaskScheduled(false, true)) { // [W2]
                        return;
                    }
                }
            } finally {
                thread.setName(poolName);
            }
        }
    }

    /**
     * An attempt of the task threw (out of memory or stack, a failing membarrier, a failing logging
     * backend): the task stays scheduled and keeps what it had taken ({@link #batch}), and tries
     * again after a back-off, so that barrier(), polls and close() keep working. Reported at most
     * once per 10 s. Never throws.
     */
    private void taskFailed(Throwable failure) {
        try {
            reportTaskFailure(true, failure);
            flushReports(); // the task's own thread: logs at once
            long backOff = MIN_TASK_RETRY_NANOS << Math.min(taskFailuresInARow++, 10);
            LockSupport.parkNanos(this, Math.min(backOff, MAX_TASK_RETRY_NANOS));
        } catch (Throwable ignored) { // out of memory again: try again at once
        }
    }

    /** Queues a report (rate-limited) of the task failing ({@code running}) or failing to start. */
    private void reportTaskFailure(boolean running, Throwable failure) {
        try {
            long unreported = taskFailureReports.admit(System.nanoTime(), REPORT_INTERVAL_NANOS);
            if (unreported != RateLimit.SUPPRESS) {
                String message = running
                        ? "the callback task of " + this + " failed; it tries again"
                        : "could not start the callback task of " + this + " (it is started again by the next"
                                + " call(), startPoll(), pollState() or barrier())";
                reportLater(
                        System.Logger.Level.WARNING,
                        message + (unreported == 0 ? "" : " (" + unreported + " more failures since the last report)"),
                        failure);
            }
        } catch (Throwable ignored) { // out of memory or stack: this report is lost
        }
    }

    /** One round: take what call() queued, wait for its grace period, run it. */
    private void processCallbacks() {
        if (batch == null && !callbacks.isEmpty()) { // [Q3]
            LockSupport.parkNanos(this, CALLBACK_BATCH_NANOS); // batching: a grace period per batch
            setBatchInFlightVolatile(true); // [W3] before taking, so close() never misses the batch
            batch = callbacks.takeAll(); // [Q2]
            batchCookie = snapshotCookie(); // after taking: a grace period that began after every call()
        }
        long needed = pollRequest(); // [N]
        driveTo(batch == null ? needed : later(batchCookie, needed), false);
        runBatch();
    }

    /**
     * Runs the callbacks of {@link #batch} in order, each taken off the batch before it runs, so
     * that a failure of the task never runs one twice; what is left is resumed by the next attempt.
     */
    private void runBatch() {
        // barrier() latches are not pending work: clear the flag after the last user callback, so
        // that close() right after barrier() returns succeeds.
        CallbackQueue.Node lastUserCallback = null;
        for (CallbackQueue.Node node = batch; node != null; node = node.next) {
            if (!(node.callback instanceof BarrierCallback)) {
                lastUserCallback = node;
            }
        }
        if (lastUserCallback == null) {
            setBatchInFlightVolatile(false); // [W3]
        }
        while (batch != null) {
            CallbackQueue.Node node = batch;
            batch = node.next;
            try {
                node.callback.run();
            } catch (Throwable t) {
                reportCallbackFailure(t);
            }
            if (node == lastUserCallback) {
                setBatchInFlightVolatile(false); // [W3] pairs with close()'s acquire
            }
        }
    }

    /** The callback barrier() queues: a latch, not user work. */
    private static final class BarrierCallback extends CountDownLatch implements Runnable {
        BarrierCallback() {
            super(1);
        }

        @Override
        public void run() {
            countDown();
        }
    }

    /** Logs a callback's failure; a failing logging backend fails this attempt of the task (see taskFailed). */
    private void reportCallbackFailure(Throwable t) {
        long failures = ++callbackFailures;
        if (failures <= LOGGED_CALLBACK_FAILURES || Long.bitCount(failures) == 1) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "a callback of " + this + " threw (failure " + failures + "; the first " + LOGGED_CALLBACK_FAILURES
                            + " and then every power of two are logged)",
                    t);
        }
    }

    private static long later(long a, long b) {
        return done(a, b) ? a : b;
    }

    // ---- accessors ----

    private long gpSeqPlain() {
        return (long) GP_SEQ.get(this);
    }

    private long gpSeqAcquire() {
        return (long) GP_SEQ.getAcquire(this);
    }

    private void setGpSeqRelease(long value) {
        GP_SEQ.setRelease(this, value);
    }

    private void setGpSeqVolatile(long value) {
        GP_SEQ.setVolatile(this, value);
    }

    private long gpSeqNeededAcquire() {
        return (long) GP_SEQ_NEEDED.getAcquire(this);
    }

    private boolean casGpSeqNeeded(long expected, long value) {
        return GP_SEQ_NEEDED.compareAndSet(this, expected, value);
    }

    private int expeditedWaitersOpaque() {
        return (int) EXPEDITED_WAITERS.getOpaque(this);
    }

    private void getAndAddExpeditedWaiters(int delta) {
        EXPEDITED_WAITERS.getAndAdd(this, delta);
    }

    private boolean taskScheduledVolatile() {
        return (boolean) TASK_SCHEDULED.getVolatile(this);
    }

    private void setTaskScheduledVolatile(boolean value) {
        TASK_SCHEDULED.setVolatile(this, value);
    }

    private boolean casTaskScheduled(boolean expected, boolean value) {
        return TASK_SCHEDULED.compareAndSet(this, expected, value);
    }

    private boolean batchInFlightAcquire() {
        return (boolean) BATCH_IN_FLIGHT.getAcquire(this);
    }

    private void setBatchInFlightVolatile(boolean value) {
        BATCH_IN_FLIGHT.setVolatile(this, value);
    }

    private boolean closedAcquire() {
        return (boolean) CLOSED.getAcquire(this);
    }

    private boolean readerFenceOpaque() {
        return (boolean) READER_FENCE.getOpaque(this);
    }

    private void setReaderFenceVolatile(boolean value) {
        READER_FENCE.setVolatile(this, value);
    }

    private void setClosedRelease(boolean value) {
        CLOSED.setRelease(this, value);
    }

    private Thread callbackThreadAcquire() {
        return (Thread) CALLBACK_THREAD.getAcquire(this);
    }

    private void setCallbackThreadRelease(Thread value) {
        CALLBACK_THREAD.setRelease(this, value);
    }

    private static final VarHandle GP_SEQ;
    private static final VarHandle GP_SEQ_NEEDED;
    private static final VarHandle EXPEDITED_WAITERS;
    private static final VarHandle TASK_SCHEDULED;
    private static final VarHandle BATCH_IN_FLIGHT;
    private static final VarHandle CLOSED;
    private static final VarHandle READER_FENCE;
    private static final VarHandle CALLBACK_THREAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GP_SEQ = lookup.findVarHandle(GracePeriodEngine.class, "gpSeq", long.class);
            GP_SEQ_NEEDED = lookup.findVarHandle(GracePeriodEngine.class, "gpSeqNeeded", long.class);
            EXPEDITED_WAITERS = lookup.findVarHandle(GracePeriodEngine.class, "expeditedWaiters", int.class);
            TASK_SCHEDULED = lookup.findVarHandle(GracePeriodEngine.class, "taskScheduled", boolean.class);
            BATCH_IN_FLIGHT = lookup.findVarHandle(GracePeriodEngine.class, "batchInFlight", boolean.class);
            CLOSED = lookup.findVarHandle(GracePeriodEngine.class, "closed", boolean.class);
            READER_FENCE = lookup.findVarHandle(GracePeriodEngine.class, "readerFence", boolean.class);
            CALLBACK_THREAD = lookup.findVarHandle(GracePeriodEngine.class, "callbackThread", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
