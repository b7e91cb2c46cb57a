package io.tracepoint4j.otel;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decides which firings a bridge sends on, so that a hot tracepoint cannot flood a collector: a
 * sampling ratio, then a rate limit over the whole bridge; every firing refused is counted by
 * cause, never dropped silently.
 */
final class Admission {
    /*
     * Design note.
     *
     * Rate limit: a fixed window of one second. windowSecond is the current window's number
     *   (System.nanoTime() / 1e9), admitted the firings admitted in it. The first firing of a later
     *   window CASes windowSecond forward and resets admitted; a firing racing with it may count into
     *   the old window or the new, so a window admits a few more than the limit under contention: a
     *   limit for the collector's sake, not a promise about one event. Sampling comes first, so a
     *   sampled-out firing costs the rate nothing.
     *
     * Memory ordering
     *   [RL] windowSecond: CAS (volatile) by the firing that opens a window; `admitted` is an
     *        AtomicLong whose reset follows the CAS. No other ordering is relied on: both are
     *        counters, and a stale read costs one firing's admission at the boundary.
     *   [CT] the refusal counters are LongAdders (striped: firing threads do not share a line).
     */

    private final double sampleRatio;
    private final long perSecond;
    private final AtomicLong windowSecond = new AtomicLong(Long.MIN_VALUE); // [RL]
    private final AtomicLong admitted = new AtomicLong(); // [RL]
    private final LongAdder sent = new LongAdder(); // [CT]
    private final LongAdder sampledOut = new LongAdder(); // [CT]
    private final LongAdder rateLimited = new LongAdder(); // [CT]

    /**
     * @param sampleRatio the share of firings kept, in (0, 1]
     * @param perSecond the most firings sent on per second, or {@code Long.MAX_VALUE} for no limit
     */
    Admission(double sampleRatio, long perSecond) {
        this.sampleRatio = sampleRatio;
        this.perSecond = perSecond;
    }

    /** Whether this firing goes on; counts it either way. */
    boolean admit() {
        if (sampleRatio < 1.0 && ThreadLocalRandom.current().nextDouble() >= sampleRatio) {
            sampledOut.increment(); // [CT]
            return false;
        }
        if (perSecond != Long.MAX_VALUE && !withinRate()) {
            rateLimited.increment(); // [CT]
            return false;
        }
        sent.increment(); // [CT]
        return true;
    }

    private boolean withinRate() {
        long second = System.nanoTime() / 1_000_000_000L;
        long current = windowSecond.get(); // [RL]
        if (second != current && windowSecond.compareAndSet(current, second)) { // [RL] opens the window
            admitted.set(0); // [RL]
        }
        return admitted.incrementAndGet() <= perSecond; // [RL]
    }

    long sent() {
        return sent.sum();
    }

    long sampledOut() {
        return sampledOut.sum();
    }

    long rateLimited() {
        return rateLimited.sum();
    }
}
