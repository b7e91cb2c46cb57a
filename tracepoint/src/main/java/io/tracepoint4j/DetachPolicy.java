package io.tracepoint4j;

import java.time.Duration;

/**
 * When a failing probe is detached: after {@code failures} failures within {@code window}; never
 * when {@code failures} is 0. Immutable.
 */
record DetachPolicy(int failures, Duration window) {

    static final String FAILURES_PROPERTY = "tracepoint4j.detachAfterFailures";
    static final String WINDOW_PROPERTY = "tracepoint4j.detachWindowMillis";

    /** From the system properties; never detach unless they say otherwise. */
    static final DetachPolicy DEFAULT = fromProperties();

    static DetachPolicy of(int failures, Duration window) {
        if (failures < 0) {
            throw new IllegalArgumentException(
                    "detachAfter(" + failures + ", ...): the failure count must be positive, or 0 to never detach");
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("detachAfter(" + failures + ", " + window
                    + "): the window must be a positive duration, e.g. Duration.ofSeconds(10)");
        }
        return new DetachPolicy(failures, window);
    }

    boolean enabled() {
        return failures > 0;
    }

    long windowNanos() {
        return window.toNanos();
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
