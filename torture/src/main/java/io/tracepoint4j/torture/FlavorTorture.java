package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One rcutorture-style run of one RCU domain: readers and updaters hammer it for a fixed time, and
 * the run reports every read that outlived its grace period. {@link #run} takes ownership of the
 * domain: it closes it at the end (a close that refuses is reported as a failure).
 *
 * <p>Not thread-safe: one run at a time per instance; {@link #run} makes a fresh instance.
 */
final class FlavorTorture {
    /*
     * Design note.
     *
     * Overview: the kernel's rcutorture pipeline (oracle 4 of grace-periods.md). One RCU-protected
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
     *   Each object has one writer at a time (PipelineItem's design note).
     *
     * Concurrency: platform readers spin inside sections (and sometimes yield, which models
     * preemption); virtual readers do the same and, in SRCU only, sometimes park inside a section,
     * so they unmount and may resume on another carrier; blocking readers (SRCU only) sometimes
     * sleep inside a section and sometimes end it with upRead() on a hand-off virtual thread;
     * overflowing readers recurse through nested sections of every form until their small stack
     * overflows, so the StackOverflowError lands anywhere in the entry and exit paths (issue 10),
     * redo at the top the exits that threw, and end their thread every few overflows. With the
     * fix of issue 10 C1 reverted by hand (an SRCU entry recorded before it is counted), a 10 s
     * run of two of them died on a phantom section and hung the grace periods: reported, exit 2.
     * Updaters take the grace-period methods in turn (each starting at a different one, so
     * concurrent updaters mix methods), pause randomly, and every 32 updates check
     * barrier(). The calling thread is the watchdog: it ends the run at the deadline, early on a
     * failure, or when a worker made no progress for the stall timeout, then stops and joins
     * the workers, drains callbacks with barrier() and closes the domain, each bounded by the
     * stall timeout so that a hung domain is reported instead of hanging the harness.
     *
     * Memory ordering:
     *   [C1] current.getAndSet (updater, volatile)  pairs with  [C2] current.getAcquire (reader):
     *        message passing; the reader sees a fully built object. The reader's getAcquire sits
     *        after the domain's section entry, as in the user's code: the domain must order
     *        them against its grace period (that is the property under test).
     *   [S1] setStoppingOpaque (watchdog)  pairs with  [S2] stoppingOpaque (workers): a stop
     *        request only; no data travels with it.
     *   [G1] progress.setOpaque (worker)  pairs with  [G2] progress.getOpaque (watchdog): a
     *        progress counter only.
     *   [B1] ran.setRelease (callback)  pairs with  [B2] ran.getAcquire (updater after
     *        barrier()): message passing; barrier() itself should order it, this makes the
     *        check independent of that.
     *   [H1] a hand-off task's writes into the reader's counters happen-before the reader's
     *        join() of the task returns ([H2]): the reader never touches its counters meanwhile,
     *        so each counter keeps one writer at a time.
     *   Counters of readers and updaters are plain fields read by the watchdog only after
     *   Thread.join() returned true (join: happens-before). For a thread that never stopped,
     *   the report says so and the counters are a racy best effort.
     *   [K2] outstandingCallbacks increments/decrements (atomic)  pair with  [K3] its volatile read
     *        in drainCallbacks(), after barrier() returned: the count is exact (Invariants).
     *   [K]  every other atomic counter (LongAdder, getAndIncrement) is a count or a bound: only
     *        atomicity is relied on, and the totals are read after the threads were joined.
     *   PipelineItem's own pairings [A1]/[A2] and [P1]/[P2] are explained there.
     *
     * Invariants: outstandingCallbacks counts queued-but-not-finished callbacks; a callback that
     * queues the next step increments it before decrementing its own, so it reaches 0 only when
     * no harness callback is queued. Cookies from one updater are monotone.
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

    /** Reads recorded with an age past this many are too-short grace periods. */
    static final int MAX_CORRECT_AGE = 1;

    private static final int NEST_ONE_IN = 8;
    private static final int LONG_DELAY_ONE_IN = 256;
    private static final int VIRTUAL_PARK_ONE_IN = 16;
    private static final int BLOCKING_SLEEP_ONE_IN = 8;
    private static final int VIRTUAL_YIELD_EVERY = 16;
    private static final int BARRIER_CHECK_EVERY = 32;
    private static final long POLL_INTERVAL_NANOS = 20_000;
    private static final long POLL_KICK_NANOS = 1_000_000;
    private static final long WATCHDOG_TICK_MILLIS = 50;
    private static final int MAX_SAMPLES = 5;
    private static final int MAX_FAILURES = 20;
    /** Overflows an overflowing reader's thread takes before it ends and a fresh one goes on. */
    private static final int OVERFLOWS_PER_THREAD = 8;
    /** The stacks of an overflowing reader's threads, in turn: the error lands at varied depths. */
    private static final long[] OVERFLOW_STACK_BYTES = {256 * 1024, 384 * 1024, 512 * 1024};

    private static final String OVERFLOW_HOW = "recursing until the stack overflows";
    private static volatile long overflowSink;

    /** Bound in every harness thread: a domain callback that finds it bound ran inline. */
    private static final ScopedValue<String> HARNESS_THREAD = ScopedValue.newInstance();

    private enum ReadSide {
        SRCU,
        CLASSIC,
        GENERIC
    }

    private enum ReaderKind {
        PLATFORM("reader"),
        VIRTUAL("virtual-reader"),
        BLOCKING("blocking-reader"),
        OVERFLOWING("overflowing-reader");

        final String label;

        ReaderKind(String label) {
            this.label = label;
        }
    }

    private final String flavor;
    private final RcuDomain domain;
    private final TortureSettings settings;
    private final ReadSide readSide;
    private final PrintStream diagnostics;
    private final long readerDelayNanos;
    private final long updaterDelayNanos;
    private final long blockNanos;
    private final GpMethod[] methods;

    private final AtomicReference<PipelineItem> current;
    private final AtomicLong serials = new AtomicLong();
    private final AtomicLong outstandingCallbacks = new AtomicLong();
    private final LongAdder callbacksQueued = new LongAdder();
    private final LongAdder callbacksInvoked = new LongAdder();
    private final LongAdder freed = new LongAdder();
    private final Queue<String> samples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sampleCount = new AtomicInteger();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failureCount = new AtomicInteger();
    private final List<Reader> readers = new ArrayList<>();
    private final List<Updater> updaters = new ArrayList<>();
    private final ExecutorService handOff = Executors.newVirtualThreadPerTaskExecutor();

    private boolean stopping; // STOPPING: [S1]/[S2]

    private FlavorTorture(String flavor, RcuDomain domain, TortureSettings settings, PrintStream diagnostics) {
        this.flavor = flavor;
        this.domain = domain;
        this.settings = settings;
        this.diagnostics = diagnostics;
        this.readSide = switch (domain) {
            case Srcu _ -> ReadSide.SRCU;
            case ClassicRcu _ -> ReadSide.CLASSIC;
            default -> ReadSide.GENERIC;
        };
        if (settings.blockingReaders() > 0 && readSide != ReadSide.SRCU) {
            throw new IllegalArgumentException("--blocking-readers needs an SRCU domain: readers of " + flavor
                    + " must not block inside a read-side critical section");
        }
        this.readerDelayNanos = settings.readerDelay().toNanos();
        this.updaterDelayNanos = settings.updaterDelay().toNanos();
        this.blockNanos = settings.blockTime().toNanos();
        this.methods = settings.methods().stream().sorted().toArray(GpMethod[]::new);
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
        for (ReaderKind kind : ReaderKind.values()) {
            int count = switch (kind) {
                case PLATFORM -> settings.readers();
                case VIRTUAL -> settings.virtualReaders();
                case BLOCKING -> settings.blockingReaders();
                case OVERFLOWING -> settings.overflowingReaders();
            };
            for (int i = 0; i < count; i++) {
                readers.add(new Reader(threadName(kind.label, i), kind));
            }
        }
        for (int i = 0; i < settings.updaters(); i++) {
            updaters.add(new Updater(threadName("updater", i), i));
        }
        List<Worker> workers = new ArrayList<>(readers);
        workers.addAll(updaters);

        long start = System.nanoTime();
        for (Worker worker : workers) {
            worker.start();
        }
        watch(workers, start);
        setStoppingOpaque(); // [S1] pairs with [S2] in every worker's loop: stop request only
        long elapsed = System.nanoTime() - start;

        boolean allStopped = joinAll(workers);
        handOff.shutdown(); // every hand-off task was joined by its reader
        if (allStopped) {
            drainCallbacks();
            closeDomain();
        } else {
            fail("skipped draining callbacks and close(): some threads never stopped");
        }
        long gracePeriods = domain.completedGracePeriods() - gracePeriodsBefore;
        return report(Duration.ofNanos(elapsed), gracePeriods);
    }

    // ---------------------------------------------------------------------------------- readers

    private abstract sealed class Worker implements Runnable permits Reader, Updater {
        final String name;
        final AtomicLong progress = new AtomicLong();
        Thread thread;

        Worker(String name) {
            this.name = name;
        }

        void start() {
            thread = threadBuilder().name(name).unstarted(this);
            thread.start();
        }

        Thread.Builder threadBuilder() {
            return Thread.ofPlatform().daemon();
        }

        @Override
        public final void run() {
            ScopedValue.where(HARNESS_THREAD, name).run(() -> {
                try {
                    loop(ThreadLocalRandom.current());
                } catch (Throwable t) {
                    fail(name + " died", t);
                }
            });
        }

        abstract void loop(ThreadLocalRandom random);

        void madeProgress(long count) {
            progress.setOpaque(count); // [G1] pairs with [G2] in watch(): a progress count only
        }
    }

    private final class Reader extends Worker {
        final ReaderKind kind;
        final long[] ages = new long[PipelineItem.FREED_AGE + 1];
        long reads;
        long nested;
        long blocked;
        long handedOff;
        long overflows;
        long exitsRedone;
        long tooShort;
        long poisoned;

        Reader(String name, ReaderKind kind) {
            super(name);
            this.kind = kind;
        }

        @Override
        Thread.Builder threadBuilder() {
            return kind == ReaderKind.VIRTUAL ? Thread.ofVirtual() : super.threadBuilder();
        }

        @Override
        void loop(ThreadLocalRandom random) {
            if (kind == ReaderKind.OVERFLOWING) {
                overflowRounds(this);
                return;
            }
            long sections = 0;
            while (!stoppingOpaque()) { // [S2] pairs with [S1] in run()
                switch (readSide) {
                    case SRCU -> srcuSection((Srcu) domain, this, random);
                    case CLASSIC -> classicSection((ClassicRcu) domain, this, random);
                    case GENERIC -> genericSection(this, random);
                }
                madeProgress(++sections);
                if (kind == ReaderKind.VIRTUAL && sections % VIRTUAL_YIELD_EVERY == 0) {
                    Thread.yield(); // outside any section: spinning virtual readers would pin every carrier
                }
            }
        }

        /**
         * The check, made as the last action inside a read-side critical section: rcutorture
         * records the age at the end so that a grace period that ended too early shows up as
         * age 2 or more.
         */
        void record(PipelineItem item, String how) {
            int age = item.ageAcquire(); // [A2], see PipelineItem
            boolean wasPoisoned = item.poisonedAcquire(); // [P2], after [A2]: freed implies age 10
            ages[Math.min(age, PipelineItem.FREED_AGE)]++;
            reads++;
            if (age > MAX_CORRECT_AGE || wasPoisoned) {
                tooShort++;
                if (wasPoisoned) {
                    poisoned++;
                }
                sample(name + " (" + how + ") ended its section holding " + item + " at age " + age
                        + (wasPoisoned ? ", already freed" : ""));
            }
        }
    }

    private void srcuSection(Srcu srcu, Reader reader, ThreadLocalRandom random) {
        int variants = reader.kind == ReaderKind.BLOCKING ? 4 : 3;
        switch (random.nextInt(variants)) {
            case 0 -> {
                try (var _ = srcu.read()) {
                    sectionBody(reader, random, "read()");
                }
            }
            case 1 -> {
                int token = srcu.readLock();
                try {
                    sectionBody(reader, random, "readLock()");
                } finally {
                    srcu.readUnlock(token);
                }
            }
            case 2 -> {
                int token = srcu.downRead();
                try {
                    sectionBody(reader, random, "downRead()");
                } finally {
                    srcu.upRead(token);
                }
            }
            default -> endOnAnotherThread(srcu, reader, random);
        }
    }

    private void classicSection(ClassicRcu rcu, Reader reader, ThreadLocalRandom random) {
        if (random.nextBoolean()) {
            try (var _ = rcu.read()) {
                sectionBody(reader, random, "read()");
            }
        } else {
            rcu.readLock();
            try {
                sectionBody(reader, random, "readLock()");
            } finally {
                rcu.readUnlock();
            }
        }
    }

    private void genericSection(Reader reader, ThreadLocalRandom random) {
        try (var _ = domain.read()) {
            sectionBody(reader, random, "read()");
        }
    }

    /** Everything inside a section: pick up the object, dawdle, maybe nest, then record. */
    private void sectionBody(Reader reader, ThreadLocalRandom random, String how) {
        PipelineItem item = currentAcquire(); // [C2] pairs with [C1] in Updater.loop (message passing)
        delayInside(reader, random);
        if (random.nextInt(NEST_ONE_IN) == 0) {
            nestedSection(reader);
        }
        reader.record(item, how); // last action of the section (design note)
    }

    /** A section nested in the caller's, of the same domain; records its own read at once. */
    private void nestedSection(Reader reader) {
        reader.nested++;
        switch (readSide) {
            case SRCU -> {
                Srcu srcu = (Srcu) domain;
                int token = srcu.readLock();
                try {
                    reader.record(currentAcquire(), "nested readLock()"); // [C2] pairs with [C1]
                } finally {
                    srcu.readUnlock(token);
                }
            }
            case CLASSIC -> {
                ClassicRcu rcu = (ClassicRcu) domain;
                rcu.readLock();
                try {
                    reader.record(currentAcquire(), "nested readLock()"); // [C2] pairs with [C1]
                } finally {
                    rcu.readUnlock();
                }
            }
            case GENERIC -> {
                try (var _ = domain.read()) {
                    reader.record(currentAcquire(), "nested read()"); // [C2] pairs with [C1]
                }
            }
        }
    }

    /**
     * An SRCU section begun here with downRead() and ended on a hand-off virtual thread with
     * upRead(), which also records the age: the section's end is on that thread.
     */
    private void endOnAnotherThread(Srcu srcu, Reader reader, ThreadLocalRandom random) {
        int token = srcu.downRead();
        PipelineItem item;
        try {
            item = currentAcquire(); // [C2] pairs with [C1] in Updater.loop (message passing)
            delayInside(reader, random);
        } catch (RuntimeException | Error e) {
            srcu.upRead(token);
            throw e;
        }
        reader.handedOff++;
        CompletableFuture.runAsync(
                        () -> {
                            try {
                                reader.record(item, "downRead(), upRead() on another thread"); // [H1] pairs with [H2]
                            } finally {
                                srcu.upRead(token);
                            }
                        },
                        handOff)
                .join(); // [H2]: the task's writes to reader's counters happen-before this returns
    }

    /** Keeps the reader inside its section for a while; how depends on the kind of reader. */
    private void delayInside(Reader reader, ThreadLocalRandom random) {
        spinNanos(random.nextLong(readerDelayNanos + 1));
        switch (reader.kind) {
            case PLATFORM -> {
                if (random.nextInt(LONG_DELAY_ONE_IN) == 0) {
                    Thread.yield(); // models preemption inside a section; legal in every flavor
                    spinNanos(random.nextLong(10 * readerDelayNanos + 1));
                }
            }
            case VIRTUAL -> {
                if (readSide == ReadSide.SRCU && random.nextInt(VIRTUAL_PARK_ONE_IN) == 0) {
                    reader.blocked++;
                    LockSupport.parkNanos(random.nextLong(blockNanos + 1)); // unmounts; may change carrier
                } else if (random.nextInt(LONG_DELAY_ONE_IN) == 0) {
                    spinNanos(random.nextLong(10 * readerDelayNanos + 1)); // never unmount in classic RCU
                }
            }
            case BLOCKING -> {
                if (random.nextInt(BLOCKING_SLEEP_ONE_IN) == 0) {
                    reader.blocked++;
                    LockSupport.parkNanos(random.nextLong(blockNanos + 1));
                }
            }
            case OVERFLOWING -> {} // its sections nest until the stack overflows: no delay needed
        }
    }

    // ----------------------------------------------------------------------- overflowing readers

    /**
     * An overflowing reader's life: rounds of {@link #OVERFLOWS_PER_THREAD} overflows, each round
     * on a fresh platform thread with a small stack that ends afterwards, so the domain also
     * retires dead threads' records all run long. The reader's counters are written by one round
     * thread at a time ([H1] pairs with [H2]: join()).
     */
    private void overflowRounds(Reader reader) {
        long rounds = 0;
        while (!stoppingOpaque()) { // [S2] pairs with [S1] in run()
            long stackSize = OVERFLOW_STACK_BYTES[(int) (rounds % OVERFLOW_STACK_BYTES.length)];
            Thread round = new Thread(null, new OverflowRound(reader), reader.name + "-stack", stackSize);
            round.setDaemon(true);
            round.setUncaughtExceptionHandler(new RoundFailure(reader.name));
            round.start();
            try {
                round.join(); // [H2]: the round's writes to reader's counters happen-before this returns
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            reader.madeProgress(++rounds);
        }
    }

    private final class RoundFailure implements Thread.UncaughtExceptionHandler {
        private final String reader;

        RoundFailure(String reader) {
            this.reader = reader;
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            fail(reader + ": an overflow round died", e);
        }
    }

    /**
     * One round thread's overflows. The recursion opens a section at every level (a form chosen
     * at random), picks up the current object, recurses, and records the object's age in a
     * finally as the section's last action; the StackOverflowError unwinds it. An exit that throws
     * (out of stack) leaves its section open and closable again: it is kept, innermost first, in
     * arrays made beforehand (storing calls nothing, so it cannot overflow), and done again at the
     * top, after which the thread is in no section. Nothing on the deep path may link an
     * invokedynamic call site (string concatenation, a lambda): a failed first linkage there would
     * break that site for the whole JVM.
     */
    private final class OverflowRound implements Runnable {
        private static final byte READ = 0;
        private static final byte TOKEN = 1;
        private static final byte HANDOFF = 2;
        private static final byte CLASSIC_LOCK = 3;

        private final Reader reader;
        private final ThreadLocalRandom random = ThreadLocalRandom.current();
        private final byte[] failedForms = new byte[1 << 16];
        private final int[] failedTokens = new int[1 << 16];
        private final RcuDomain.ReadSection[] failedSections = new RcuDomain.ReadSection[1 << 16];
        private int failed;

        OverflowRound(Reader reader) {
            this.reader = reader;
        }

        @Override
        public void run() {
            ScopedValue.where(HARNESS_THREAD, reader.name).run(new Rounds());
        }

        private final class Rounds implements Runnable {
            @Override
            public void run() {
                for (int i = 0; i < OVERFLOWS_PER_THREAD && !stoppingOpaque(); i++) { // [S2]
                    try {
                        pad(random.nextInt(64));
                    } catch (StackOverflowError expected) {
                        reader.overflows++;
                    }
                    redoFailedExits();
                    if (domain.inReadSection()) {
                        fail(reader.name + ": still inside a section after overflow " + i
                                + ", with every failed exit done again");
                        return;
                    }
                }
            }
        }

        /** Shifts the start of the recursion by {@code n} frames of another size. */
        private void pad(int n) {
            long a = n, b = a * 3, c = b * 5, e = c * 7;
            if (n > 0) {
                pad(n - 1);
            } else {
                recurse();
            }
            overflowSink = a + b + c + e;
        }

        private void recurse() {
            byte form = switch (readSide) {
                case SRCU -> (byte) random.nextInt(3); // READ, TOKEN, HANDOFF
                case CLASSIC -> random.nextBoolean() ? READ : CLASSIC_LOCK;
                case GENERIC -> READ;
            };
            switch (form) {
                case READ -> {
                    RcuDomain.ReadSection section = domain.read();
                    try {
                        body();
                    } finally {
                        try {
                            section.close();
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed] = form;
                            failedSections[failed++] = section;
                        }
                    }
                }
                case TOKEN -> {
                    int token = ((Srcu) domain).readLock();
                    try {
                        body();
                    } finally {
                        try {
                            ((Srcu) domain).readUnlock(token);
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed] = form;
                            failedTokens[failed++] = token;
                        }
                    }
                }
                case HANDOFF -> {
                    int token = ((Srcu) domain).downRead();
                    try {
                        body();
                    } finally {
                        try {
                            ((Srcu) domain).upRead(token);
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed] = form;
                            failedTokens[failed++] = token;
                        }
                    }
                }
                default -> {
                    ((ClassicRcu) domain).readLock();
                    try {
                        body();
                    } finally {
                        try {
                            ((ClassicRcu) domain).readUnlock();
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed++] = form;
                        }
                    }
                }
            }
        }

        /** Inside a section: pick up the object, go deeper, record as the section's last action. */
        private void body() {
            PipelineItem item = currentAcquire(); // [C2] pairs with [C1] in Updater.loop (message passing)
            try {
                recurse();
            } finally {
                reader.record(item, OVERFLOW_HOW);
            }
        }

        /** Ends, back at the top of the stack, what failed exits left open, innermost first. */
        private void redoFailedExits() {
            for (int i = 0; i < failed; i++) {
                switch (failedForms[i]) {
                    case READ -> failedSections[i].close();
                    case TOKEN -> ((Srcu) domain).readUnlock(failedTokens[i]);
                    case HANDOFF -> ((Srcu) domain).upRead(failedTokens[i]);
                    default -> ((ClassicRcu) domain).readUnlock();
                }
                failedSections[i] = null;
            }
            reader.exitsRedone += failed;
            failed = 0;
        }
    }

    // --------------------------------------------------------------------------------- updaters

    private final class Updater extends Worker {
        final int index;
        /** Objects this updater retired and ages after each of its own grace periods. */
        final ArrayDeque<PipelineItem> pipeline = new ArrayDeque<>();

        final long[] byMethod = new long[GpMethod.values().length];
        long updates;
        long barrierChecks;
        long lastCookie;
        boolean haveCookie;

        Updater(String name, int index) {
            super(name);
            this.index = index;
        }

        @Override
        void loop(ThreadLocalRandom random) {
            int next = index % methods.length; // concurrent updaters start at different methods
            while (!stoppingOpaque()) { // [S2] pairs with [S1] in run()
                PipelineItem fresh = new PipelineItem(nextSerial());
                PipelineItem old = getAndSetCurrent(fresh); // [C1] pairs with [C2] in sectionBody
                old.advanceAge(); // 0 -> 1: replaced; only this updater got `old` from getAndSet
                GpMethod method = methods[next];
                next = (next + 1) % methods.length;
                switch (method) {
                    // Each wait below is requested after the replacement above (program order):
                    // that is what lets agePipeline() age every listed object one step.
                    case SYNCHRONIZE -> {
                        pipeline.add(old);
                        domain.synchronize();
                        agePipeline();
                    }
                    case EXPEDITED -> {
                        pipeline.add(old);
                        domain.synchronizeExpedited();
                        agePipeline();
                    }
                    case CALL -> queueStep(old);
                    case POLL -> {
                        pipeline.add(old);
                        pollForGracePeriod();
                        agePipeline();
                    }
                }
                byMethod[method.ordinal()]++;
                madeProgress(++updates);
                if (updates % BARRIER_CHECK_EVERY == 1) { // the first update, then every 32nd
                    barrierCheck();
                }
                if (updaterDelayNanos > 0) {
                    LockSupport.parkNanos(random.nextLong(updaterDelayNanos + 1));
                }
            }
        }

        /** One step for every object of this updater's pipeline; drops those it freed. */
        void agePipeline() {
            for (Iterator<PipelineItem> it = pipeline.iterator(); it.hasNext(); ) {
                if (age(it.next())) {
                    it.remove();
                }
            }
        }

        /**
         * Half the time startPoll() (completes by itself), half the time state(), which only
         * completes when someone requests a grace period: if nobody has within a millisecond,
         * this updater does with startPoll(), and still polls the first cookie.
         */
        void pollForGracePeriod() {
            boolean requested = ThreadLocalRandom.current().nextBoolean();
            long cookie = requested ? domain.startPoll() : domain.state();
            checkMonotone(cookie, requested ? "startPoll()" : "state()");
            long kickAt = System.nanoTime() + POLL_KICK_NANOS;
            while (!domain.pollState(cookie)) {
                if (!requested && System.nanoTime() - kickAt >= 0) {
                    checkMonotone(domain.startPoll(), "startPoll()");
                    requested = true;
                }
                LockSupport.parkNanos(POLL_INTERVAL_NANOS);
            }
        }

        void checkMonotone(long cookie, String how) {
            if (haveCookie && cookie < lastCookie) {
                fail(name + ": " + how + " returned cookie " + cookie + " after cookie " + lastCookie
                        + " (cookies must be monotone)");
            }
            lastCookie = cookie;
            haveCookie = true;
        }

        /** rcutorture's barrier test: a callback queued just before barrier() has run when it returns. */
        void barrierCheck() {
            AtomicBoolean ran = new AtomicBoolean();
            queueCallback(() -> ran.setRelease(true)); // [B1] pairs with [B2] below
            domain.barrier();
            barrierChecks++;
            if (!ran.getAcquire()) { // [B2] pairs with [B1]
                fail(name + ": barrier() returned before a callback queued just before it had run");
            }
        }
    }

    /** Queues the next aging step of a call()-retired object. */
    private void queueStep(PipelineItem item) {
        queueCallback(() -> {
            if (!age(item)) {
                queueStep(item); // the next step needs a grace period that begins after this one
            }
        });
    }

    /** Queues {@code body} as a callback of the domain: counted, and checked not to run inline. */
    private void queueCallback(Runnable body) {
        callbackQueued(); // before call(): the drain loop must never see 0 while a callback is queued
        try {
            domain.call(() -> invokeCallback(body));
        } catch (RuntimeException | Error e) {
            callbackDone();
            throw e;
        }
    }

    private void invokeCallback(Runnable body) {
        try {
            callbacksInvoked.increment(); // [K] a count only
            checkNotInline();
            body.run();
        } catch (Throwable t) {
            fail("a callback failed on " + Thread.currentThread().getName(), t);
        } finally {
            callbackDone(); // after a step's queueCallback() of the next one: never 0 early
        }
    }

    /**
     * One aging step of a retired object by its single current writer (design note: who ages
     * what); frees the object when it reaches the end of the pipeline.
     *
     * @return whether the object was freed, which ends its pipeline
     */
    private boolean age(PipelineItem item) {
        if (item.advanceAge() != PipelineItem.FREED_AGE) {
            return false;
        }
        item.poisonRelease(); // [P1] pairs with [P2] in Reader.record
        freed.increment(); // [K] a count only
        return true;
    }

    private void checkNotInline() {
        if (HARNESS_THREAD.isBound()) {
            fail("a callback ran inline on harness thread " + HARNESS_THREAD.get()
                    + " (callbacks must run on the domain's own thread)");
        }
    }

    // --------------------------------------------------------------------------------- watchdog

    /** Waits out the run on the calling thread; returns early on a failure or a stall. */
    private void watch(List<Worker> workers, long start) {
        long deadline = start + settings.duration().toNanos();
        long stallNanos = settings.stallTimeout().toNanos();
        long[] lastProgress = new long[workers.size()];
        long[] lastChange = new long[workers.size()];
        Arrays.fill(lastChange, start);
        while (true) {
            long now = System.nanoTime();
            if (now - deadline >= 0 || failureCount.get() > 0) { // [K] any failure ends the run
                return;
            }
            for (int i = 0; i < workers.size(); i++) {
                Worker worker = workers.get(i);
                long progress = worker.progress.getOpaque(); // [G2] pairs with [G1]
                if (progress != lastProgress[i]) {
                    lastProgress[i] = progress;
                    lastChange[i] = now;
                } else if (now - lastChange[i] > stallNanos) {
                    fail(worker.name + " made no progress for " + seconds(stallNanos)
                            + " (a grace period, poll or read-side call hung?); stacks on stderr");
                    dumpStacks(worker.thread);
                    return;
                }
            }
            sleepMillis(Math.min(WATCHDOG_TICK_MILLIS, Math.max(1, (deadline - now) / 1_000_000)));
        }
    }

    private boolean joinAll(List<Worker> workers) {
        long deadline = System.nanoTime() + settings.stallTimeout().toNanos();
        boolean all = true;
        for (Worker worker : workers) {
            long left = Math.max(1, deadline - System.nanoTime());
            boolean stopped;
            try {
                stopped = worker.thread.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = false;
            }
            if (!stopped) {
                all = false;
                fail(worker.name + " did not stop within "
                        + settings.stallTimeout().toSeconds() + " s after the run ended; stacks on stderr");
                dumpStacks(worker.thread);
            }
        }
        return all;
    }

    /**
     * Runs barrier() until no harness callback is queued: callbacks queue their next step after
     * the barrier began, so it takes up to one barrier per pipeline step.
     */
    private void drainCallbacks() {
        int rounds = 0;
        // [K3] pairs with [K2]: read after barrier() ordered every earlier callback before it
        while (outstandingCallbacksVolatile() > 0 && rounds < 2 * PipelineItem.FREED_AGE + 2) {
            rounds++;
            if (!bounded("barrier()", domain::barrier)) {
                return;
            }
        }
        long left = outstandingCallbacksVolatile(); // [K3] pairs with [K2]
        if (left > 0) {
            fail(left + " callbacks still had not run after " + rounds + " barrier() calls");
        }
        if (callbacksInvoked.sum() != callbacksQueued.sum()) {
            fail(callbacksQueued.sum() + " callbacks queued but " + callbacksInvoked.sum() + " ran");
        }
    }

    /** close() after the run: nothing is outstanding, so a refusal that lasts is a bug. */
    private void closeDomain() {
        bounded("close()", () -> {
            long giveUp = System.nanoTime() + Math.min(settings.stallTimeout().toNanos(), 5_000_000_000L);
            while (true) {
                try {
                    domain.close();
                    return;
                } catch (IllegalStateException refused) {
                    if (System.nanoTime() - giveUp >= 0) {
                        fail("close() still refuses with every reader stopped and every callback run: "
                                + refused.getMessage());
                        return;
                    }
                    sleepMillis(10); // e.g. a grace period a poller started is still finishing
                }
            }
        });
    }

    /** Runs {@code action} on a helper thread, waiting at most the stall timeout. */
    private boolean bounded(String what, Runnable action) {
        Thread helper = Thread.ofPlatform()
                .daemon()
                .name(threadName("shutdown", 0))
                .start(() -> {
                    try {
                        action.run();
                    } catch (Throwable t) {
                        fail(what + " threw", t);
                    }
                });
        try {
            if (helper.join(settings.stallTimeout())) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fail(what + " did not return within " + settings.stallTimeout().toSeconds() + " s; stacks on stderr");
        dumpStacks(helper);
        return false;
    }

    // ---------------------------------------------------------------------------------- helpers

    private PipelineItem currentAcquire() {
        return current.getAcquire(); // [C2] pairs with [C1] in getAndSetCurrent (message passing)
    }

    private PipelineItem getAndSetCurrent(PipelineItem fresh) {
        return current.getAndSet(fresh); // [C1] pairs with [C2] in currentAcquire
    }

    private long nextSerial() {
        return serials.getAndIncrement(); // [K] unique numbers only; no ordering relied on
    }

    private void callbackQueued() {
        outstandingCallbacks.incrementAndGet(); // [K2] pairs with [K3]: see the Invariants
        callbacksQueued.increment(); // [K] a count only
    }

    private void callbackDone() {
        outstandingCallbacks.decrementAndGet(); // [K2] pairs with [K3]
    }

    /** Read by the watchdog only after barrier() returned, which ordered the callbacks before it. */
    private long outstandingCallbacksVolatile() {
        return outstandingCallbacks.get(); // [K3] pairs with [K2]
    }

    private boolean stoppingOpaque() {
        return (boolean) STOPPING.getOpaque(this); // [S2] pairs with [S1]: a stop request only
    }

    private void setStoppingOpaque() {
        STOPPING.setOpaque(this, true); // [S1] pairs with [S2]: a stop request only
    }

    private String threadName(String role, int i) {
        return "torture-" + flavor + "-" + role + "-" + i;
    }

    private void sample(String description) {
        if (sampleCount.getAndIncrement() < MAX_SAMPLES) { // [K] a bound on memory only
            samples.add(description);
        }
    }

    private void fail(String message) {
        if (failureCount.getAndIncrement() < MAX_FAILURES) { // [K] a bound on memory only
            failures.add(message);
        }
    }

    private void fail(String message, Throwable cause) {
        fail(message + ": " + cause);
        synchronized (diagnostics) {
            diagnostics.println("torture " + flavor + ": " + message + ":");
            cause.printStackTrace(diagnostics);
        }
    }

    /** Stacks of {@code culprit}, then every other harness thread and the domain's own threads. */
    private void dumpStacks(Thread culprit) {
        StringBuilder out = new StringBuilder();
        out.append("torture ").append(flavor).append(": stacks (culprit first)").append(System.lineSeparator());
        appendStack(out, culprit, culprit.getStackTrace());
        for (Reader reader : readers) {
            if (reader.thread != culprit) {
                appendStack(out, reader.thread, reader.thread.getStackTrace());
            }
        }
        for (Updater updater : updaters) {
            if (updater.thread != culprit) {
                appendStack(out, updater.thread, updater.thread.getStackTrace());
            }
        }
        for (Map.Entry<Thread, StackTraceElement[]> e :
                Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            boolean domainThread = name.startsWith("tracepoint4j-") || name.contains(domain.name());
            if (e.getKey() != culprit && !name.startsWith("torture-" + flavor + "-") && domainThread) {
                appendStack(out, e.getKey(), e.getValue());
            }
        }
        synchronized (diagnostics) {
            diagnostics.print(out);
            diagnostics.flush();
        }
    }

    private static void appendStack(StringBuilder out, Thread thread, StackTraceElement[] stack) {
        out.append('"')
                .append(thread.getName())
                .append("\" ")
                .append(thread.getState())
                .append(thread.isVirtual() ? " (virtual)" : "")
                .append(System.lineSeparator());
        for (StackTraceElement frame : stack) {
            out.append("    at ").append(frame).append(System.lineSeparator());
        }
    }

    private FlavorReport report(Duration elapsed, long gracePeriods) {
        long reads = 0, nested = 0, blocked = 0, handedOff = 0, overflows = 0, exitsRedone = 0;
        long tooShort = 0, poisoned = 0;
        long[] ages = new long[PipelineItem.FREED_AGE + 1];
        for (Reader reader : readers) {
            reads += reader.reads;
            nested += reader.nested;
            blocked += reader.blocked;
            handedOff += reader.handedOff;
            overflows += reader.overflows;
            exitsRedone += reader.exitsRedone;
            tooShort += reader.tooShort;
            poisoned += reader.poisoned;
            for (int age = 0; age < ages.length; age++) {
                ages[age] += reader.ages[age];
            }
        }
        long updates = 0, barrierChecks = 0;
        long[] byMethod = new long[GpMethod.values().length];
        for (Updater updater : updaters) {
            updates += updater.updates;
            barrierChecks += updater.barrierChecks;
            for (int m = 0; m < byMethod.length; m++) {
                byMethod[m] += updater.byMethod[m];
            }
        }
        List<String> failureList = new ArrayList<>(failures);
        if (failureCount.get() > MAX_FAILURES) {
            failureList.add("... and " + (failureCount.get() - MAX_FAILURES) + " more");
        }
        return new FlavorReport(
                flavor,
                settings,
                elapsed,
                reads,
                nested,
                blocked,
                handedOff,
                overflows,
                exitsRedone,
                updates,
                byMethod,
                barrierChecks,
                gracePeriods,
                callbacksQueued.sum(),
                callbacksInvoked.sum(),
                freed.sum(),
                ages,
                tooShort,
                poisoned,
                List.copyOf(samples),
                failureList);
    }

    private static void spinNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
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
