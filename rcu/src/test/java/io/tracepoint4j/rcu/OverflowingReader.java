package io.tracepoint4j.rcu;

/**
 * One thread's recursion through read-side sections of one {@link Form} until its stack overflows,
 * for {@link StackOverflowTest} and {@link OverflowAtTheBarrierMain}. The start of the recursion is
 * shifted by frames of another size, so the StackOverflowError lands at varied points of the entry
 * and exit paths. An exit that throws (out of stack, or refused because a section inside it is
 * still open) is kept, innermost first, in arrays made beforehand: storing into them calls nothing,
 * so it cannot overflow; {@link #endWhatFailedExitsLeftOpen()} ends them again at the top. JDK only:
 * the forked JVM of OverflowAtTheBarrierMain has no test libraries.
 */
@SuppressWarnings("try")
final class OverflowingReader {

    /** The ways a thread enters and leaves a section. */
    enum Form {
        SRCU_READ(Flavor.SRCU),
        SRCU_TOKEN(Flavor.SRCU),
        SRCU_HANDOFF(Flavor.SRCU),
        CLASSIC_READ(Flavor.CLASSIC),
        CLASSIC_LOCK(Flavor.CLASSIC);

        final Flavor flavor;

        Form(Flavor flavor) {
            this.flavor = flavor;
        }
    }

    private static volatile long sink;

    private final Form form;
    private final RcuDomain d;
    private final int[] tokens = new int[1 << 16];
    private final RcuDomain.ReadSection[] sections = new RcuDomain.ReadSection[1 << 16];
    private int failed;

    OverflowingReader(Form form, RcuDomain d) {
        this.form = form;
        this.d = d;
    }

    /** Shifts the start of the recursion by {@code n} frames of another size, then recurses. */
    void pad(int n) {
        long a = n, b = a * 3, c = b * 5, e = c * 7;
        if (n > 0) {
            pad(n - 1);
        } else {
            recurse(0);
        }
        sink = a + b + c + e;
    }

    private void recurse(int depth) {
        switch (form) {
            case SRCU_READ, CLASSIC_READ -> {
                RcuDomain.ReadSection s = d.read();
                try {
                    recurse(depth + 1);
                } finally {
                    if (refusedForCertain()) {
                        sections[failed++] = s;
                    } else {
                        try {
                            s.close();
                        } catch (Throwable t) {
                            sections[failed++] = s;
                        }
                    }
                }
            }
            case SRCU_TOKEN -> {
                int token = ((Srcu) d).readLock();
                try {
                    recurse(depth + 1);
                } finally {
                    if (refusedForCertain()) {
                        tokens[failed++] = token;
                    } else {
                        try {
                            ((Srcu) d).readUnlock(token);
                        } catch (Throwable t) {
                            tokens[failed++] = token;
                        }
                    }
                }
            }
            case SRCU_HANDOFF -> {
                int token = ((Srcu) d).downRead();
                try {
                    recurse(depth + 1);
                } finally {
                    try {
                        ((Srcu) d).upRead(token);
                    } catch (Throwable t) {
                        tokens[failed++] = token;
                    }
                }
            }
            case CLASSIC_LOCK -> {
                ((ClassicRcu) d).readLock();
                try {
                    recurse(depth + 1);
                } finally {
                    try {
                        ((ClassicRcu) d).readUnlock();
                    } catch (Throwable t) {
                        failed++;
                    }
                }
            }
        }
    }

    /**
     * Whether an SRCU exit would be refused, and enough refusals were seen: once an exit failed,
     * every enclosing one is refused (a section inside it is still open), each with an exception
     * whose stack trace is the whole deep stack. The first {@link #TRIED_REFUSALS} are tried, to
     * show that a refusal changes nothing; trying the thousands above them only made a round cost
     * seconds (quadratic in the depth), past the test's wait, when the first failure was deep.
     */
    private boolean refusedForCertain() {
        return form.flavor == Flavor.SRCU && failed > TRIED_REFUSALS;
    }

    /** Refused exits tried per overflow; see {@link #refusedForCertain()}. */
    private static final int TRIED_REFUSALS = 32;

    /** Ends, back at the top of the stack, what failed exits left open; returns how many. */
    int endWhatFailedExitsLeftOpen() {
        int n = failed;
        for (int i = 0; i < n; i++) {
            switch (form) {
                case SRCU_READ, CLASSIC_READ -> sections[i].close();
                case SRCU_TOKEN -> ((Srcu) d).readUnlock(tokens[i]);
                case SRCU_HANDOFF -> ((Srcu) d).upRead(tokens[i]);
                case CLASSIC_LOCK -> ((ClassicRcu) d).readUnlock();
            }
        }
        failed = 0;
        return n;
    }
}
