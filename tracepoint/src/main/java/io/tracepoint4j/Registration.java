package io.tracepoint4j;

import io.tracepoint4j.rcu.internal.RateLimit;

/**
 * One registered probe of one tracepoint: its priority and its failure record. A probe registered
 * again after an unregister gets a new Registration.
 */
final class Registration {
    /*
     * Concurrency
     *   probe and priority are final and published with the registrations array ([R] in
     *   Tracepoint). Everything else is touched only on the failure path, the detach thread and
     *   queries, all under this object's monitor: failures are rare, and the fast path never
     *   touches a Registration. The monitor orders racing failures of one probe: each is counted,
     *   and exactly one of them detaches it. Lock order: this, then reports (a leaf).
     *
     * Sliding window
     *   recentFailures is a ring of the times of the last failures seen while a detach policy was
     *   set, as many as the policy's count: once it is full, the slot `next` holds the oldest of the
     *   last n failures, and the policy is met when that one is at most a window's length before
     *   the newest. A failure reads its time before it takes the monitor, so racing failures may
     *   enter in another order than their times; a time older than the newest recorded is taken as
     *   the newest (late by at most that race), which keeps the ring in time order. Memory: a long
     *   per counted failure, allocated at the first failure under a policy (DetachPolicy bounds n).
     */

    private static final long[] NO_FAILURES = new long[0];

    final Object probe;
    final int priority;

    private final RateLimit reports = new RateLimit();

    // all guarded by this
    private long failures;
    private long[] recentFailures = NO_FAILURES;
    private int recentCount;
    private int next;
    private boolean detaching;

    Registration(Object probe, int priority) {
        this.probe = probe;
        this.priority = priority;
    }

    /** What the failure path should do about one failure. */
    static final class Outcome { // not a record: see "no invokedynamic" in Tracepoint
        final long failures;
        final boolean log;
        final long unlogged;
        final boolean detach;

        Outcome(long failures, boolean log, long unlogged, boolean detach) {
            this.failures = failures;
            this.log = log;
            this.unlogged = unlogged;
            this.detach = detach;
        }
    }

    /**
     * Counts one failure at {@code now}; says whether to log it (at most once per
     * {@code logIntervalNanos}, with the count of failures not logged since) and whether to detach
     * the probe (once, when the policy's count of failures falls within one window's length).
     */
    synchronized Outcome recordFailure(long now, DetachPolicy policy, long logIntervalNanos) {
        failures++;
        long unlogged = reports.admit(now, logIntervalNanos);
        boolean detach = false;
        if (policy.enabled() && !detaching && failedTooOften(now, policy)) {
            detaching = true;
            detach = true;
        }
        return new Outcome(failures, unlogged != RateLimit.SUPPRESS, Math.max(unlogged, 0), detach);
    }

    /**
     * The detach recordFailure() decided could not be handed to the reporter (its submit threw,
     * out of stack or memory): a later failure may decide it again.
     */
    synchronized void detachNotSubmitted() {
        detaching = false;
    }

    synchronized long failures() {
        return failures;
    }

    // ---- private helpers ----

    /** Records a failure at {@code now} in the ring; whether the last n fall within the window. */
    private boolean failedTooOften(long now, DetachPolicy policy) {
        int n = policy.failures();
        if (recentFailures.length != n) {
            resizeRing(n);
        }
        long at = now;
        if (recentCount > 0) {
            long newest = recentFailures[(next + n - 1) % n];
            if (at - newest < 0) {
                at = newest; // read before a racing failure that entered first: see the design note
            }
        }
        recentFailures[next] = at;
        next = (next + 1) % n;
        recentCount = Math.min(recentCount + 1, n);
        return recentCount == n && at - recentFailures[next] <= policy.windowNanos();
    }

    /** A ring of {@code n} slots keeping the most recent failures of the old one, oldest first. */
    private void resizeRing(int n) {
        long[] resized = new long[n];
        int kept = Math.min(recentCount, n);
        for (int i = 0; i < kept; i++) {
            resized[i] = recentFailures[(next - kept + i + recentFailures.length) % recentFailures.length];
        }
        recentFailures = resized;
        recentCount = kept;
        next = kept % n;
    }
}
