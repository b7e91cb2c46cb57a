package io.tracepoint4j.bench;

import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * One way to read {@link Published}, for the benchmarks that read it: enter (a read-side critical
 * section, a lock, or nothing at all), load the published reference and the value behind it, leave.
 * {@link ReadSideOverheadBench} times {@link #read()} itself; {@link GracePeriodLatencyBench} runs it
 * in background threads and times the wait of a {@link Waitable}'s updater.
 *
 * <p>A benchmark gets its reader from {@link #create} with its {@code flavor} parameter, and a fork
 * loads exactly one concrete subclass: every call through this class has a single target, which the
 * JIT inlines without a type guard. That is why these benchmarks must not run with {@code -f 0}.
 */
abstract class Reader {
    /*
     * Invariants: create() mentions the concrete subclasses only in ways that do not load them. Where
     * the arms of a switch meet in a value or local of type Reader (a switch expression, whose type
     * javac takes as the arms' common superclass even when it is assigned to an Object), the bytecode
     * verifier loads every arm's class when it verifies create(), to check that each is a Reader, and
     * then every fork has all of them loaded and the JIT has to guard each call with a receiver-class
     * check. So the arms store into a local declared Object, which anything is without loading, and
     * the cast after the switch checks only the object made; `new` loads its class when it runs, in
     * the one arm taken. -Xlog:class+load in a fork shows one concrete class below, never two.
     *
     * Domains are static finals of their reader class, created when that class initializes (so only
     * the fork's flavor creates one), because that is how the API is meant to be used: a domain in a
     * static final is a constant to the JIT, and so are its read side's fields (see the rcu module's
     * DomainFacade). A domain in an instance field costs a few loads and a type check more per
     * read. A fork runs one trial, so closing the domain at its end is safe.
     */

    final Published published;

    Reader(Published published) {
        this.published = published;
    }

    /**
     * The reader for {@code flavor}: {@code volatile}, {@code rcu}, {@code rcuScoped}, {@code srcu},
     * {@code srcuScoped}, {@code rwlock}, {@code stamped} or {@code synchronized}; a domain it needs
     * is named {@code bench-flavor}.
     */
    static Reader create(String flavor, Published published) {
        Object reader; // not Reader: see the note above
        switch (flavor) {
            case "volatile" -> reader = new VolatileReader(published);
            case "rcu" -> reader = new RcuReader(published);
            case "rcuScoped" -> reader = new RcuScopedReader(published);
            case "srcu" -> reader = new SrcuReader(published);
            case "srcuScoped" -> reader = new SrcuScopedReader(published);
            case "rwlock" -> reader = new RwLockReader(published, new ReentrantReadWriteLock());
            case "stamped" -> reader = new StampedReader(published, new StampedLock());
            case "synchronized" -> reader = new SynchronizedReader(published);
            default -> throw new IllegalArgumentException("unknown flavor " + flavor);
        }
        return (Reader) reader;
    }

    /** The reader for {@code flavor}, which must have an update side to wait for. */
    static Waitable createWaitable(String flavor, Published published) {
        if (create(flavor, published) instanceof Waitable waitable) {
            return waitable;
        }
        throw new IllegalArgumentException("flavor " + flavor + " has no update side to wait for");
    }

    /** Enters, loads the published value, leaves; returns the value. */
    abstract long read();

    /** Releases what the reader created (its domain); once, after the last read. */
    void close() {}

    /** A reader an updater can wait for: it waits until the sections (or read locks) held end. */
    abstract static class Waitable extends Reader {
        Waitable(Published published) {
            super(published);
        }

        /** Waits for a grace period (rwlock: takes and releases the write lock). */
        abstract void synchronize();

        /** Waits for an expedited grace period (rwlock: the same as {@link #synchronize()}). */
        abstract void synchronizeExpedited();
    }

    /** No protection at all: the baseline. */
    private static final class VolatileReader extends Reader {
        VolatileReader(Published published) {
            super(published);
        }

        @Override
        long read() {
            return published.current.value;
        }
    }

    /** The readers of an RCU domain, whose grace periods the updater waits for. */
    private abstract static class DomainReader extends Waitable {
        final RcuDomain domain;

        DomainReader(Published published, RcuDomain domain) {
            super(published);
            this.domain = domain;
        }

        @Override
        final void synchronize() {
            domain.synchronize();
        }

        @Override
        final void synchronizeExpedited() {
            domain.synchronizeExpedited();
        }

        @Override
        final void close() {
            domain.close();
        }
    }

    /** {@link ClassicRcu#readLock()} / {@link ClassicRcu#readUnlock()}. */
    private static final class RcuReader extends DomainReader {
        private static final ClassicRcu RCU = ClassicRcu.create("bench-rcu");

        RcuReader(Published published) {
            super(published, RCU);
        }

        @Override
        long read() {
            RCU.readLock();
            try {
                return published.current.value;
            } finally {
                RCU.readUnlock();
            }
        }
    }

    /** {@link ClassicRcu#read()} in try-with-resources. */
    private static final class RcuScopedReader extends DomainReader {
        private static final ClassicRcu RCU = ClassicRcu.create("bench-rcuScoped");

        RcuScopedReader(Published published) {
            super(published, RCU);
        }

        @Override
        long read() {
            try (RcuDomain.ReadSection _ = RCU.read()) {
                return published.current.value;
            }
        }
    }

    /** {@link Srcu#readLock()} / {@link Srcu#readUnlock(int)}. */
    private static final class SrcuReader extends DomainReader {
        private static final Srcu SRCU = Srcu.create("bench-srcu");

        SrcuReader(Published published) {
            super(published, SRCU);
        }

        @Override
        long read() {
            int token = SRCU.readLock();
            try {
                return published.current.value;
            } finally {
                SRCU.readUnlock(token);
            }
        }
    }

    /** {@link Srcu#read()} in try-with-resources. */
    private static final class SrcuScopedReader extends DomainReader {
        private static final Srcu SRCU = Srcu.create("bench-srcuScoped");

        SrcuScopedReader(Published published) {
            super(published, SRCU);
        }

        @Override
        long read() {
            try (RcuDomain.ReadSection _ = SRCU.read()) {
                return published.current.value;
            }
        }
    }

    /**
     * The read lock of a {@link ReentrantReadWriteLock}; the updater takes and releases the write
     * lock, which also waits for the readers inside. It has no expedited form.
     */
    private static final class RwLockReader extends Waitable {
        private final Lock readLock;
        private final Lock writeLock;

        RwLockReader(Published published, ReentrantReadWriteLock lock) {
            super(published);
            this.readLock = lock.readLock();
            this.writeLock = lock.writeLock();
        }

        @Override
        long read() {
            readLock.lock();
            try {
                return published.current.value;
            } finally {
                readLock.unlock();
            }
        }

        @Override
        void synchronize() {
            writeLock.lock();
            writeLock.unlock();
        }

        @Override
        void synchronizeExpedited() {
            synchronize();
        }
    }

    /** {@link StampedLock#tryOptimisticRead()} then {@link StampedLock#validate}. */
    private static final class StampedReader extends Reader {
        private final StampedLock lock;

        StampedReader(Published published, StampedLock lock) {
            super(published);
            this.lock = lock;
        }

        @Override
        long read() {
            long stamp = lock.tryOptimisticRead();
            long value = published.current.value;
            if (lock.validate(stamp)) {
                return value;
            }
            stamp = lock.readLock(); // never taken here: nothing writes
            try {
                return published.current.value;
            } finally {
                lock.unlockRead(stamp);
            }
        }
    }

    /** One shared monitor. */
    private static final class SynchronizedReader extends Reader {
        private final Object monitor = new Object();

        SynchronizedReader(Published published) {
            super(published);
        }

        @Override
        long read() {
            synchronized (monitor) {
                return published.current.value;
            }
        }
    }
}
