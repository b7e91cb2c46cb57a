package io.tracepoint4j;

import static io.tracepoint4j.testkit.Waits.LONG;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Helpers shared by the tracepoint tests: unique names, waits inside probes (the rest: testkit). */
final class TestSupport {

    /** The logger tracepoints log under (System.Logger is backed by java.util.logging here). */
    static final String LOGGER = "io.tracepoint4j";

    private static final AtomicInteger NAMES = new AtomicInteger();

    private TestSupport() {}

    /**
     * Waits until every probe failure reported so far is logged: the reports run on the
     * FailureReports thread, after the firing that failed.
     */
    static void awaitFailureReports() {
        try {
            FailureReports.awaitReported();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A tracepoint name no other test uses: {@code provider:event<n>}. */
    static String unique(String provider, String event) {
        return provider + ":" + event + NAMES.incrementAndGet();
    }

    /** Awaits {@code latch} inside a probe, where a checked exception cannot be thrown. */
    static void awaitInProbe(CountDownLatch latch) {
        try {
            if (!latch.await(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("probe waited too long");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Stays inside the calling probe until {@code release} opens: blocking on it (faultable probes
     * may block) or spinning (regular probes must not block).
     */
    static void holdInProbe(CountDownLatch release, boolean block) {
        if (block) {
            awaitInProbe(release);
            return;
        }
        long deadline = System.nanoTime() + LONG.toNanos();
        while (release.getCount() > 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("probe spun too long");
            }
            Thread.onSpinWait();
        }
    }
}
