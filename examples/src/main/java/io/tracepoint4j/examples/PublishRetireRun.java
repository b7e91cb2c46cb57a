package io.tracepoint4j.examples;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The RCU pattern end to end, for a fixed time: readers open read-side critical sections and read a
 * {@link Config} published through an {@link AtomicReference}; one updater publishes a new config
 * and retires the old one after a grace period, in turn through {@code synchronize()},
 * {@code synchronizeExpedited()} and {@code call()}. Every reader checks, at the start and at the end
 * of each section, that the config it holds is not retired.
 */
final class PublishRetireRun {
    /*
     * Memory ordering: [P1] the updater's getAndSet publishes a fully built Config; [P2] a reader's
     * getAcquire inside its section sees it whole (message passing). Retiring the old Config ([R] in
     * Config) is ordered after every section that could hold it by the domain's grace period, which
     * is the property under test. [K] callback counters are read only after barrier(), whose
     * contract orders every callback before its return; thread joins order the other counters.
     */

    /** How a reader opens and closes its sections; each style uses a different part of the API. */
    enum SectionStyle {
        /** {@code try (var _ = domain.read())}: any flavor. */
        TRY_WITH_RESOURCES,
        /** {@link Srcu#readLock()} / {@link Srcu#readUnlock(int)}. */
        SRCU_TOKEN,
        /** {@link ClassicRcu#readLock()} / {@link ClassicRcu#readUnlock()}. */
        CLASSIC_LOCK
    }

    /**
     * One reader thread.
     *
     * @param name thread name
     * @param virtual whether it runs on a virtual thread
     * @param blockEvery every how many sections the reader sleeps inside one (0: never blocks)
     * @param style how it opens sections
     */
    record ReaderSpec(String name, boolean virtual, int blockEvery, SectionStyle style) {}

    /** What one run did. */
    record Report(
            String domain,
            long reads,
            long sectionsHoldingRetired,
            long updates,
            long bySynchronize,
            long byExpedited,
            long byCall,
            long callbacksRun,
            long gracePeriods,
            long maxSynchronizeNanos,
            long maxExpeditedNanos,
            long barrierNanos) {}

    private static final Duration BLOCK = Duration.ofMillis(1);
    private static final long UPDATE_PAUSE_NANOS = 200_000;

    private final RcuDomain domain;
    private final List<ReaderSpec> readers;
    private final ConcurrentLinkedQueue<String> failures;
    private final AtomicReference<Config> current = new AtomicReference<>(new Config(0));
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final LongAdder reads = new LongAdder();
    private final LongAdder sectionsHoldingRetired = new LongAdder(); // sections, not checks
    private final AtomicLong callbacksRun = new AtomicLong();
    private final LongAdder checksum = new LongAdder(); // keeps the readers' reads alive

    PublishRetireRun(RcuDomain domain, List<ReaderSpec> readers, ConcurrentLinkedQueue<String> failures) {
        this.domain = domain;
        this.readers = List.copyOf(readers);
        this.failures = failures;
    }

    /** Runs readers and the updater for {@code duration}, then waits for the callbacks and reports. */
    Report run(Duration duration) throws InterruptedException {
        long gracePeriodsBefore = domain.completedGracePeriods();
        List<Thread> threads = new ArrayList<>();
        for (ReaderSpec spec : readers) {
            Thread.Builder builder =
                    spec.virtual() ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true);
            threads.add(builder.name(spec.name()).start(() -> guarded(spec.name(), () -> readLoop(spec))));
        }
        long[] updates = new long[6]; // total, sync, expedited, call, max sync ns, max expedited ns
        Thread updater = Thread.ofPlatform()
                .daemon(true)
                .name(domain.name() + "-updater")
                .start(() -> guarded(domain.name() + "-updater", () -> updateLoop(updates)));

        Thread.sleep(duration);
        running.set(false);
        updater.join();
        for (Thread t : threads) {
            t.join();
        }
        long barrierStart = System.nanoTime();
        domain.barrier();
        long barrierNanos = System.nanoTime() - barrierStart;
        // The config still published was never retired; retire it the same way before the domain closes.
        Config last = current.get();
        domain.synchronize();
        last.retire();

        return new Report(
                domain.name(),
                reads.sum(),
                sectionsHoldingRetired.sum(),
                updates[0],
                updates[1],
                updates[2],
                updates[3],
                callbacksRun.get(),
                domain.completedGracePeriods() - gracePeriodsBefore,
                updates[4],
                updates[5],
                barrierNanos);
    }

    private void readLoop(ReaderSpec spec) throws InterruptedException {
        long sum = 0;
        long sections = 0;
        while (running.get()) {
            boolean block = spec.blockEvery() > 0 && ++sections % spec.blockEvery() == 0;
            switch (spec.style()) {
                case TRY_WITH_RESOURCES -> {
                    try (var _ = domain.read()) {
                        sum += readOnce(spec, block);
                    }
                }
                case SRCU_TOKEN -> {
                    Srcu srcu = (Srcu) domain;
                    int token = srcu.readLock();
                    try {
                        sum += readOnce(spec, block);
                    } finally {
                        srcu.readUnlock(token);
                    }
                }
                case CLASSIC_LOCK -> {
                    ClassicRcu rcu = (ClassicRcu) domain;
                    rcu.readLock();
                    try {
                        sum += readOnce(spec, block);
                    } finally {
                        rcu.readUnlock();
                    }
                }
            }
            if (!block && (sections & 1023) == 0) {
                Thread.yield(); // two cores: leave the updater and the domain's thread some room
            }
        }
        checksum.add(sum);
    }

    /** The body of one read-side critical section: read the config, maybe block, check it again. */
    private long readOnce(ReaderSpec spec, boolean block) throws InterruptedException {
        Config config = current.getAcquire(); // [P2] pairs with [P1] (message passing)
        boolean retired = isRetired(spec, config, "at the start");
        if (block) {
            Thread.sleep(BLOCK); // allowed in SRCU: a virtual thread unmounts here and may move carriers
        }
        long value = config.payload();
        retired |= isRetired(spec, config, "at the end");
        if (retired) {
            sectionsHoldingRetired.increment(); // once per section, however many of its checks failed
        }
        reads.increment();
        return value;
    }

    /** Whether {@code config} is retired; records a failure naming the reader and {@code where} if so. */
    private boolean isRetired(ReaderSpec spec, Config config, String where) {
        if (config.isRetired()) {
            failures.add("reader " + spec.name() + " of domain \"" + domain.name() + "\" held " + config
                    + ", already retired, " + where + " of its read-side critical section");
            return true;
        }
        return false;
    }

    private void updateLoop(long[] stats) {
        long version = 0;
        while (running.get()) {
            Config old = current.getAndSet(new Config(++version)); // [P1] publishes; pairs with [P2]
            switch ((int) (version % 3)) {
                case 0 -> {
                    long start = System.nanoTime();
                    domain.synchronize();
                    stats[4] = Math.max(stats[4], System.nanoTime() - start);
                    old.retire();
                    stats[1]++;
                }
                case 1 -> {
                    long start = System.nanoTime();
                    domain.synchronizeExpedited();
                    stats[5] = Math.max(stats[5], System.nanoTime() - start);
                    old.retire();
                    stats[2]++;
                }
                default -> {
                    domain.call(() -> {
                        old.retire();
                        callbacksRun.incrementAndGet(); // [K] read after barrier(), which orders it
                    });
                    stats[3]++;
                }
            }
            stats[0]++;
            LockSupport.parkNanos(UPDATE_PAUSE_NANOS);
        }
    }

    private void guarded(String who, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            running.set(false);
            failures.add(who + " failed: " + t);
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }
}
