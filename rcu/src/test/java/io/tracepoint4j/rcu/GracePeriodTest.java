package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Oracles 1, 2 and 3 of docs/design/grace-periods.md for both flavors: synchronize() and
 * synchronizeExpedited() wait for every reader that began before them, and only for those; they
 * are starvation-free; and a retired object is never seen by a reader after its grace period.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class GracePeriodTest {

    /** The two update-side waits, which share one guarantee. */
    enum Wait {
        SYNCHRONIZE(RcuDomain::synchronize),
        EXPEDITED(RcuDomain::synchronizeExpedited);

        final Consumer<RcuDomain> action;

        Wait(Consumer<RcuDomain> action) {
            this.action = action;
        }
    }

    @RegisterExtension
    final Domains domains = new Domains();

    static List<Object[]> flavorsAndWaits() {
        List<Object[]> all = new ArrayList<>();
        for (Flavor f : Flavor.values()) {
            for (Wait w : Wait.values()) {
                all.add(new Object[] {f, w});
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndWaits")
    void waitsForAReaderThatBeganBeforeIt(Flavor flavor, Wait wait) {
        RcuDomain d = domains.create(flavor, "gp-held");
        HeldReader reader = HeldReader.hold(d, "gp-held-reader");
        try {
            CompletableFuture<Boolean> gp = async("gp-updater", () -> {
                wait.action.accept(d);
                return reader.ended();
            });
            assertBlocked(gp, wait + " with a pre-existing reader still inside its section");
            reader.release();
            assertThat(await(gp, wait.toString()))
                    .as("the reader's section had ended when " + wait + " returned")
                    .isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndWaits")
    void doesNotWaitForReadersThatBeganAfterIt(Flavor flavor, Wait wait) {
        // A reader that starts after the wait began must not hold it: hold one such reader forever
        // (until the end of the test) and the wait still returns.
        RcuDomain d = domains.create(flavor, "gp-late");
        HeldReader early = HeldReader.hold(d, "gp-early-reader");
        CompletableFuture<Void> gp = async("gp-updater", () -> wait.action.accept(d));
        assertBlocked(gp, wait + " with an early reader inside its section");
        HeldReader late = HeldReader.hold(d, "gp-late-reader");
        try {
            early.release();
            await(gp, wait + " while only a later reader is inside its section");
        } finally {
            early.releaseQuietly();
            late.release();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndWaits")
    void idleDomainGracePeriodCompletesAndIsCounted(Flavor flavor, Wait wait) {
        RcuDomain d = domains.create(flavor, "gp-idle");
        long before = d.completedGracePeriods();
        for (int i = 0; i < 100; i++) {
            wait.action.accept(d);
        }
        assertThat(d.completedGracePeriods()).isGreaterThan(before);
    }

    /** One read-side critical section, timed from inside it. */
    record Sample(long start, long end) {}

    /** One grace period, timed from outside it. */
    record Gp(long start, long end) {}

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndWaits")
    void oracle1TimestampsReaderStartBeforeGpStartImpliesReaderEndBeforeGpEnd(Flavor flavor, Wait wait) {
        RcuDomain d = domains.create(flavor, "gp-oracle1");
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        List<Gp> gps = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(async("oracle1-reader-" + r, () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    long start;
                    long end;
                    try (var section = d.read()) {
                        // start is taken after entering, end before leaving: both lie inside.
                        start = System.nanoTime();
                        spin(rnd.nextInt(1_000, 200_000));
                        if (flavor == Flavor.SRCU && rnd.nextInt(8) == 0) {
                            Waits.sleep(1); // SRCU readers may sleep
                        }
                        end = System.nanoTime();
                    }
                    samples.add(new Sample(start, end));
                }
            }));
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
            while (System.nanoTime() - deadline < 0) {
                long start = System.nanoTime();
                wait.action.accept(d);
                gps.add(new Gp(start, System.nanoTime()));
            }
        } finally {
            stop.set(true);
        }
        readers.forEach(f -> await(f, "reader"));

        assertThat(gps).hasSizeGreaterThan(1);
        assertThat(samples).hasSizeGreaterThan(10);
        int overlapping = 0;
        for (Gp gp : gps) {
            for (Sample s : samples) {
                if (s.start < gp.start) {
                    if (s.end > gp.start) {
                        overlapping++;
                    }
                    assertThat(s.end)
                            .as(
                                    "a reader [%d, %d] began before the grace period [%d, %d] but ended after it",
                                    s.start, s.end, gp.start, gp.end)
                            .isLessThanOrEqualTo(gp.end);
                }
            }
        }
        // Not asserted (scheduling decides), but shows the check had something to check.
        System.out.printf(
                "%s %s: %d grace periods, %d sections, %d overlapping pairs%n",
                flavor, wait, gps.size(), samples.size(), overlapping);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndWaits")
    void oracle2StarvationFreeUnderAContinuousStreamOfOverlappingReaders(Flavor flavor, Wait wait) {
        // Two reader threads (one per core) whose sections overlap each other: reader 0 enters a
        // new section only while reader 1 is inside one, and the other way round, so that the
        // domain is never without a reader. A grace period that waits for "no reader at all"
        // never ends; one that waits only for pre-existing readers does.
        RcuDomain d = domains.create(flavor, "gp-oracle2");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inside = new AtomicInteger();
        AtomicLong sections = new AtomicLong();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        CountDownLatch running = new CountDownLatch(2);
        for (int r = 0; r < 2; r++) {
            readers.add(async("oracle2-reader-" + r, () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                running.countDown();
                while (!stop.get()) {
                    try (var section = d.read()) {
                        inside.incrementAndGet();
                        spin(rnd.nextInt(20_000, 100_000));
                        // Leave only while the other reader is inside, one at a time: the CAS
                        // 2 -> 1 is won by one reader, the other then waits for it to re-enter.
                        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
                        while (!(inside.get() == 2 && inside.compareAndSet(2, 1))) {
                            if (stop.get() || System.nanoTime() - giveUp > 0) {
                                inside.decrementAndGet(); // the other reader is not running
                                break;
                            }
                            Thread.onSpinWait();
                        }
                    }
                    sections.incrementAndGet();
                }
            }));
        }
        try {
            await(running, "readers to start");
            Waits.sleep(20);
            for (int i = 0; i < 20; i++) {
                CompletableFuture<Void> gp = async("oracle2-updater", () -> wait.action.accept(d));
                await(gp, wait + " #" + i + " under a continuous stream of readers");
            }
        } finally {
            stop.set(true);
        }
        readers.forEach(f -> await(f, "reader"));
        assertThat(sections.get()).isGreaterThan(20);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void concurrentSynchronizeCallersShareGracePeriods(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "gp-share");
        d.synchronize();
        HeldReader reader = HeldReader.hold(d, "gp-share-reader");
        List<CompletableFuture<Void>> callers = new ArrayList<>();
        try {
            long before = d.completedGracePeriods();
            for (int i = 0; i < 10; i++) {
                callers.add(async("gp-share-updater-" + i, d::synchronize));
            }
            Waits.sleep(Waits.SHORT.toMillis());
            assertThat(callers)
                    .as("callers while the reader holds the grace period")
                    .noneMatch(CompletableFuture::isDone);
            reader.release();
            callers.forEach(f -> await(f, "synchronize"));
            // at most: the one in progress when the callers arrived, one for all the others, and
            // one for slack (a caller that arrived while the first was ending)
            assertThat(d.completedGracePeriods() - before)
                    .as("grace periods used by 10 concurrent callers")
                    .isBetween(1L, 3L);
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("flavorsAndWaits")
    void oracle3RetiredObjectsAreNeverSeenPoisonedByAReader(Flavor flavor, Wait wait) {
        // A smoke test of the memory-ordering guarantee (the proof is in jcstress): the updater
        // publishes a fresh object, waits for a grace period, then poisons the old one. A reader
        // holding a reference inside its section must never see it poisoned.
        RcuDomain d = domains.create(flavor, "gp-oracle3");
        final class Box {
            volatile boolean poisoned;
        }
        AtomicReference<Box> current = new AtomicReference<>(new Box());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong bad = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(async("oracle3-reader-" + r, () -> {
                while (!stop.get()) {
                    try (var section = d.read()) {
                        Box b = current.getAcquire();
                        for (int i = 0; i < 50; i++) {
                            if (b.poisoned) {
                                bad.incrementAndGet();
                            }
                            Thread.onSpinWait();
                        }
                    }
                    reads.incrementAndGet();
                }
            }));
        }
        AtomicLong callbacks = new AtomicLong();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
            int updates = 0;
            while (System.nanoTime() - deadline < 0) {
                Box old = current.getAndSet(new Box());
                if (updates++ % 2 == 0) {
                    wait.action.accept(d);
                    old.poisoned = true;
                } else {
                    d.call(() -> {
                        old.poisoned = true;
                        callbacks.incrementAndGet();
                    });
                }
            }
            d.barrier();
            assertThat(callbacks.get()).isEqualTo(updates / 2);
        } finally {
            stop.set(true);
        }
        readers.forEach(f -> await(f, "reader"));
        assertThat(reads.get()).isGreaterThan(0);
        assertThat(bad.get()).as("reads that saw a retired object poisoned").isZero();
    }

    static void spin(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }
}
