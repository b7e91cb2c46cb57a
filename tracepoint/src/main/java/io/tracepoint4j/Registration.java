package io.tracepoint4j;

/**
 * One registered probe of one tracepoint: its priority and its failure record. A probe registered
 * again after an unregister gets a new Registration.
 */
final class Registration {
    /*
     * Concurrency
     *   probe and priority are final and published with the registrations array ([R] in
     *   Tracepoint). Everything else is touched only on the failure path, the detach thread, the
     *   retire callback and queries, all under this object's monitor: failures are rare, and the
     *   fast path never touches a Registration.
     */

    final Object probe;
    final int priority;

    // all guarded by this
    private long failures;
    private long windowStartNanos;
    private int windowFailures;
    private boolean reported;
    private long lastReportNanos;
    private long unreported;
    private boolean detaching;
    private boolean retired;

    Registration(Object probe, int priority) {
        this.probe = probe;
        this.priority = priority;
    }

    /** What the failure path should do about one failure. */
    record Outcome(long failures, boolean log, long unlogged, boolean detach) {}

    /**
     * Counts one failure at {@code now}; says whether to log it (at most once per
     * {@code logIntervalNanos}, with the count of failures not logged since) and whether to detach
     * the probe (once, when the policy's count is reached within its window).
     */
    synchronized Outcome recordFailure(long now, DetachPolicy policy, long logIntervalNanos) {
        failures++;
        boolean log = !reported || now - lastReportNanos >= logIntervalNanos;
        long unlogged = 0;
        if (log) {
            reported = true;
            lastReportNanos = now;
            unlogged = unreported;
            unreported = 0;
        } else {
            unreported++;
        }
        boolean detach = false;
        if (policy.enabled() && !detaching) {
            if (windowFailures == 0 || now - windowStartNanos > policy.windowNanos()) {
                windowStartNanos = now;
                windowFailures = 0;
            }
            windowFailures++;
            if (windowFailures >= policy.failures()) {
                detaching = true;
                detach = true;
            }
        }
        return new Outcome(failures, log, unlogged, detach);
    }

    synchronized long failures() {
        return failures;
    }

    /** Called after a grace period that began after this registration was unpublished. */
    synchronized void retire() {
        retired = true;
    }

    /** Whether no firing can still be running this probe through this registration. */
    synchronized boolean retired() {
        return retired;
    }
}
