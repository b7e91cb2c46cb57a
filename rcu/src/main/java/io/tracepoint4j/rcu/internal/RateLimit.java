package io.tracepoint4j.rcu.internal;

/**
 * At most one report per interval of a kind of failure, counting the failures suppressed in
 * between: the kernel's {@code ratelimit_state} with a burst of one. Thread-safe. Shared by the rcu
 * and tracepoint modules (exported to the latter only); not part of the user's API.
 */
public final class RateLimit {
    /*
     * Concurrency
     *   Every field is guarded by this object's monitor, taken on the failure path only. The monitor
     *   is a leaf: nothing is called while it is held.
     */

    /** What {@link #admit} returns for a failure not to report now. */
    public static final long SUPPRESS = -1;

    // all guarded by this
    private boolean reported;
    private long lastReportNanos;
    private long suppressed;

    /**
     * Admits one failure at {@code now}: {@link #SUPPRESS} if a failure was reported less than
     * {@code intervalNanos} ago, otherwise the number of failures suppressed since the last report
     * (report this one, with that number).
     */
    public synchronized long admit(long now, long intervalNanos) {
        if (reported && now - lastReportNanos < intervalNanos) {
            suppressed++;
            return SUPPRESS;
        }
        reported = true;
        lastReportNanos = now;
        long since = suppressed;
        suppressed = 0;
        return since;
    }
}
