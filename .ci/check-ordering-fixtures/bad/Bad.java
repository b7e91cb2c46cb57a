package fixtures.bad;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

final class Bad {
    /*
     * Memory ordering
     *   [R] labels one line only.
     *   [Q] labels its own statement only.
     *   [A] a label above a blank line does not reach across it.
     *
     *   [M] one meaning of [M]; BadOther gives it another. // expect: two meanings
     *
     *   [E] the failure modes: any call may throw. // expect: two meanings
     */
    private volatile long state; // expect: unlabelled
    private long head;
    private final long[] counts = new long[4];
    private final AtomicLong seq = new AtomicLong();

    // An accessor whose name does not carry the mode: its raw access needs a label.
    long head() { return (long) HEAD.getAcquire(this); } // expect: unlabelled

    // The name claims acquire, the body is opaque (rule 3).
    long headAcquire() { return (long) HEAD.getOpaque(this); } // expect: unlabelled

    void setHeadRelease(long v) {
        HEAD.setRelease(this, v);
    }

    boolean casHead(long expected, long value) {
        return HEAD.compareAndSet(this, expected, value);
    }

    // Two statements: not an accessor.
    long headVolatile() {
        long h = (long) HEAD.getVolatile(this); // expect: unlabelled
        return h;
    }

    void algorithm() {
        VarHandle.fullFence(); // expect: unlabelled
        long h = headAcquire(); // expect: unlabelled
        setHeadRelease(h + 1); // expect: unlabelled
        if (casHead(h, h + 2)) { // expect: unlabelled
            state = 3; // expect: unlabelled
        }
        this.state++; // expect: unlabelled
        seq.incrementAndGet(); // expect: unlabelled
        COUNTS.getAndAdd(counts, 0, 1L); // expect: unlabelled
        VarHandle.releaseFence(); // a plain comment is no label // expect: unlabelled
        // [A] a label above a blank line does not reach across it

        HEAD.setOpaque(this, 0L); // expect: unlabelled
        HEAD.setRelease(this, 1L); // [R] labels one line only
        HEAD.setRelease(this, 2L); // expect: unlabelled
        long sum = h + 1; // [Q] labels its own statement only
        sum += headAcquire() // expect: unlabelled
                + 1;
        head = 5; // [Z] explained in no design note // expect: undefined label
        HEAD.setRelease(this, 3L); // [Y] labelled, but the label is explained nowhere // expect: undefined label
        // [V] is defined in BadOther's note, not named in this one // expect: undefined label
        String s = "HEAD.setVolatile(this, 1L); VarHandle.fullFence();"; // strings are not code
        /* HEAD.setVolatile(this, 1L); */
        if (s.length() == sum) {
            ReadSide.lightBarrier(); // expect: unlabelled
        }
    }

    static final class ReadSide {
        static void lightBarrier() {}
    }

    private static final VarHandle HEAD;
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(Bad.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
