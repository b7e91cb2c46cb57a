package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.torture.TortureReader.ReadSide;
import io.tracepoint4j.torture.TortureReader.ReaderKind;
import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One rcutorture-style run of one RCU domain: readers and updaters hammer it for a fixed time, and
 * the run reports every read that outlived its grace period. {@link #run} takes ownership of the
 * domain: it closes it at the end (a close that refuses is reported as a failure).
 *
 * <p>This class holds what the run's threads share (the domain, the current object, the stop
 * request, the failures found) and runs the phases of the run. The threads are {@link
 * TortureReader}s and {@link TortureUpdater}s; the domain's callbacks are {@link
 * HarnessCallbacks}; the calling thread is the {@link Watchdog}; the result is a {@link
 * FlavorReport}.
 *
 * <p>Not thread-safe: one run at a time per instance; {@link #run} makes a fresh instance.
 */
final class FlavorTorture {
    /*
     * Design note.
     *
     * Overview: the kernel's rcutorture pipeline (oracle 4 of docs/design/grace-periods.md). One RCU-protected
     * reference, `current`, holds a PipelineItem. Updaters replace it and retire the old one; the
     * retired object ages one step per grace period and is freed (poisoned) at age 10. Readers
     * pick up `current` inside a read-side critical section and record, at the END of the section,
     * the age the object has then. A correct domain keeps every reader's object at age 0 or 1
     * until the section ends: the grace period that follows the replacement must wait for the
     * section, and only the end of that grace period ages the object to 2. So a read that ends
     * seeing age >= 2 (or a poisoned object) is a too-short grace period. Recording at the end,
     * not at the start, is the whole trick: at the start the object is at most 1 old anyway.
     *
     * Who ages what, so that a correct flavor can never show age 2:
     *   - Replacement: the updater that swapped the object out ([C1]) ages it 0 -> 1. Each
     *     object is swapped out exactly once, by exactly one updater (getAndSet).
     *   - synchronize / expedited / poll: each updater owns a private pipeline list. It appends
     *     the object it just retired, THEN waits for a grace period (program order puts the
     *     replacement before the grace-period request), THEN ages every object in its own list.
     *     Every object in the list was retired before the wait began, so each aging step is
     *     covered by a full grace period that started after the object's previous step. A shared
     *     list would be wrong: updater A's grace period may have started before updater B
     *     retired its object, and aging B's object on A's return would be a false positive.
     *   - call(): the callback ages the object one step and, unless it reached 10, calls call()
     *     again for the next step (rcutorture's rcu_torture_cb), so each step is one full grace
     *     period after the previous one.
     *   Every step after the first is age(), here, for both paths. Each object has one writer at
     *   a time (PipelineItem's design note).
     *
     * Concurrency: run() starts the workers (TortureReader: platform, virtual, blocking and
     * overflowing readers; TortureUpdater), then the calling thread is the Watchdog: it ends the
     * run at the deadline, early on a failure, or when a worker made no progress for the stall
     * timeout. run() then requests the stop ([S1]), and the watchdog joins the workers, drains
     * the callbacks (HarnessCallbacks) with barrier() and closes the domain, each bounded by the
     * stall timeout so that a hung domain is reported instead of hanging the harness. Each
     * worker's design note says what its threads do. Failures and samples come from every
     * thread, the domain's callback threads included.
     *
     * Memory ordering:
     *   [C1] getAndSetCurrent (updater, volatile getAndSet)  pairs with  [C2] currentAcquire
     *        (reader): message passing; the reader sees a fully built object. The reader's
     *        getAcquire sits after the domain's section entry, as in the user's code: the domain
     *        must order them against its grace period (that is the property under test).
     *   [S1] setStoppingOpaque (run(), after the watchdog returned)  pairs with  [S2]
     *        stoppingOpaque (every worker's loop): a stop request only; no data travels with it.
     *   [P1] PipelineItem [P1], here poisonRelease in age(); pairs with [P2] poisonedAcquire in
     *        TortureReader.record. PipelineItem also explains [A1]/[A2].
     *   [K]  every atomic counter here (serials, sampleCount, failureCount, freed) is a count or
     *        a bound: only atomicity is relied on, and the totals are read after the threads
     *        were joined.
     *   Counters of readers and updaters are plain fields read by FlavorReport.of only after
     *   the watchdog found their threads terminated (Thread.join, isAlive: happens-before). For a thread that never stopped, the
     *   report says so and the counters are a racy best effort.
     *   Elsewhere: [G1]/[G2] progress (TortureWorker, Watchdog), [H1]/[H2] hand-off and overflow
     *   rounds (TortureReader, OverflowRounds), [B1]/[B2] barrier checks (TortureUpdater),
     *   [K2]/[K3] outstanding callbacks (HarnessCallbacks, Watchdog).
     *
     * Failure modes, each reported: a read that saw age >= 2 or a poisoned object (counted, the
     * run goes on, as in the kernel); a worker that threw (run stops early); a worker that made no
     * progress for the stall timeout, or did not stop, or barrier()/close() that did not return
     * (stack traces to stderr); barrier() returning before an earlier callback ran; a callback
     * run inline on a harness thread; callbacks that never ran; decreasing poll cookies; close()
     * refusing after all readers and callbacks are done.
     *
     * References: the Linux kernel's kernel/rcu/rcutorture.c (rcu_torture_writer,
     * rcu_torture_one_read, rcu_torture_pipe_update, rcu_torture_cb), liburcu's
     * tests/regression/rcutorture.h (rcu_read_stress_test). Ideas only; no code taken.
     */

    private static final int MAX_SAMPLES = 5;
    private static final int MAX_FAILURES = 20;

    final String flavor;
    final RcuDomain domain;
    final TortureSettings settings;
    final ReadSide readSide;
    final PrintStream diagnostics;
    final HarnessCallbacks callbacks;
    /** Runs the ends of sections handed off to another thread; each task is joined by its reader. */
    final ExecutorService handOff = Executors.newVirtualThreadPerTaskExecutor();

    private final AtomicReference<PipelineItem> current;
    private final AtomicLong serials = new AtomicLong();
    private final LongAdder freed = new LongAdder();
    private final Queue<String> samples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sampleCount = new AtomicInteger();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failureCount = new AtomicInteger();

    private boolean stopping; // STOPPING: [S1]/[S2]

    private FlavorTorture(String flavor, RcuDomain domain, TortureSettings settings, PrintStream diagnostics) {
        this.flavor = flavor;
        this.domain = domain;
        this.settings = settings;
        this.diagnostics = diagnostics;
        this.readSide = ReadSide.of(domain);
        if (settings.blockingReaders() > 0 && readSide != ReadSide.SRCU) {
            throw new IllegalArgumentException("--blocking-readers needs an SRCU domain: readers of " + flavor
                    + " must not block inside a read-side critical section");
        }
        this.callbacks = new HarnessCallbacks(this);
        // The first object; Thread.start() publishes it to every worker.
        this.current = new AtomicReference<>(new PipelineItem(nextSerial()));
    }

    /**
     * Tortures {@code domain} as {@code settings} say and closes it. Blocks for about
     * {@code settings.duration()}, plus at most a few stall timeouts when something hangs.
     * Stack traces of hung threads go to {@code diagnostics}.
     *
     * @throws IllegalArgumentException if the settings ask for blocking readers on a domain whose
     *     readers must not block; the domain is then left open, still the caller's
     */
    static FlavorReport run(String flavor, RcuDomain domain, TortureSettings settings, PrintStream diagnostics) {
        return new FlavorTorture(flavor, domain, settings, diagnostics).run();
    }

    private FlavorReport run() {
        long gracePeriodsBefore = domain.completedGracePeriods();
        List<TortureReader> readers = new ArrayList<>();
        for (ReaderKind kind : ReaderKind.values()) {
            for (int i = 0; i < kind.count(settings); i++) {
                readers.add(new TortureReader(this, threadName(kind.label, i), kind));
            }
        }
        List<TortureUpdater> updaters = new ArrayList<>();
        for (int i = 0; i < settings.updaters(); i++) {
            updaters.add(new TortureUpdater(this, threadName("updater", i), i));
        }
        List<TortureWorker> workers = new ArrayList<>(readers);
        workers.addAll(updaters);
        Watchdog watchdog = new Watchdog(this, workers);

        long start = System.nanoTime();
        for (TortureWorker worker : workers) {
            worker.start();
        }
        watchdog.watch(start);
        setStoppingOpaque(); // [S1] pairs with [S2] in every worker's loop: stop request only
        long elapsed = System.nanoTime() - start;

        boolean allStopped = watchdog.joinAll();
        handOff.shutdown(); // every hand-off task was joined by its reader
        if (allStopped) {
            watchdog.drainCallbacks();
            watchdog.closeDomain();
        } else {
            fail("skipped draining callbacks and close(): some threads never stopped");
        }
        long gracePeriods = domain.completedGracePeriods() - gracePeriodsBefore;
        return FlavorReport.of(this, readers, updaters, Duration.ofNanos(elapsed), gracePeriods);
    }

    // ------------------------------------------------------------------------- the pipeline

    PipelineItem currentAcquire() {
        return current.getAcquire(); // [C2] pairs with [C1] in getAndSetCurrent (message passing)
    }

    PipelineItem getAndSetCurrent(PipelineItem fresh) {
        return current.getAndSet(fresh); // [C1] pairs with [C2] in currentAcquire
    }

    long nextSerial() {
        return serials.getAndIncrement(); // [K] unique numbers only; no ordering relied on
    }

    /**
     * One aging step of a retired object by its single current writer (design note: who ages
     * what); frees the object when it reaches the end of the pipeline.
     *
     * @return whether the object was freed, which ends its pipeline
     */
    boolean age(PipelineItem item) {
        if (item.advanceAge() != PipelineItem.FREED_AGE) {
            return false;
        }
        item.poisonRelease(); // [P1] pairs with [P2] in TortureReader.record
        freed.increment(); // [K] a count only
        return true;
    }

    /** Objects freed so far; exact once every thread that ages objects was joined or drained. */
    long freed() {
        return freed.sum();
    }

    // ------------------------------------------------------------------------------ stopping

    boolean stoppingOpaque() {
        return (boolean) STOPPING.getOpaque(this); // [S2] pairs with [S1]: a stop request only
    }

    private void setStoppingOpaque() {
        STOPPING.setOpaque(this, true); // [S1] pairs with [S2]: a stop request only
    }

    // ------------------------------------------------------------------------------ findings

    /** Every harness thread's name starts with this, so stack dumps can tell them apart. */
    String threadNamePrefix() {
        return "torture-" + flavor + "-";
    }

    String threadName(String role, int i) {
        return threadNamePrefix() + role + "-" + i;
    }

    /**
     * Keeps the description of a too-short grace period, up to a few (a few more when readers race
     * here). Counted after it is kept: the overflowing reader calls this near its stack's limit,
     * where the add may throw StackOverflowError, and a sample counted but not kept would leave
     * the report with none (seen once in CI: 15,884 too-short reads, no sample).
     */
    void sample(String description) {
        if (sampleCount.get() < MAX_SAMPLES) { // [K] a bound on memory only
            samples.add(description);
            sampleCount.incrementAndGet(); // [K]
        }
    }

    /** Records a failure other than a too-short grace period; any failure ends the run early. */
    void fail(String message) {
        if (failureCount.getAndIncrement() < MAX_FAILURES) { // [K] a bound on memory only
            failures.add(message);
        }
    }

    /** {@link #fail(String)}, with the cause's stack trace on the diagnostics stream. */
    void fail(String message, Throwable cause) {
        fail(message + ": " + cause);
        synchronized (diagnostics) {
            diagnostics.println("torture " + flavor + ": " + message + ":");
            cause.printStackTrace(diagnostics);
        }
    }

    boolean failed() {
        return failureCount.get() > 0; // [K] any failure ends the run; no data travels with it
    }

    List<String> samples() {
        return List.copyOf(samples);
    }

    /** The failures kept, and how many more there were. */
    List<String> failures() {
        List<String> kept = new ArrayList<>(failures);
        if (failureCount.get() > MAX_FAILURES) {
            kept.add("... and " + (failureCount.get() - MAX_FAILURES) + " more");
        }
        return kept;
    }

    private static final VarHandle STOPPING;

    static {
        try {
            STOPPING = MethodHandles.lookup().findVarHandle(FlavorTorture.class, "stopping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
