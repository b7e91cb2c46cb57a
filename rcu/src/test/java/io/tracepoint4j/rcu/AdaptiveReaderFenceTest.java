package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adaptive reader fences ([RF] in AdaptiveReaderFences): a slow membarrier makes readers fence their
 * own entries, the next membarrier establishes that, later grace periods use a plain fence, and an
 * idle spell switches back. The thresholds here are forced (0: every membarrier is "slow"), so the
 * established path runs on any machine; the torture part checks that grace periods on it still wait
 * for every reader that began before them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try")
class AdaptiveReaderFenceTest {

    @RegisterExtension
    final Domains domains = new Domains();

    /**
     * Grace periods count as in a row here when each begins within 2 s of the last (50 ms by
     * default): a pause of the test thread on a loaded machine must not break a row.
     */
    private static final long IN_A_ROW_NANOS = TimeUnit.SECONDS.toNanos(2);

    private RcuDomain domain(Flavor flavor, String purpose, long readerFenceAfterNanos) {
        return domain(flavor, purpose, readerFenceAfterNanos, IN_A_ROW_NANOS);
    }

    private RcuDomain domain(Flavor flavor, String purpose, long readerFenceAfterNanos, long idleNanos) {
        return domains.closedAfterTest(flavor.builder(flavor.uniqueName(purpose))
                .readerFenceAfterNanos(readerFenceAfterNanos)
                .readerFenceIdleNanos(idleNanos)
                .build());
    }

    private static String fenceState(RcuDomain domain) {
        return ((DomainFacade) domain).engine().readerFences.state();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void slowMembarrierSetsThenEstablishesReaderFencesAndIdlenessClearsThem(Flavor flavor) throws Exception {
        assumeTrue(ReadSideBarrier.current() == ReadSideBarrier.MEMBARRIER, "needs membarrier");
        RcuDomain d = domain(flavor, "fence-states", 0);
        assertThat(fenceState(d)).isEqualTo("off");
        for (int slow = 1; slow < 3; slow++) {
            d.synchronize();
            assertThat(fenceState(d))
                    .as("after %d membarrier(s) slower than 0 ns in a row: could be warm-up", slow)
                    .isEqualTo("off");
        }
        d.synchronize();
        assertThat(fenceState(d)).as("after the third in a row").isEqualTo("set");
        d.synchronize();
        assertThat(fenceState(d)).as("after the next membarrier").isEqualTo("established");
        d.synchronize();
        assertThat(fenceState(d)).as("grace periods keep coming").isEqualTo("established");
        long deadline = System.nanoTime() + IN_A_ROW_NANOS + TimeUnit.SECONDS.toNanos(10);
        while (!fenceState(d).equals("off") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(fenceState(d)).as("after an idle spell").isEqualTo("off");
    }

    /**
     * Slow grace periods that do not keep coming (a tracer session's flush, every half second)
     * never make readers fence: setting the flag would deoptimize every hot reader for nothing.
     * (Three that do keep coming set it: the test above.)
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void slowGracePeriodsAfterIdleSpellsDoNotCountAsInARow(Flavor flavor) throws Exception {
        assumeTrue(ReadSideBarrier.current() == ReadSideBarrier.MEMBARRIER, "needs membarrier");
        RcuDomain d = domain(flavor, "fence-spaced", 0, TimeUnit.MILLISECONDS.toNanos(20));
        for (int i = 0; i < 5; i++) {
            d.synchronize();
            assertThat(fenceState(d))
                    .as("after %d slow grace period(s), each 60 ms after the last", i + 1)
                    .isEqualTo("off");
            Thread.sleep(60); // more than the 20 ms that make grace periods "in a row" here
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void neverFencesWhenSwitchedOff(Flavor flavor) {
        RcuDomain d = domain(flavor, "fence-never", -1);
        for (int i = 0; i < 5; i++) {
            d.synchronize();
        }
        assertThat(fenceState(d)).isEqualTo("off");
    }

    /** A published object; the updater marks it retired after the grace period that follows replacing it. */
    private static final class Box {
        volatile boolean retired;
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void gracePeriodsWithEstablishedReaderFencesWaitForEveryOlderReader(Flavor flavor) throws Exception {
        RcuDomain d = domain(flavor, "fence-torture", 0);
        AtomicReference<Box> published = new AtomicReference<>(new Box());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong tooShort = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            threads.add(Thread.ofPlatform().name("fence-reader-" + r).start(() -> {
                long n = 0;
                while (!stop.get()) {
                    try (var section = d.read()) {
                        Box seen = published.get();
                        Thread.onSpinWait();
                        if (seen.retired) {
                            tooShort.incrementAndGet();
                        }
                    }
                    n++;
                }
                reads.addAndGet(n);
            }));
        }
        long gracePeriods = 0;
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(1500);
        // a membarrier can take ~100 ms on a loaded 2-vCPU VM: run on (up to 10 s) until the run
        // has what it must show, rather than fail on a slow machine
        long deadline = start + TimeUnit.SECONDS.toNanos(10);
        boolean sawEstablished = false;
        boolean mustEstablish = ReadSideBarrier.current() == ReadSideBarrier.MEMBARRIER;
        try {
            while (System.nanoTime() < end
                    || ((gracePeriods <= 100 || (mustEstablish && !sawEstablished)) && System.nanoTime() < deadline)) {
                Box old = published.getAndSet(new Box());
                if ((gracePeriods & 1) == 0) {
                    d.synchronize();
                } else {
                    d.synchronizeExpedited();
                }
                old.retired = true;
                gracePeriods++;
                sawEstablished |= (gracePeriods & 63) == 0 && fenceState(d).equals("established");
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
        assertThat(reads.get()).as("reads").isGreaterThan(1000);
        assertThat(gracePeriods).as("grace periods").isGreaterThan(100);
        if (mustEstablish) {
            assertThat(sawEstablished)
                    .as("reader fences established during the run")
                    .isTrue();
        }
        assertThat(tooShort.get())
                .as("readers that saw their object retired inside the section")
                .isZero();
    }
}
