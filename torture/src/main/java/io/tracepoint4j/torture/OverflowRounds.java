package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.torture.TortureReader.ReadSide;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An overflowing reader's life ({@link TortureReader.ReaderKind#OVERFLOWING}): rounds of {@link
 * #OVERFLOWS_PER_THREAD} stack overflows, each round on a fresh platform thread with a small stack
 * that ends afterwards, so the domain also retires dead threads' readers all run long.
 */
final class OverflowRounds {
    /*
     * Design note.
     *
     * Overview: a round thread recurses through nested sections of every form until its small
     * stack overflows, so the StackOverflowError lands anywhere in the entry and exit paths
     * (issue 10). Each level opens a section (a form chosen at random), picks up the current
     * object, recurses, and records the object's age in a finally as the section's last action;
     * the StackOverflowError unwinds it. An exit that throws (out of stack) leaves its section
     * open and closable again: it is kept, innermost first, in arrays made beforehand (storing
     * calls nothing, so it cannot overflow), and done again at the top, after which the thread is
     * in no section. Nothing on the deep path may link an invokedynamic call site (string
     * concatenation, a lambda): a failed first linkage there would break that site for the whole
     * JVM. With the fix of issue 10 C1 reverted by hand (an SRCU entry recorded before it is
     * counted), a 10 s run of two overflowing readers died on a phantom section and hung the
     * grace periods: reported, exit 2.
     *
     * Concurrency: the reader's own thread starts one round thread at a time and joins it; the
     * stacks of the rounds cycle through OVERFLOW_STACK_BYTES, so the error lands at varied
     * depths. A round writes the reader's counters; the reader's thread only counts rounds.
     *
     * Memory ordering:
     *   [H1] TortureReader [H1], for rounds: a round's writes into the reader's counters (record(), overflows, exitsRedone)
     *        happen-before the reader's join() of the round returns ([H2]): one writer at a time.
     *   [C2] TortureReader [C2]: currentAcquire in every level's section  pairs with  [C1] in TortureUpdater.loop:
     *        message passing (FlavorTorture's design note).
     *   [S2] stoppingOpaque  pairs with  [S1] in FlavorTorture.run: a stop request only.
     *   [O]  overflowSink is volatile only so that the JIT keeps the padding frames' locals and
     *        stores, also where it inlines the recursion: nobody reads it, no ordering is relied on.
     */

    /** Overflows an overflowing reader's thread takes before it ends and a fresh one goes on. */
    private static final int OVERFLOWS_PER_THREAD = 8;
    /** The stacks of an overflowing reader's threads, in turn: the error lands at varied depths. */
    private static final long[] OVERFLOW_STACK_BYTES = {256 * 1024, 384 * 1024, 512 * 1024};

    private static final String OVERFLOW_HOW = "recursing until the stack overflows";
    private static volatile long overflowSink; // [O] a sink only, never read: see the design note

    private OverflowRounds() {}

    /** Runs {@code reader}'s rounds until the run asks it to stop. */
    static void live(TortureReader reader) {
        long rounds = 0;
        while (!reader.torture.stoppingOpaque()) { // [S2] pairs with [S1] in FlavorTorture.run
            long stackSize = OVERFLOW_STACK_BYTES[(int) (rounds % OVERFLOW_STACK_BYTES.length)];
            Thread round = new Thread(null, new Round(reader), reader.name + "-stack", stackSize);
            round.setDaemon(true);
            round.setUncaughtExceptionHandler(new RoundFailure(reader));
            round.start();
            try {
                round.join(); // [H2]: the round's writes to reader's counters happen-before this returns
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            reader.madeProgress(++rounds);
        }
    }

    private static final class RoundFailure implements Thread.UncaughtExceptionHandler {
        private final TortureReader reader;

        RoundFailure(TortureReader reader) {
            this.reader = reader;
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            reader.torture.fail(reader.name + ": an overflow round died", e);
        }
    }

    /** One round thread's overflows (design note). */
    private static final class Round implements Runnable {
        private static final byte READ = 0;
        private static final byte TOKEN = 1;
        private static final byte HANDOFF = 2;
        private static final byte CLASSIC_LOCK = 3;

        private final TortureReader reader;
        private final FlavorTorture torture;
        private final RcuDomain domain;
        private final ReadSide readSide;
        private final ThreadLocalRandom random = ThreadLocalRandom.current();
        private final byte[] failedForms = new byte[1 << 16];
        private final int[] failedTokens = new int[1 << 16];
        private final RcuDomain.ReadSection[] failedSections = new RcuDomain.ReadSection[1 << 16];
        private int failed;

        Round(TortureReader reader) {
            this.reader = reader;
            this.torture = reader.torture;
            this.domain = torture.domain;
            this.readSide = torture.readSide;
        }

        @Override
        public void run() {
            TortureWorker.asHarnessThread(reader.name, new Overflows());
        }

        private final class Overflows implements Runnable {
            @Override
            public void run() {
                for (int i = 0; i < OVERFLOWS_PER_THREAD && !torture.stoppingOpaque(); i++) { // [S2]
                    try {
                        pad(random.nextInt(64));
                    } catch (StackOverflowError expected) {
                        reader.overflows++;
                    }
                    redoFailedExits();
                    if (domain.inReadSection()) {
                        torture.fail(reader.name + ": still inside a section after overflow " + i
                                + ", with every failed exit done again");
                        return;
                    }
                }
            }
        }

        /** Shifts the start of the recursion by {@code n} frames of another size. */
        private void pad(int n) {
            long a = n, b = a * 3, c = b * 5, e = c * 7;
            if (n > 0) {
                pad(n - 1);
            } else {
                recurse();
            }
            overflowSink = a + b + c + e; // [O] a sink only: keeps this frame's locals
        }

        private void recurse() {
            byte form = switch (readSide) {
                case SRCU -> (byte) random.nextInt(3); // READ, TOKEN, HANDOFF
                case CLASSIC -> random.nextBoolean() ? READ : CLASSIC_LOCK;
                case GENERIC -> READ;
            };
            switch (form) {
                case READ -> {
                    RcuDomain.ReadSection section = domain.read();
                    try {
                        body();
                    } finally {
                        try {
                            section.close();
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed] = form;
                            failedSections[failed++] = section;
                        }
                    }
                }
                case TOKEN -> {
                    int token = ((Srcu) domain).readLock();
                    try {
                        body();
                    } finally {
                        try {
                            ((Srcu) domain).readUnlock(token);
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed] = form;
                            failedTokens[failed++] = token;
                        }
                    }
                }
                case HANDOFF -> {
                    int token = ((Srcu) domain).downRead();
                    try {
                        body();
                    } finally {
                        try {
                            ((Srcu) domain).upRead(token);
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed] = form;
                            failedTokens[failed++] = token;
                        }
                    }
                }
                default -> {
                    ((ClassicRcu) domain).readLock();
                    try {
                        body();
                    } finally {
                        try {
                            ((ClassicRcu) domain).readUnlock();
                        } catch (Throwable t) { // kept with stores only: a call could overflow again
                            failedForms[failed++] = form;
                        }
                    }
                }
            }
        }

        /** Inside a section: pick up the object, go deeper, record as the section's last action. */
        private void body() {
            PipelineItem item = torture.currentAcquire(); // [C2] pairs with [C1] in TortureUpdater.loop
            try {
                recurse();
            } finally {
                reader.record(item, OVERFLOW_HOW);
            }
        }

        /** Ends, back at the top of the stack, what failed exits left open, innermost first. */
        private void redoFailedExits() {
            for (int i = 0; i < failed; i++) {
                switch (failedForms[i]) {
                    case READ -> failedSections[i].close();
                    case TOKEN -> ((Srcu) domain).readUnlock(failedTokens[i]);
                    case HANDOFF -> ((Srcu) domain).upRead(failedTokens[i]);
                    default -> ((ClassicRcu) domain).readUnlock();
                }
                failedSections[i] = null;
            }
            reader.exitsRedone += failed;
            failed = 0;
        }
    }
}
