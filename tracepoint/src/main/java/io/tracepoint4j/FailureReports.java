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
     *   registered), and then lives, parked when idle, as a daemon.
     *
     * Memory ordering
     *   [Q] ConcurrentLinkedQueue.offer/poll: a report is fully built when the reporter polls it.
     *   [U] offer, then unpark; the reporter polls until empty, then parks. A report offered after
     *       the reporter found the queue empty has its unpark grant a permit, so park() returns at
     *       once: no lost wake-up. The reporter is read from a volatile field.
     *
     * Failure modes
     *   submit() on the failing thread: offer is lock-free, each of its CASes a complete step, so
     *   an error in it either queues the report or does not; unpark is a single native call. A
     *   report whose submit failed is lost (the failure stays counted). A report that throws is
     *   dropped; the reporter goes on.
     */

    private static final ConcurrentLinkedQueue<Runnable> QUEUE = new ConcurrentLinkedQueue<>(); // [Q]
    private static volatile Thread reporter; // [U]

    private FailureReports() {}

    /** Starts the reporter thread unless it runs already. */
    static synchronized void start() {
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

    /** The reporter thread's loop. */
    private static final class Reporter implements Runnable {
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
                LockSupport.park(FailureReports.class); // [U] returns at once if unparked since the poll
            }
        }
    }
}
