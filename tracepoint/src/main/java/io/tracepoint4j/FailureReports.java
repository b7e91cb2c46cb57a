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
     *   a probe: idle for IDLE_NANOS with none (a tool detached), it ends, so that the JVM is left
     *   as it was, and the next register() starts another. Its end is decided under the class's
     *   lock, as start() is, and register() counts its tracepoint ([TP]) before start(): so either
     *   the reporter sees the count and stays, or it ended first and start() makes a new one. A
     *   probe that fails more than IDLE_NANOS after the last tracepoint lost its last probe (one
     *   unregistered while blocked in a faultable firing) queues a report nobody runs: it is counted
     *   in failures(), not logged.
     *
     * Memory ordering
     *   [Q] ConcurrentLinkedQueue.offer/poll: a report is fully built when the reporter polls it.
     *   [U] offer, then unpark; the reporter polls until empty, then parks. A report offered after
     *       the reporter found the queue empty has its unpark grant a permit, so park() returns at
     *       once: no lost wake-up. The reporter is read from a volatile field.
     *   [TP] the count of tracepoints with probes: atomic adds by updaters (under their tracepoint's
     *       lock), read by the reporter under the class's lock; see "Concurrency" for the order
     *       with start().
     *
     * Failure modes
     *   submit() on the failing thread: offer is lock-free, each of its CASes a complete step, so
     *   an error in it either queues the report or does not; unpark is a single native call. A
     *   report whose submit failed is lost (the failure stays counted). A report that throws is
     *   dropped; the reporter goes on.
     */

    private static final ConcurrentLinkedQueue<Runnable> QUEUE = new ConcurrentLinkedQueue<>(); // [Q]
    private static volatile Thread reporter; // [U]
    /** Tracepoints with at least one probe: while there are any, the reporter stays. */
    private static final java.util.concurrent.atomic.AtomicInteger TRACEPOINTS_WITH_PROBES =
            new java.util.concurrent.atomic.AtomicInteger(); // [TP]
    /** How long the reporter waits, idle and with no tracepoint probed, before it ends. */
    private static final long IDLE_NANOS = 2_000_000_000L;

    private FailureReports() {}

    /** A tracepoint got its first probe (+1) or lost its last (-1). */
    static void tracepointsWithProbes(int change) {
        TRACEPOINTS_WITH_PROBES.addAndGet(change); // [TP]
    }

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

    /** Ends the reporter if nothing is queued and no tracepoint has a probe; returns whether it did. */
    private static synchronized boolean endIfUnneeded() {
        if (!QUEUE.isEmpty() || TRACEPOINTS_WITH_PROBES.get() > 0) { // [Q] [TP] under the lock start() takes
            return false;
        }
        reporter = null; // [U] a submit() now queues only; the next start() makes a new reporter
        return true;
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
                long parked = System.nanoTime();
                LockSupport.parkNanos(
                        FailureReports.class, IDLE_NANOS); // [U] returns at once if unparked since the poll
                if (System.nanoTime() - parked >= IDLE_NANOS && endIfUnneeded()) {
                    return;
                }
            }
        }
    }
}
