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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The update side every flavor shares: grace-period sequencing, synchronize, callbacks, barrier,
 * polling, stall reports and close. A flavor supplies its read side through the abstract methods:
 * which slot readers enter now, how to flip it, and whether a slot has drained.
 */
abstract class GracePeriodEngine<R extends ReaderRegistry.Reader> implements ReaderRegistry.Owner<R> {
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
     *   older reader are impossible until that reader has ended (see SrcuEngine).
     *
     *   The barrier pair itself, and the policy that turns [A] into a plain fence while readers
     *   fence their own entries (membarrier being slow), live in AdaptiveReaderFences.
     *
     * Concurrency
     *   gpLock serializes grace periods; concurrent synchronize() callers take a cookie first, then
     *   the lock, and return as soon as the sequence passed their cookie, so one grace period serves
     *   every caller that arrived before it began. call() and startPoll() are lock-free and hand the
     *   work to the domain's CallbackTask (its own design note), which drives grace periods through
     *   the same lock. Readers never take a lock.
     *
     * Memory ordering
     *   [SN] snapshotCookie(): full fence, then read the sequence. Pairs with [GS] (store
     *        buffering): if an updater's snapshot did not see a grace period's start, that grace
     *        period's [A] and scans come after the updater's earlier writes.
     *   [GS] runGracePeriod(): volatile store of the started sequence, then a full fence.
     *   [A]  AdaptiveReaderFences [A]: the grace period's barrier (updaterBarrier()), pairs with
     *        every reader's [B] (entry store + readerBarrier(), AdaptiveReaderFences [B]), see above.
     *   [C]  a section's exit, in both flavors: a release store (SRCU: an unlock count, or the CAS
     *        of handoffClosed; classic: the reader word) after the section's accesses. Pairs with
     *        [C']. Each flavor's note says which store.
     *   [C'] the scans' acquire loads of the [C] stores: an ended section happens-before the scan
     *        that counts it ended, hence before that grace period's [S].
     *   [F]  the flip: a volatile store of the flavor's slot selector (SrcuEngine.srcuIdx,
     *        ClassicRcuEngine.gpCtr) by the gpLock holder. Readers load it opaque: any recent value
     *        is correct, a stale one makes a late reader, which SCAN2 of the next grace period
     *        waits for.
     *   [S]  release stores of the sequence by the lock holder; pair with acquire loads in
     *        pollState(), driveTo(), completedGracePeriods(). The scans acquired every ended
     *        reader's [C] release, so a section happens-before whoever sees the grace period done.
     *   [N]  gpSeqNeeded: CAS-max by startPoll(), acquire read by the callback task; close() CASes
     *        its seal bit on, so that a startPoll() either raised it first or waits for close().
     *   [EX] expeditedWaiters: opaque count read by the wait loop to switch to spinning.
     *   [CL] closed: release store under gpLock, acquire reads (update side, and the read side's
     *        cache misses: close() empties the readers' cache after the store, [R5] in
     *        ReaderRegistry).
     *   [NI] the count of domains per name: atomic for uniqueness only (see nameInstance).
     *
     * Invariants
     *   Only the gpLock holder writes gpSeq and the flavor's slot; the sequence only grows; a
     *   callback runs only after a grace period that started after its call() returned.
     *
     * Lock order
     *   gpLock is a leaf: nothing else is locked while it is held, and no user code runs under it.
     *   Callbacks run with no lock held (CallbackTask).
     *
     * Failure modes
     *   A reader that never ends stalls its own domain only; after stallTimeout it is reported once
     *   per grace period with its stack, and the grace period keeps waiting. A thread that ends
     *   inside a section has its sections ended for it and is reported (at most one report per
     *   10 s, with the count of the others).
     *   [E]  Any call can throw StackOverflowError (the interpreter checks the stack at every
     *        method entry) or OutOfMemoryError (at any allocation). Each flavor's read side is
     *        built so that an entry either opens its section or leaves no trace and an exit either
     *        ends it or leaves it open: every path has one committing store, and whatever can
     *        throw comes before it (each flavor's [E] item says how).
     *   The module has no invokedynamic (NoInvokeDynamicTest): a call site whose first linkage
     *   failed in a thread near its stack limit would fail for good, in every thread.
     *   The callback task survives every failure of an attempt (see CallbackTask). A stall report
     *   that cannot be built is dropped and the grace period goes on.
     *   [SC] stallScans: opaque, a count written by the grace period (gpLock held: one writer)
     *        and read by tests; nothing is ordered by it. A stalled grace period scans once a
     *        stall timeout, then once per STALL_RESCAN_NANOS, not at each of its parks, and starts
     *        the flush task only for a new report: a stall of minutes costs nothing more.
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

    /** The rcu module's logger, looked up at its first use: the lookup starts a logging backend (~10 ms). */
    static System.Logger log() {
        return LoggerHolder.LOGGER;
    }

    private static final class LoggerHolder {
        static final System.Logger LOGGER = System.getLogger("io.tracepoint4j.rcu");
    }

    /** Spin this long re-checking readers before sleeping: most readers are short. */
    private static final long SPIN_NANOS = 20_000;
    /** Expedited waits keep polling (yielding the CPU in between) this long before sleeping briefly. */
    private static final long EXPEDITED_YIELD_NANOS = 2_000_000;

    private static final long MIN_PARK_NANOS = 10_000;
    private static final long MAX_PARK_NANOS = 1_000_000;
    /** Once a grace period has stalled, how often it looks for readers to report: not at every park. */
    static final long STALL_RESCAN_NANOS = 1_000_000_000;
    /** At most one report per this interval of a kind of trouble (here and in CallbackTask). */
    static final long REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** close() waits this long for a grace-period lock held briefly before refusing. */
    private static final long CLOSE_LOCK_WAIT_MILLIS = 100;

    final String name;
    final String flavor;
    /**
     * 1 for the first domain of its name in this JVM, 2 for the second, ...: names need not be
     * unique (a class loaded twice creates its domains twice), but stall reports and errors must
     * tell domains apart, so the second and later say which one they are.
     */
    private final int nameInstance;

    final ReaderRegistry<R> registry;
    private final long stallTimeoutNanos;
    /** Appended to stall reports; null for none. */
    private final RcuDomain.StallAdvice stallAdvice;
    /** Serializes grace periods. Lock order: a leaf (see design note). */
    final ReentrantLock gpLock = new ReentrantLock();

    @SuppressWarnings("unused") // accessed through GP_SEQ
    private long gpSeq; // [S]/[GS]

    @SuppressWarnings("unused") // accessed through GP_SEQ_NEEDED
    private long gpSeqNeeded; // [N]
    /** [SC] The scans of stalled grace periods, through STALL_SCANS. */
    @SuppressWarnings("unused") // accessed through STALL_SCANS
    private long stallScans;

    /** Bit 0 of gpSeqNeeded (cookies are multiples of 4): close() is deciding or has closed. */
    private static final long NEEDED_SEALED = 1;

    @SuppressWarnings("unused") // accessed through EXPEDITED_WAITERS
    private int expeditedWaiters; // [EX]

    @SuppressWarnings("unused") // accessed through CLOSED
    private boolean closed; // [CL]

    /**
     * AdaptiveReaderFences [RF]: readers fence their entry store while set. Kept here, beside what
     * the read side loads anyway; only AdaptiveReaderFences reads and writes it, through its
     * READER_FENCE (hence package-private, never accessed plainly).
     */
    @SuppressWarnings("unused") // accessed through AdaptiveReaderFences.READER_FENCE
    boolean readerFence;

    /** The entry barrier pair [B]/[A]: the grace period's half and the policy that sets readerFence. */
    final AdaptiveReaderFences readerFences;
    /** Runs callbacks and requested grace periods. */
    private final CallbackTask callbackTask;
    /** Where the callback task and report flushes run. */
    private final Executor callbackExecutor;
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
        this.nameInstance = nextInstanceOf(name);
        this.stallTimeoutNanos = settings.stallTimeout().toNanos();
        this.stallAdvice = settings.stallAdvice();
        this.callbackExecutor = settings.callbackExecutor();
        this.readerFences = new AdaptiveReaderFences(
                this, settings.readerFenceAfterNanos(), settings.readerFenceIdleNanos(), callbackExecutor);
        this.callbackTask = new CallbackTask(this, callbackExecutor);
        this.registry = new ReaderRegistry<>(this, readerCache);
        ReadSideSetup.beginInBackground(); // ReadSideBarrier and Membarrier: begun, not awaited
    }

    /** Domains created so far by name; see nameInstance. Grows with the distinct names only. */
    private static final ConcurrentHashMap<String, AtomicInteger> INSTANCES_BY_NAME = new ConcurrentHashMap<>();

    private static int nextInstanceOf(String name) {
        AtomicInteger count = INSTANCES_BY_NAME.get(name);
        if (count == null) { // no computeIfAbsent: its function would be a lambda (NoInvokeDynamicTest)
            AtomicInteger fresh = new AtomicInteger();
            count = INSTANCES_BY_NAME.putIfAbsent(name, fresh);
            if (count == null) {
                count = fresh;
            }
        }
        return count.incrementAndGet(); // [NI] a unique number per name; no ordering relied on
    }

    /**
     * Loads and initializes {@code classes} now, on the thread creating the domain, not on the first
     * thread to read, which may be near its stack limit: a class whose static initializer fails
     * (StackOverflowError included) stays unusable for the whole JVM (JVMS 5.5), and the read side
     * of every domain with it. The read side's classes with a static initializer are the readers
     * (SrcuReader, ClassicReader: their VarHandles), AdaptiveReaderFences (created with the engine)
     * and ReadSideBarrier (the membarrier probe), which ReadSideSetup initializes on a thread of its
     * own because it is slow.
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

    // ---- the calling thread's reader: the start of every read side ----

    /**
     * The calling thread's reader, registering the thread on its first use. {@code cache} is
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
        return cached != null && cached.ownerId == id ? cached : lookUpSlow(thread, register);
    }

    /**
     * A thread's reader found without the cache, which close() empties ([R5] in ReaderRegistry): so
     * every read of a closed domain comes here, at no cost to the cached path, and nothing is put
     * back into the cache once the domain is closed.
     */
    private R lookUpSlow(Thread thread, boolean register) {
        if (closedAcquire()) { // [CL]
            return lookUpClosed(thread, register);
        }
        R reader = registry.currentSlow(thread, register);
        if (reader != null && closedAcquire()) { // [CL] after the cache CAS: see [R5] in ReaderRegistry
            registry.uncache(reader); // [R5] cached while close() emptied the cache: taken out again
            return lookUpClosed(thread, register);
        }
        return reader;
    }

    /**
     * In a closed domain: a section is not opened; a lookup that would not register (an unlock, an
     * inReadSection()) finds the thread's reader without caching it, for the section that raced
     * with close() to end normally.
     */
    private R lookUpClosed(Thread thread, boolean register) {
        if (register) {
            throw new IllegalStateException("a read-side critical section of " + this + ", which is closed: close()"
                    + " is for when no thread will read again. Nothing was changed.");
        }
        return registry.known(thread);
    }

    // ---- flavor read side, called by the gpLock holder unless said otherwise ----

    /** A new reader for {@code owner}; called on the owner's first read. */
    @Override
    public abstract R newReader(Thread owner);

    /** The slot readers enter now. */
    abstract int currentSlot();

    /** Makes readers enter the other slot: a volatile store, label [F]. */
    abstract void flipSlot();

    /** Whether no reader visible to this scan is inside {@code slot}. */
    abstract boolean slotDrained(int slot);

    /** The readers whose own thread holds a section in {@code slot} open, for stall reports. */
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
     * Folds a reader of an ended thread into the domain; its thread will never run again. Returns
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
        getAndAddExpeditedWaiters(1); // [EX] makes a running grace period spin for us
        try {
            driveTo(cookie, true);
        } finally {
            getAndAddExpeditedWaiters(-1); // [EX]
        }
    }

    final void call(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        while (!callbackTask.enqueue(callback)) {
            awaitCloseOutcome("call"); // sealed by close(): throws if it closed the domain
        }
        callbackTask.schedule();
    }

    final void barrier() {
        checkUsable("barrier");
        callbackTask.barrier();
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
        callbackTask.schedule();
        return cookie;
    }

    final boolean pollState(long cookie) {
        if (done(gpSeqAcquire(), cookie)) { // [S]
            return true;
        }
        if (pollPending()) {
            callbackTask.schedule(); // no-op while the task runs; restarts it if it failed to start
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
            registry.pruneEnded(); // a thread that ended inside a section holds nothing (under gpLock, as there)
            List<String> outstanding = new ArrayList<>();
            boolean callbacksPending = callbackTask.pending();
            boolean pollPending = !done(gpSeqPlain(), pollRequest()); // [N]
            readerFences.updaterBarrier(); // [A] makes sections opened before close() visible below
            String open = describeOpenSections();
            if (!callbacksPending && !pollPending && open == null) {
                // Seal, so that a call() or startPoll() racing with us is either seen here or refused:
                // each waits while sealed until the domain is closed (it throws) or unsealed (it retries).
                long needed = gpSeqNeededAcquire(); // [N]
                pollPending = !done(gpSeqPlain(), needed) || !casGpSeqNeeded(needed, needed | NEEDED_SEALED); // [N]
                if (!pollPending && !callbackTask.seal()) { // the queue is left unsealed
                    callbacksPending = true;
                    casGpSeqNeeded(needed | NEEDED_SEALED, needed); // [N] only we write a sealed value
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
            registry.emptyCache(); // [R5] after [CL]: later reads fall back to lookUpSlow and throw
        } finally {
            unlockAndFlushReports(); // [LG] what updaterBarrier() may have reported
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
        return flavor + " domain '" + name + "'" + (nameInstance == 1 ? "" : " (#" + nameInstance + " of that name)");
    }

    /**
     * A call() or startPoll() found the domain sealed by close(): waits until close() decided.
     * Throws if it closed the domain; returns, for the caller to retry, if it refused.
     */
    void awaitCloseOutcome(String operation) {
        while (true) {
            checkOpen(operation); // [CL] set after the seals
            if (!callbackTask.isSealed() && (gpSeqNeededAcquire() & NEEDED_SEALED) == 0) { // [N]
                return;
            }
            Thread.yield(); // close() holds gpLock and does not block between sealing and deciding
        }
    }

    /** The grace period startPoll() requested, without close()'s seal bit. */
    long pollRequest() {
        return gpSeqNeededAcquire() & ~NEEDED_SEALED; // [N]
    }

    /** Whether the grace period startPoll() requested has not completed. */
    boolean pollPending() {
        return !done(gpSeqAcquire(), pollRequest()); // [S] [N]
    }

    // ---- checks shared by the flavors ----

    final void checkOpen(String operation) {
        if (closedAcquire()) { // [CL]
            throw new IllegalStateException(operation + "() on " + this + ", which is closed");
        }
    }

    /** ReadSection.close() called on another thread than the section's {@code owner}. */
    final IllegalStateException wrongThread(ReaderRegistry.Reader owner, String advice) {
        return new IllegalStateException("ReadSection.close() on " + this + " from " + describe(Thread.currentThread())
                + ", but the section belongs to " + owner.describeOwner()
                + ". A section ends on the thread that opened it" + advice + ". Nothing was changed.");
    }

    /**
     * How warnings and errors name a thread: {@code thread 'NAME' (id N)}, or {@code unnamed virtual
     * thread (id N)} for the empty name virtual threads have unless given one.
     */
    static String describe(Thread thread) {
        String name = thread.getName();
        if (name.isEmpty()) {
            return (thread.isVirtual() ? "unnamed virtual thread" : "unnamed thread") + " (id " + thread.threadId()
                    + ")";
        }
        return "thread '" + name + "' (id " + thread.threadId() + ")";
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
    long snapshotCookie() {
        VarHandle.fullFence(); // [SN] pairs with [GS]: our earlier writes precede a later start's [A]
        return GracePeriodSequence.snapshot(gpSeqAcquire()); // [S]
    }

    /** Runs or waits for grace periods until the sequence reaches {@code cookie}. */
    void driveTo(long cookie, boolean expedited) {
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
        readerFences.updaterBarrier(); // [A] pairs with every reader's [B]; see design note
        long start = System.nanoTime();
        int slot = currentSlot();
        waitForReaders(slot ^ 1, expedited, start);
        flipSlot(); // [F] new readers enter the slot SCAN2 does not wait on
        setGpSeqRelease(withState(seq, SCAN2)); // [S]
        waitForReaders(slot, expedited, start);
        setGpSeqRelease(GracePeriodSequence.end(seq)); // [S] pairs with the acquire reads of the sequence
        stallReported.clear();
        unownedStallReported = false;
        readerFences.gracePeriodEnded();
    }

    private void waitForReaders(int slot, boolean expedited, long start) {
        boolean interrupted = false;
        long park = MIN_PARK_NANOS;
        long nextStallScan = stallTimeoutNanos; // in nanoseconds waited
        while (!slotDrained(slot)) {
            long waited = System.nanoTime() - start;
            if (waited < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            // [EX]; past the stall timeout a stalled reader is not hurried by waking every 10 us
            boolean expedite = (expedited || expeditedWaitersOpaque() > 0) && waited <= stallTimeoutNanos;
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
            if (waited > nextStallScan) { // [SC] once a stall timeout, then once per STALL_RESCAN_NANOS
                nextStallScan = waited + STALL_RESCAN_NANOS;
                setStallScansOpaque(stallScansOpaque() + 1); // [SC] gpLock held: one writer
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
        boolean reported = false;
        for (R reader : readersIn(slot)) {
            Thread thread = reader.owner();
            if (thread == null) {
                continue; // ended since the wait's last prune: the next one ends its sections
            }
            if (stallReported.add(reader)) {
                StringBuilder message = new StringBuilder()
                        .append(stalled)
                        .append(describe(thread))
                        .append(" (")
                        .append(thread.getState())
                        .append("), ")
                        .append(describeSection(reader, slot))
                        .append(". The grace period keeps waiting.");
                StackTraceElement[] stack = thread.getStackTrace();
                String advice = reader.abandoned ? ABANDONED : advice(thread, stack); // racy: a report
                if (advice != null) {
                    message.append(' ').append(advice.strip());
                    if (!advice.strip().endsWith(".")) {
                        message.append('.');
                    }
                }
                message.append(" The thread's stack:");
                for (StackTraceElement frame : stack) {
                    message.append(System.lineSeparator()).append("\tat ").append(frame);
                }
                reportLater(System.Logger.Level.WARNING, message.toString(), null);
                reported = true;
            }
        }
        if (!unownedStallReported) {
            String unowned = describeUnownedSections(slot);
            if (unowned != null) {
                unownedStallReported = true;
                reportLater(System.Logger.Level.WARNING, stalled + unowned + ". The grace period keeps waiting.", null);
                reported = true;
            }
        }
        if (!reported) {
            return; // nothing new: no task to start
        }
        // the grace period goes on waiting with gpLock held: log from another thread now
        try {
            callbackExecutor.execute(reportFlush);
        } catch (Throwable t) { // no thread to be had: logged when the grace period ends
        }
    }

    /** How many times a stalled grace period looked for readers to report (for tests). */
    final long stallScans() {
        return stallScansOpaque(); // [SC]
    }

    /** What a stall report says of a reader whose outermost section is abandoned (OutermostSection). */
    private static final String ABANDONED = "Its outermost section was abandoned: a tracepoint firing's close ran"
            + " out of stack (StackOverflowError), and the error unwound the firing. The thread's next firing of"
            + " this domain ends it, as does the thread's end.";

    /** The domain's stall advice for {@code stalled}, or null (none, or it threw). */
    private String advice(Thread stalled, StackTraceElement[] stack) {
        if (stallAdvice == null) {
            return null;
        }
        try {
            return stallAdvice.advise(stalled, stack);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A reader of an ended thread, from the registry's pruning; gpLock held. */
    @Override
    public final void retire(R reader) {
        int ended = retireEnded(reader);
        stallReported.remove(reader);
        if (ended > 0) {
            long unreported = endedInsideReports.admit(System.nanoTime(), REPORT_INTERVAL_NANOS);
            if (unreported != RateLimit.SUPPRESS) {
                reportLater(
                        System.Logger.Level.WARNING,
                        reader.describeOwner() + " ended inside " + ended
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
    void reportLater(System.Logger.Level level, String message, Throwable thrown) {
        reports.add(new Report(level, message, thrown));
    }

    /** Releases gpLock, then logs what was reported under it (unless this thread still holds it). */
    void unlockAndFlushReports() {
        gpLock.unlock();
        flushReports();
    }

    void flushReports() {
        if (gpLock.isHeldByCurrentThread()) {
            return; // reentered: the outermost holder logs them
        }
        Report report;
        while ((report = reports.poll()) != null) {
            try {
                log().log(report.level, report.message, report.thrown);
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

    // ---- accessors ----

    private long gpSeqPlain() {
        return (long) GP_SEQ.get(this);
    }

    private long stallScansOpaque() {
        return (long) STALL_SCANS.getOpaque(this);
    }

    private void setStallScansOpaque(long value) {
        STALL_SCANS.setOpaque(this, value);
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

    private boolean closedAcquire() {
        return (boolean) CLOSED.getAcquire(this);
    }

    private void setClosedRelease(boolean value) {
        CLOSED.setRelease(this, value);
    }

    private static final VarHandle GP_SEQ;
    private static final VarHandle GP_SEQ_NEEDED;
    private static final VarHandle STALL_SCANS;
    private static final VarHandle EXPEDITED_WAITERS;
    private static final VarHandle CLOSED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            GP_SEQ = lookup.findVarHandle(GracePeriodEngine.class, "gpSeq", long.class);
            STALL_SCANS = lookup.findVarHandle(GracePeriodEngine.class, "stallScans", long.class);
            GP_SEQ_NEEDED = lookup.findVarHandle(GracePeriodEngine.class, "gpSeqNeeded", long.class);
            EXPEDITED_WAITERS = lookup.findVarHandle(GracePeriodEngine.class, "expeditedWaiters", int.class);
            CLOSED = lookup.findVarHandle(GracePeriodEngine.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
