package io.tracepoint4j;

import java.time.Duration;

/**
 * When a failing probe is detached: after {@code failures} failures within any period of length
 * {@code window} (a sliding window); never when {@code failures} is 0. Immutable. A class, not a
 * record: a record's generated methods are invokedynamic call sites (see "no invokedynamic" in Tracepoint's design note).
 */
final class DetachPolicy {

    /** The most failures a policy may count: each probe that fails remembers the time of as many. */
    static final int MAX_FAILURES = 10_000;

    static final String FAILURES_PROPERTY = "tracepoint4j.detachAfterFailures";
    static final String WINDOW_PROPERTY = "tracepoint4j.detachWindowMillis";

    /** From the system properties; never detach unless they say otherwise. */
    static final DetachPolicy DEFAULT = fromProperties();

    private final int failures;
    private final Duration window;
    /** The window in nanoseconds; Long.MAX_VALUE for a longer one (about 292 years: "ever"). */
    private final long windowNanos;

    private DetachPolicy(int failures, Duration window) {
        this.failures = failures;
        this.window = window;
        this.windowNanos = window.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : window.toNanos();
    }

    static DetachPolicy of(int failures, Duration window) {
        if (failures < 0) {
            throw new IllegalArgumentException(
                    "detachAfter(" + failures + ", ...): the failure count must be positive, or 0 to never detach");
        }
        if (failures > MAX_FAILURES) {
            throw new IllegalArgumentException("detachAfter(" + failures + ", ...): at most " + MAX_FAILURES
                    + " failures (the time of each is remembered); to detach above a failure rate, shorten the"
                    + " window instead, e.g. detachAfter(1000, Duration.ofMillis(100))");
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("detachAfter(" + failures + ", " + window
                    + "): the window must be a positive duration, e.g. Duration.ofSeconds(10)");
        }
        return new DetachPolicy(failures, window);
    }

    int failures() {
        return failures;
    }

    Duration window() {
        return window;
    }

    boolean enabled() {
        return failures > 0;
    }

    long windowNanos() {
        return windowNanos;
    }

    private static DetachPolicy fromProperties() {
        int failures = Integer.getInteger(FAILURES_PROPERTY, 0);
        long windowMillis = Long.getLong(WINDOW_PROPERTY, 10_000);
        try {
            return of(failures, Duration.ofMillis(windowMillis));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "-D" + FAILURES_PROPERTY + " / -D" + WINDOW_PROPERTY + ": " + e.getMessage(), e);
        }
    }
}
