package io.tracepoint4j.rcu;

/**
 * Arithmetic on grace-period sequence numbers, after the kernel's {@code rcu_seq_*} helpers. The low
 * two bits hold the phase of the grace period in progress; the rest counts completed grace periods.
 * Polling cookies are snapshots: the first sequence value that proves a full grace period elapsed
 * since the snapshot was taken. Comparisons are wrap-safe.
 */
final class GracePeriodSequence {
    static final long STATE_MASK = 3;
    /** No grace period in progress. */
    static final int IDLE = 0;
    /** Waiting for the slot readers are not using to drain. */
    static final int SCAN1 = 1;
    /** The slot was flipped; waiting for the slot readers used before the flip to drain. */
    static final int SCAN2 = 2;

    private GracePeriodSequence() {}

    /**
     * The cookie for a full grace period after {@code seq}: the end of the next grace period if none
     * is in progress, else the end of the one after the current (which may have begun too early).
     */
    static long snapshot(long seq) {
        return (seq + 2 * STATE_MASK + 1) & ~STATE_MASK;
    }

    static boolean done(long seq, long cookie) {
        return seq - cookie >= 0;
    }

    static int state(long seq) {
        return (int) (seq & STATE_MASK);
    }

    static long withState(long seq, int state) {
        return (seq & ~STATE_MASK) | state;
    }

    /** The sequence value after the grace period in progress at {@code seq} ends. */
    static long end(long seq) {
        return (seq | STATE_MASK) + 1;
    }

    static long completed(long seq) {
        return seq >>> 2;
    }
}
