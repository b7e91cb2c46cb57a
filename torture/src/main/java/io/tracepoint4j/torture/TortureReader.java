package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A reader of a flavor torture: opens read-side critical sections in every form its flavor
 * offers, picks up the current object inside, dawdles, sometimes nests, and records the object's
 * age as the last action of the section ({@link #record}). Its {@link ReaderKind} decides how it
 * dawdles; an overflowing reader lives in {@link OverflowRounds} instead.
 */
final class TortureReader extends TortureWorker {
    /*
     * Design note.
     *
     * Overview: one read is one check of the pipeline oracle (FlavorTorture's design note):
     * record() at the end of the section counts an age >= 2 or a poisoned object as a too-short
     * grace period. One section in NEST_ONE_IN holds a nested section of the same domain, which
     * records its own read at once.
     *
     * Concurrency: platform readers spin inside sections (and sometimes yield, which models
     * preemption); virtual readers do the same and, in SRCU only, sometimes park inside a section,
     * so they unmount and may resume on another carrier; blocking readers (SRCU only) sometimes
     * sleep inside a section and sometimes end it with upRead() on a hand-off virtual thread,
     * which also records the read; overflowing readers recurse until their stack overflows
     * (OverflowRounds). The counters below have one writer at a time: this reader's thread, or a
     * hand-off task while this thread waits for it, or one overflow round thread at a time.
     *
     * Memory ordering:
     *   [C2] currentAcquire, inside the section  pairs with  [C1] in TortureUpdater.loop:
     *        message passing (FlavorTorture's design note).
     *   [A2] ageAcquire, then [P2] poisonedAcquire, in record()  pair with  [A1] and [P1]
     *        (PipelineItem.advanceAge, FlavorTorture.age): see PipelineItem.
     *   [S2] stoppingOpaque  pairs with  [S1] in FlavorTorture.run: a stop request only.
     *   [H1] a hand-off task's writes into this reader's counters happen-before this reader's
     *        join() of the task returns ([H2]): the reader never touches its counters meanwhile,
     *        so each counter keeps one writer at a time. OverflowRounds joins its round threads
     *        for the same reason.
     *   The counters are plain fields, read by FlavorReport.of only after the watchdog joined
     *   this reader (FlavorTorture's design note).
     */

    /** Reads recorded with an age past this many are too-short grace periods. */
    static final int MAX_CORRECT_AGE = 1;

    private static final int NEST_ONE_IN = 8;
    private static final int LONG_DELAY_ONE_IN = 256;
    private static final int VIRTUAL_PARK_ONE_IN = 16;
    private static final int BLOCKING_SLEEP_ONE_IN = 8;
    private static final int VIRTUAL_YIELD_EVERY = 16;

    /** How a domain's read-side critical sections may be opened. */
    enum ReadSide {
        SRCU,
        CLASSIC,
        GENERIC;

        static ReadSide of(RcuDomain domain) {
            return switch (domain) {
                case Srcu _ -> SRCU;
                case ClassicRcu _ -> CLASSIC;
                default -> GENERIC;
            };
        }
    }

    /** The kinds of reader, in the order they are made; each kind's count is a setting. */
    enum ReaderKind {
        PLATFORM("reader"),
        VIRTUAL("virtual-reader"),
        BLOCKING("blocking-reader"),
        OVERFLOWING("overflowing-reader");

        final String label;

        ReaderKind(String label) {
            this.label = label;
        }

        int count(TortureSettings settings) {
            return switch (this) {
                case PLATFORM -> settings.readers();
                case VIRTUAL -> settings.virtualReaders();
                case BLOCKING -> settings.blockingReaders();
                case OVERFLOWING -> settings.overflowingReaders();
            };
        }
    }

    final ReaderKind kind;
    private final RcuDomain domain;
    private final ReadSide readSide;
    private final long readerDelayNanos;
    private final long blockNanos;

    final long[] ages = new long[PipelineItem.FREED_AGE + 1];
    long reads;
    long nested;
    long blocked;
    long handedOff;
    long overflows;
    long exitsRedone;
    long tooShort;
    long poisoned;

    TortureReader(FlavorTorture torture, String name, ReaderKind kind) {
        super(torture, name);
        this.kind = kind;
        this.domain = torture.domain;
        this.readSide = torture.readSide;
        this.readerDelayNanos = torture.settings.readerDelay().toNanos();
        this.blockNanos = torture.settings.blockTime().toNanos();
    }

    @Override
    Thread.Builder threadBuilder() {
        return kind == ReaderKind.VIRTUAL ? Thread.ofVirtual() : super.threadBuilder();
    }

    @Override
    void loop(ThreadLocalRandom random) {
        if (kind == ReaderKind.OVERFLOWING) {
            OverflowRounds.live(this);
            return;
        }
        long sections = 0;
        while (!torture.stoppingOpaque()) { // [S2] pairs with [S1] in FlavorTorture.run
            switch (readSide) {
                case SRCU -> srcuSection((Srcu) domain, random);
                case CLASSIC -> classicSection((ClassicRcu) domain, random);
                case GENERIC -> genericSection(random);
            }
            madeProgress(++sections);
            if (kind == ReaderKind.VIRTUAL && sections % VIRTUAL_YIELD_EVERY == 0) {
                Thread.yield(); // outside any section: spinning virtual readers would pin every carrier
            }
        }
    }

    /**
     * The check, made as the last action inside a read-side critical section: rcutorture
     * records the age at the end so that a grace period that ended too early shows up as
     * age 2 or more.
     */
    void record(PipelineItem item, String how) {
        int age = item.ageAcquire(); // [A2], see PipelineItem
        boolean wasPoisoned = item.poisonedAcquire(); // [P2], after [A2]: freed implies age 10
        ages[Math.min(age, PipelineItem.FREED_AGE)]++;
        reads++;
        if (age > MAX_CORRECT_AGE || wasPoisoned) {
            tooShort++;
            if (wasPoisoned) {
                poisoned++;
            }
            torture.sample(name + " (" + how + ") ended its section holding " + item + " at age " + age
                    + (wasPoisoned ? ", already freed" : ""));
        }
    }

    private void srcuSection(Srcu srcu, ThreadLocalRandom random) {
        int variants = kind == ReaderKind.BLOCKING ? 4 : 3;
        switch (random.nextInt(variants)) {
            case 0 -> {
                try (var _ = srcu.read()) {
                    sectionBody(random, "read()");
                }
            }
            case 1 -> {
                int token = srcu.readLock();
                try {
                    sectionBody(random, "readLock()");
                } finally {
                    srcu.readUnlock(token);
                }
            }
            case 2 -> {
                int token = srcu.downRead();
                try {
                    sectionBody(random, "downRead()");
                } finally {
                    srcu.upRead(token);
                }
            }
            default -> endOnAnotherThread(srcu, random);
        }
    }

    private void classicSection(ClassicRcu rcu, ThreadLocalRandom random) {
        if (random.nextBoolean()) {
            try (var _ = rcu.read()) {
                sectionBody(random, "read()");
            }
        } else {
            rcu.readLock();
            try {
                sectionBody(random, "readLock()");
            } finally {
                rcu.readUnlock();
            }
        }
    }

    private void genericSection(ThreadLocalRandom random) {
        try (var _ = domain.read()) {
            sectionBody(random, "read()");
        }
    }

    /** Everything inside a section: pick up the object, dawdle, maybe nest, then record. */
    private void sectionBody(ThreadLocalRandom random, String how) {
        PipelineItem item = torture.currentAcquire(); // [C2] pairs with [C1] in TortureUpdater.loop
        delayInside(random);
        if (random.nextInt(NEST_ONE_IN) == 0) {
            nestedSection();
        }
        record(item, how); // last action of the section (design note)
    }

    /** A section nested in the caller's, of the same domain; records its own read at once. */
    private void nestedSection() {
        nested++;
        switch (readSide) {
            case SRCU -> {
                Srcu srcu = (Srcu) domain;
                int token = srcu.readLock();
                try {
                    record(torture.currentAcquire(), "nested readLock()"); // [C2] pairs with [C1]
                } finally {
                    srcu.readUnlock(token);
                }
            }
            case CLASSIC -> {
                ClassicRcu rcu = (ClassicRcu) domain;
                rcu.readLock();
                try {
                    record(torture.currentAcquire(), "nested readLock()"); // [C2] pairs with [C1]
                } finally {
                    rcu.readUnlock();
                }
            }
            case GENERIC -> {
                try (var _ = domain.read()) {
                    record(torture.currentAcquire(), "nested read()"); // [C2] pairs with [C1]
                }
            }
        }
    }

    /**
     * An SRCU section begun here with downRead() and ended on a hand-off virtual thread with
     * upRead(), which also records the age: the section's end is on that thread.
     */
    private void endOnAnotherThread(Srcu srcu, ThreadLocalRandom random) {
        int token = srcu.downRead();
        PipelineItem item;
        try {
            item = torture.currentAcquire(); // [C2] pairs with [C1] in TortureUpdater.loop
            delayInside(random);
        } catch (RuntimeException | Error e) {
            srcu.upRead(token);
            throw e;
        }
        handedOff++;
        CompletableFuture.runAsync(
                        () -> {
                            try {
                                record(item, "downRead(), upRead() on another thread"); // [H1] pairs with [H2]
                            } finally {
                                srcu.upRead(token);
                            }
                        },
                        torture.handOff)
                .join(); // [H2]: the task's writes to this reader's counters happen-before this returns
    }

    /** Keeps the reader inside its section for a while; how depends on the kind of reader. */
    private void delayInside(ThreadLocalRandom random) {
        spinNanos(random.nextLong(readerDelayNanos + 1));
        switch (kind) {
            case PLATFORM -> {
                if (random.nextInt(LONG_DELAY_ONE_IN) == 0) {
                    Thread.yield(); // models preemption inside a section; legal in every flavor
                    spinNanos(random.nextLong(10 * readerDelayNanos + 1));
                }
            }
            case VIRTUAL -> {
                if (readSide == ReadSide.SRCU && random.nextInt(VIRTUAL_PARK_ONE_IN) == 0) {
                    blocked++;
                    LockSupport.parkNanos(random.nextLong(blockNanos + 1)); // unmounts; may change carrier
                } else if (random.nextInt(LONG_DELAY_ONE_IN) == 0) {
                    spinNanos(random.nextLong(10 * readerDelayNanos + 1)); // never unmount in classic RCU
                }
            }
            case BLOCKING -> {
                if (random.nextInt(BLOCKING_SLEEP_ONE_IN) == 0) {
                    blocked++;
                    LockSupport.parkNanos(random.nextLong(blockNanos + 1));
                }
            }
            case OVERFLOWING -> {} // its sections nest until the stack overflows: no delay needed
        }
    }

    private static void spinNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
