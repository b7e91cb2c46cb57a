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
     * Rate limit: a fixed window of one second. `window` packs the window's number (the low 32
     *   bits of System.nanoTime() / 1e9) in its high half and the firings admitted in it in its low
     *   half, so that moving to a new window and counting are one CAS: a firing in a newer window
     *   (by the wrap-safe difference of the numbers) CASes in (new window, 1); one in the current
     *   window CASes the count up while it is below the limit, and is refused once it is there; one
     *   that read the clock just before another thread opened a newer window sees its own window
     *   as older and counts into the newer one, never moving the window back. Sampling comes
     *   first, so a sampled-out firing costs the rate nothing.
     *
     * Memory ordering
     *   [RL] window: CAS (volatile), a counter; no other data is published through it.
     *   [CT] the refusal counters are LongAdders (striped: firing threads do not share a line).
     */

    private final double sampleRatio;
    private final long perSecond;
    private final AtomicLong window = new AtomicLong(); // [RL] window number << 32 | admitted in it
    private final LongAdder sent = new LongAdder(); // [CT]
    private final LongAdder sampledOut = new LongAdder(); // [CT]
    private final LongAdder rateLimited = new LongAdder(); // [CT]

    /**
     * @param sampleRatio the share of firings kept, in (0, 1]
     * @param perSecond the most firings sent on per second, at most {@code Integer.MAX_VALUE}, or
     *     {@code Long.MAX_VALUE} for no limit
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
        int second = (int) (System.nanoTime() / 1_000_000_000L);
        while (true) {
            long current = window.get(); // [RL]
            int currentSecond = (int) (current >>> 32);
            long admitted = current & 0xFFFF_FFFFL;
            long next;
            if (second - currentSecond > 0 || current == 0) { // a newer window (or the first)
                next = ((long) second << 32) | 1;
            } else if (admitted < perSecond) {
                next = current + 1;
            } else {
                return false;
            }
            if (window.compareAndSet(current, next)) { // [RL]
                return true;
            }
        }
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
