package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertUpdateSideWorks;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Threads come and go: a thread that used a domain and ended must not hold its grace periods, for
 * platform threads and for many short-lived virtual threads; domains are independent of each
 * other's readers.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class ThreadLifecycleTest {

    @RegisterExtension
    final Domains domains = new Domains();

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void threadsThatUsedTheDomainAndEndedDoNotHoldGracePeriods(Flavor flavor) throws InterruptedException {
        RcuDomain d = domains.create(flavor, "ended");
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Thread t = new Thread(
                    () -> {
                        for (int j = 0; j < 100; j++) {
                            try (var s = d.read()) {
                                try (var n = d.read()) {
                                    Thread.onSpinWait();
                                }
                            }
                        }
                    },
                    "ended-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            assertThat(t.join(Waits.LONG)).isTrue();
        }
        long before = d.completedGracePeriods();
        await(
                async("ended-updater", () -> {
                    d.synchronize();
                    d.synchronizeExpedited();
                    d.call(() -> {});
                    d.barrier();
                }),
                "grace periods after the readers' threads ended");
        assertThat(d.completedGracePeriods()).isGreaterThan(before);
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void tenThousandShortLivedVirtualThreadsWhileGracePeriodsRun(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "vthreads");
        int n = 10_000;
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger gps = new AtomicInteger();
        CompletableFuture<Void> updater = async("vthreads-updater", () -> {
            while (!stop.get()) {
                d.synchronize();
                gps.incrementAndGet();
            }
        });
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                executor.execute(() -> {
                    try (var s = d.read()) {
                        Thread.onSpinWait();
                    } catch (Throwable e) {
                        failures.incrementAndGet();
                    } finally {
                        done.countDown();
                    }
                });
            }
            await(done, "the virtual threads");
        } finally {
            stop.set(true);
        }
        await(updater, "the updater's last grace period");
        assertThat(failures.get()).isZero();
        await(async("vthreads-after", d::synchronize), "synchronize() after 10,000 threads came and went");
        assertThat(gps.get()).isPositive();
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aReaderBlockedForeverInOneDomainDoesNotDelayAnother(Flavor flavor) {
        RcuDomain a = domains.create(flavor, "independent-a");
        RcuDomain b = domains.create(flavor, "independent-b");
        RcuDomain c = domains.create(flavor == Flavor.SRCU ? Flavor.CLASSIC : Flavor.SRCU, "independent-c");
        HeldReader forever = HeldReader.hold(a, "independent-reader-of-a");
        try {
            await(
                    async("independent-updater", () -> {
                        assertUpdateSideWorks(b);
                        assertUpdateSideWorks(c);
                    }),
                    "grace periods of other domains while a reader of " + a.name() + " is blocked");
            CompletableFuture<Void> gpA = async("independent-updater-a", a::synchronize);
            Waits.assertBlocked(gpA, "synchronize() of the domain whose reader is blocked");
        } finally {
            forever.release(); // the end of the test
        }
    }

    /**
     * A thread that ends while still inside a section (a bug in the user's code): as the Javadoc of
     * read() says, its section is ended for it, with a WARNING naming the thread, and the grace
     * period completes.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aThreadThatEndsInsideASectionHasItEndedForItWithAWarning(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "leaked", Duration.ofMillis(200));
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            HeldReader leaker = HeldReader.leak("leaked-section-thread-" + d.name(), TestSupport.readOf(d));
            leaker.release(); // its thread ends with the section still open
            await(async("leaked-updater", d::synchronize), "synchronize() after the reader's thread ended");
            assertThat(log.warningsContaining(leaker.threadName()))
                    .as("warnings naming the thread that ended inside a section")
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .contains("ended inside 1 read-side critical section(s)")
                    .contains(d.name());
        }
    }

    /**
     * A thread that used the domain and ended is not kept reachable by it, though no grace period
     * ran since: a plugin's worker thread holds the plugin's class loader (its context loader, its
     * task), which must go with the plugin. Shown to fail with readers holding their thread
     * strongly.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aThreadThatUsedTheDomainAndEndedIsNotKeptReachableByIt(Flavor flavor) throws InterruptedException {
        RcuDomain d = domains.create(flavor, "unpinned");
        Waits.awaitCollected(readOnAThreadThatEnds(d, true), "the ended thread, and what it holds");
        assertUpdateSideWorks(d);
    }

    /**
     * A thread that ended inside a section and was collected before a grace period pruned its
     * reader: the next grace period ends the section for it all the same, and the warning names
     * it by its id.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aThreadThatEndedInsideASectionAndWasCollectedHoldsNoGracePeriod(Flavor flavor) throws InterruptedException {
        RcuDomain d = domains.create(flavor, "collected", Duration.ofMillis(200));
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            java.lang.ref.WeakReference<Thread> ended = readOnAThreadThatEnds(d, false);
            long id = readerIds(d).getFirst();
            Waits.awaitCollected(ended, "the thread that ended inside a section");
            await(async("collected-updater", d::synchronize), "synchronize() after the thread was collected");
            assertThat(log.warningsContaining("a collected thread (id " + id + ") ended inside 1 read-side"))
                    .as("the warning, naming the thread by its id")
                    .hasSize(1);
        }
    }

    /**
     * A domain this (long-lived) thread read is not kept reachable by the thread once the domain is
     * dropped, closed or not: a plugin's domain goes with the plugin. A thread-local holding the
     * thread's reader strongly kept it (reader, domain, thread-local: the value a weak key cannot
     * free), found by review.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aDomainALiveThreadReadIsNotKeptReachableByIt(Flavor flavor) {
        Waits.awaitCollected(readAndDrop(flavor, true), "the closed domain");
        Waits.awaitCollected(readAndDrop(flavor, false), "the domain dropped without close()");
    }

    /** A new domain read on this thread (twice: the cache's path and the fallback's), then dropped; its engine, weakly. */
    private static java.lang.ref.WeakReference<Object> readAndDrop(Flavor flavor, boolean close) {
        RcuDomain d = flavor.create("dropped");
        d.read().close();
        GracePeriodEngine<?> engine = ((DomainFacade) d).engine();
        engine.registry.known(Thread.currentThread()); // the thread-local's path
        if (close) {
            d.close();
        }
        return new java.lang.ref.WeakReference<>(engine);
    }

    /** Opens a section on a new thread, closes it if {@code close}, lets the thread end; the thread, weakly. */
    private static java.lang.ref.WeakReference<Thread> readOnAThreadThatEnds(RcuDomain d, boolean close)
            throws InterruptedException {
        Thread thread = new Thread(
                () -> {
                    RcuDomain.ReadSection section = d.read();
                    if (close) {
                        section.close();
                    }
                },
                "reads-and-ends-" + d.name());
        thread.start();
        thread.join();
        return new java.lang.ref.WeakReference<>(thread);
    }

    /** The thread ids of the domain's registered readers, its new ones included. */
    private static List<Long> readerIds(RcuDomain d) {
        GracePeriodEngine<?> engine = ((DomainFacade) d).engine();
        engine.gpLock.lock();
        try {
            return engine.registry.readers().stream().map(r -> r.ownerId).toList();
        } finally {
            engine.gpLock.unlock();
        }
    }

    /**
     * A pooled thread keeps one reader for its whole life, though the JDK clears its ThreadLocals
     * whenever it goes idle (every ForkJoinPool common-pool worker does), and though its cache slot
     * is held by another live reader, so that its lookups take the slow path. A registry keyed by a
     * ThreadLocal registered a new reader for every task after an idle spell.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aPooledThreadWhoseThreadLocalsAreClearedKeepsItsOneRecord(Flavor flavor) throws Exception {
        RcuDomain d = domains.create(flavor, "pooled");
        ForkJoinPool pool = ForkJoinPool.commonPool();
        long worker = pool.submit(() -> Thread.currentThread().threadId()).get();
        CountDownLatch claimed = new CountDownLatch(1);
        CountDownLatch end = new CountDownLatch(1);
        Thread holder; // a live reader whose id shares the worker's cache slot, and claims it first
        do {
            holder = Thread.ofPlatform().name("pooled-slot-holder").unstarted(() -> {
                d.read().close();
                claimed.countDown();
                Waits.await(end, "the end of the test");
            });
        } while (ReaderRegistry.slot(holder.threadId()) != ReaderRegistry.slot(worker));
        holder.start();
        try {
            await(claimed, "the slot holder's first read");
            java.util.Set<Long> readers = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 100; i++) {
                pool.submit(() -> {
                            try (var section = d.read()) {
                                readers.add(Thread.currentThread().threadId());
                            }
                        })
                        .get();
                Thread.sleep(2); // the worker goes idle: ForkJoinPool clears its ThreadLocals
            }
            d.synchronize(); // takes the new readers
            GracePeriodEngine<?> engine = ((DomainFacade) d).engine();
            assertThat(engine.registry.readers())
                    .as("readers after 100 tasks on %s pool thread(s) and one slot holder", readers.size())
                    .hasSizeLessThanOrEqualTo(readers.size() + 1);
        } finally {
            end.countDown();
            holder.join();
        }
    }
}
