package fixtures.good;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

final class Good {
    /*
     * Overview
     *   Every ordering point labelled, every label explained here. HEAD.getAcquire(this) in a design
     *   note is prose, not code; so is VarHandle.fullFence().
     *
     * Memory ordering
     *   [S] state: volatile, written by algorithm(), read by readers (message passing).
     *   [A] headAcquire() in algorithm() pairs with [R] (message passing).
     *   [B] the full fence between the two counting passes pairs with [A] (store buffering). A line
     *       of an item may begin with a label it only names:
     *       [C] is not defined by this line, which is indented deeper than the items.
     *   [C]/[C'] casHead() and the split statement after it: several labels defined at once.
     *   [D] a label on the last line of a split statement.
     *   [R] setHeadRelease() pairs with [A]. This paragraph wraps so that its next line begins with
     *   [SS] and [L], which it only names: a wrapped line of prose defines nothing.
     *   [SS] storeStoreFence() orders the plain write of head after the counts.
     *   [L] the lock count; pairs with [A2] in GoodShared.
     */

    /** The published state. */
    private volatile long state; // [S] written by publish(), read by readers (message passing)

    private long head;
    private final long[] counts = new long[4];

    long headAcquire() { return (long) HEAD.getAcquire(this); }

    void setHeadRelease(long v) {
        HEAD.setRelease(this, v);
    }

    boolean casHead(long expected, long value) {
        return HEAD.compareAndSet(this, expected, value);
    }

    long countGetAndAdd(int i, long delta) {
        return (long) COUNTS.getAndAdd(counts, i, delta);
    }

    long countOpaque(int i) { return (long) COUNTS.getOpaque(counts, i); }

    static void storeStoreFence() { VarHandle.storeStoreFence(); }

    void algorithm() {
        long h = headAcquire(); // [A] pairs with [R] in publish (message passing)
        // [B] pairs with [A] (store buffering): the sum of unlock counts
        // must be read before the sum of lock counts.
        VarHandle.fullFence();
        boolean won = // [C] pairs with [B]; a label on the first line of a split statement
                casHead(h, h + 1);
        long sum = h // [C'] primes are fine in tags
                + countOpaque(2);
        long total = sum
                + countOpaque(3)
                + 1; // [D] a label on the last line of a split statement
        if (won) {
            state = 2; // [S] publishes the new state
        }
        final long state = this.state; // a final local named after the field is a read
        setHeadRelease(state); // [R] pairs with [A]
        long c = countGetAndAdd(0, 1) + countOpaque(1); // [L] lock count, pairs with [A2]
        String s = "casHead(1, 2); state = 4;";
        // headAcquire() in a comment is not a call
        long plain = head + s.length() + c + total;
        storeStoreFence(); // [SS] orders the plain write below after the counts
        head = plain;
        barrier();
        acquire();
        release();
    }

    void barrier() {}

    void acquire() {}

    void release() {}

    private static final VarHandle HEAD;
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(Good.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
