package io.tracepoint4j.rcu;

import io.tracepoint4j.rcu.internal.LibraryThreads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sets up the read side ({@link ReadSideBarrier}'s class initialization, which probes and registers
 * membarrier through FFM) on a background thread, so that creating a domain does not wait for it.
 *
 * <p>The set-up is the costliest step of a JVM's first domain: FFM's first native linkage takes
 * about 100-150 ms on a small machine, far more than the rest of the domain. Nothing needs its
 * result until the domain's first read or grace period; an application creating domains at start-up
 * (every define of a tracepoint library does) should not wait for it on its main thread.
 */
final class ReadSideSetup {
    /*
     * Design note.
     *
     * Overview: a domain's constructor calls beginInBackground(), which starts one library thread
     *   that initializes ReadSideBarrier, and returns once that initialization has begun: BEGUN is
     *   counted down by the first statement of ReadSideBarrier's static initializer, on whichever
     *   thread runs it. From then on the JVM's class-initialization lock (JVMS 5.5) does the rest:
     *   the first reader or grace period that needs ReadSideBarrier before the set-up has finished
     *   waits for it inside the JVM, and runs no initializer code of its own.
     *
     * Why wait for the start: GracePeriodEngine.initializeNow explains why a read-side class must not
     *   be initialized by the first reader, which may be near its stack limit (a failed initializer
     *   leaves the class unusable for the whole JVM). Once the set-up thread holds the initialization,
     *   a reader only waits; before it does, a reader would initialize the class itself. Returning
     *   only after BEGUN closes that window; the wait is the start of a thread (well under a
     *   millisecond), not the set-up.
     *
     * Logging: the initializer's one log line (the barrier chosen, a WARNING when native access is
     *   denied) is written by the set-up thread after the initialization, not inside it: a reader
     *   waiting for the initialization may hold a lock the logging backend needs. When another
     *   thread initializes ReadSideBarrier directly (ReadSideBarrier.current() before any domain),
     *   the initializer logs itself, as that thread's own call. The set-up thread is not a daemon,
     *   unlike the library's other threads: a program that creates a domain and returns at once
     *   (its main thread the last non-daemon one) waits for the set-up, well under a second, and
     *   its log line, which a daemon lost (the JVM exited first: no WARNING that native access is
     *   denied, in 4 runs of 4).
     *
     * Memory ordering
     *   [RS] BEGUN: countDown() in the initializer happens-before the return of await() in
     *        beginInBackground(). It orders nothing the read side relies on (the initialization lock
     *        does that); it only tells the domain's creator that readers can no longer start the
     *        initialization themselves.
     *   [SO] STARTED: a compareAndSet that lets exactly one caller start the set-up thread; it orders
     *        nothing else (the others wait on BEGUN).
     *   [ST] setUpThread is a plain field, written once before Thread.start(), which happens-before
     *        everything the set-up thread does; other threads read null or that thread, and are
     *        never it either way.
     */

    private static final CountDownLatch BEGUN = new CountDownLatch(1);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** The set-up thread; written once, before it starts ([ST]). */
    private static Thread setUpThread;

    private ReadSideSetup() {}

    /**
     * Makes sure {@link ReadSideBarrier}'s initialization has begun on some thread, starting it on a
     * background thread if nobody has; returns without waiting for it to finish.
     */
    static void beginInBackground() {
        if (BEGUN.getCount() == 0) {
            return; // [RS] begun (or done) on some thread, maybe this one, in ReadSideBarrier's initializer
        }
        if (STARTED.compareAndSet(false, true)) { // [SO] one thread starts the set-up
            try {
                Thread thread = LibraryThreads.unstarted("tracepoint4j-read-side-setup", new SetUp());
                thread.setDaemon(false); // see "Logging" in the design note
                setUpThread = thread; // [ST] before start(): the thread reads it
                thread.start();
            } catch (OutOfMemoryError e) { // no thread to be had: set up here, as a direct call would
                GracePeriodEngine.initializeNow(ReadSideBarrier.class);
                return;
            }
        }
        boolean interrupted = false;
        while (true) {
            try {
                BEGUN.await(); // [RS] pairs with initializationBegins()
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the wait is a thread's start: finish it, keep the interrupt
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called first by ReadSideBarrier's static initializer, on the thread that runs it. */
    static void initializationBegins() {
        BEGUN.countDown(); // [RS] pairs with beginInBackground()'s await
    }

    /** Whether ReadSideBarrier's initializer runs on the set-up thread, which logs after it. */
    static boolean onSetUpThread() {
        return Thread.currentThread() == setUpThread; // [ST] written before this thread started
    }

    /** The set-up thread's task. A class, not a lambda: the rcu module has no invokedynamic. */
    private static final class SetUp implements Runnable {
        @Override
        public void run() {
            GracePeriodEngine.initializeNow(ReadSideBarrier.class);
            ReadSideBarrier.logChoice();
        }
    }
}
