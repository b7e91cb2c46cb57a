package io.tracepoint4j;

import io.tracepoint4j.rcu.internal.LibraryThreads;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs what a probe's failure reports (a log record, a detach) on a thread of its own,
 * "tracepoint4j-failure-reports", never on the firing thread.
 */
final class FailureReports {
    /*
     * Overview
     *   The firing thread may be at its stack limit (a probe that overflowed), and there the first
     *   use of a logging backend (JUL sets up its LogManager and handlers once, at the first
     *   record), of virtual threads, or of any class with a static initializer can fail, and such a
     *   failure is for good, for the whole JVM (JVMS 5.5): after one overflow in a probe, nothing
     *   would ever be logged again. Lock-based JDK code (a thread pool's queue) is no better: an
     *   error between its lock() and unlock() leaves the lock held. So the firing thread only
     *   offers the report to a lock-free queue and unparks the reporter, and the reporter thread,
     *   with its whole stack, runs it.
     *
     * Concurrency
     *   Many producers (firing threads), one consumer (the reporter thread). The reporter is
     *   started by start(), which register() calls on the consumer's thread (probes fail only once
     *   registered) after its probe is published: a report made before waits in the queue, which
     *   the reporter drains first. It lives, parked when idle, as a daemon, while any tracepoint has
     *   a probe. Idle for IDLE_NANOS, it looks whether one has; if none, it starts a grace period
     *   of each of the tracepoints' domains (a probe unregistered while it ran, that fails now, has
     *   queued its report by the end of it) and goes on reporting; idle again, it polls them
     *   (RcuDomain.startPoll/pollState), never waits for them: a faultable probe that blocks for
     *   minutes after its unregister delays the reporter's end, never a report or a detach. Once
     *   both have passed, it ends if no tracepoint has a probe, the queue is empty and no start()
     *   came since it looked ([ST]): the JVM is left as it was, and the next register() makes
     *   another. A register() whose probe the look missed calls start() after it: either before
     *   the end's check, which then sees the start and stays, or after the end, which then made
     *   `reporter` null, so start() makes a new one.
     *
     * Memory ordering
     *   [Q] ConcurrentLinkedQueue.offer/poll: a report is fully built when the reporter polls it.
     *   [U] offer, then unpark; the reporter polls until empty, then parks. A report offered after
     *       the reporter found the queue empty has its unpark grant a permit, so park() returns at
     *       once: no lost wake-up. The reporter is read from a volatile field.
     *   [ST] `starts`, start()'s count, and `reporter`'s end: both under the class's lock, so an
     *       end and a start() are ordered; see "Concurrency".
     *
     * Failure modes
     *   submit() on the failing thread: offer is lock-free, each of its CASes a complete step, so
     *   an error in it either queues the report or does not; unpark is a single native call. A
     *   report whose submit failed is lost (the failure stays counted). A report that throws is
     *   dropped; the reporter goes on.
     */

    private static final ConcurrentLinkedQueue<Runnable> QUEUE = new ConcurrentLinkedQueue<>(); // [Q]
    private static volatile Thread reporter; // [U]
    /** How many times start() ran. Guarded by FailureReports.class ([ST]). */
    private static long starts;
    /** How long the reporter waits, idle, before it looks whether it is still needed. */
    private static final long IDLE_NANOS = 2_000_000_000L;

    private FailureReports() {}

    /** Starts the reporter thread unless it runs already. */
    static synchronized void start() {
        starts++; // [ST]
        if (reporter == null) {
            reporter = LibraryThreads.start("tracepoint4j-failure-reports", new Reporter()); // [U]
        }
    }

    /** Queues {@code report} for the reporter thread. May throw (out of stack or memory): the caller catches. */
    static void submit(Runnable report) {
        QUEUE.offer(report); // [Q]
        Thread thread = reporter; // [U]
        if (thread != null) {
            LockSupport.unpark(thread); // [U] after the offer
        }
    }

    /** Waits until every report submitted before this call ran (for tests). */
    static void awaitReported() throws InterruptedException {
        start();
        CountDownLatch done = new CountDownLatch(1);
        submit(new CountDown(done));
        done.await();
    }

    private static final class CountDown implements Runnable {
        private final CountDownLatch latch;

        CountDown(CountDownLatch latch) {
            this.latch = latch;
        }

        @Override
        public void run() {
            latch.countDown();
        }
    }

    private static synchronized long starts() {
        return starts; // [ST]
    }

    /** Whether some tracepoint has a probe. */
    private static boolean anyProbe() {
        for (Tracepoint<?> tracepoint : Tracepoints.all()) {
            if (tracepoint.probeCount() > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The reporter's way to its end (see "Concurrency"), one step each time it has been idle:
     * start the grace periods, then poll them; the reporter thread's own, so plain fields.
     */
    private static final class Ending {
        /** start()'s count when the look found no probe; -1 while no end is under way. */
        private long seen = -1;

        private long regular;
        private long faultable;

        /** Takes the next step; returns whether the reporter ended. */
        boolean step() {
            if (anyProbe()) {
                seen = -1; // needed again
                return false;
            }
            if (seen < 0) {
                seen = starts();
                regular = Tracepoint.Flavor.REGULAR.domain().startPoll();
                faultable = Tracepoint.Flavor.FAULTABLE.domain().startPoll();
                return false;
            }
            if (!Tracepoint.Flavor.REGULAR.domain().pollState(regular)
                    || !Tracepoint.Flavor.FAULTABLE.domain().pollState(faultable)) {
                return false; // a probe unregistered while it ran still runs: its report may come
            }
            synchronized (FailureReports.class) {
                if (!QUEUE.isEmpty() || starts != seen) { // [Q] [ST]
                    seen = -1;
                    return false;
                }
                reporter = null; // [U] a submit() now queues only; the next start() makes a new reporter
                return true;
            }
        }
    }

    /** The reporter thread's loop. */
    private static final class Reporter implements Runnable {
        private final Ending ending = new Ending();

        @Override
        public void run() {
            while (true) {
                Runnable report;
                while ((report = QUEUE.poll()) != null) { // [Q]
                    try {
                        report.run();
                    } catch (Throwable ignored) {
                        // a logging backend that fails: the report is lost, the reporter goes on
                    }
                }
                long parked = System.nanoTime();
                LockSupport.parkNanos(
                        FailureReports.class, IDLE_NANOS); // [U] returns at once if unparked since the poll
                Thread.interrupted(); // a stray interrupt would make every later park return at once
                if (System.nanoTime() - parked >= IDLE_NANOS && ending.step()) {
                    return;
                }
            }
        }
    }
}
