package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.GracePeriodSequence.done;

import io.tracepoint4j.rcu.internal.RateLimit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A domain's callback task: takes what {@code call()} queued, drives a grace period for it, runs
 * it; also drives the grace periods {@code startPoll()} requested, and serves {@code barrier()}.
 */
final class CallbackTask implements Runnable {
    /*
     * Overview
     *   At most one task per domain is scheduled at a time, on the domain's executor (a shared cached
     *   pool of daemon threads unless the user gave one). A producer (call(), startPoll(),
     *   barrier(), pollState() of a pending cookie) queues its work, then schedules the task if it
     *   is not scheduled. The task loops while there is work: it waits CALLBACK_BATCH_NANOS so that
     *   more call()s join the batch, takes the whole queue, snapshots a cookie (a grace period that
     *   begins after every call() it took), has the engine drive the sequence to that cookie (and to
     *   any startPoll() request), then runs the batch in call order. When it finds no work it
     *   unschedules itself and re-checks, so no producer's wake-up is lost.
     *   barrier() queues a latch behind every earlier callback and waits for it to be run.
     *
     * Memory ordering
     *   [W1]/[W2] Dekker pair between producers (queue the work, then read taskScheduled) and the
     *        task (clear taskScheduled, then re-check for work). The producers' side is a CAS then
     *        a volatile read; the task's a volatile store, a full fence, then its acquire reads of
     *        the work: each side orders its store before its load, so no wake-up is lost.
     *   [W3] batchInFlight: volatile store of true before the task takes a batch, of false after
     *        the last user callback of the batch ran; acquire read by close() after it sealed the
     *        queue: a batch taken before the seal is seen in flight, so close() refuses.
     *   [T]  callbackThread: release store by the task, acquire read in barrier() to refuse a
     *        barrier from inside a callback (it would wait for itself).
     *   The queue's own labels ([Q1], [Q2], [Q3]) are defined in CallbackQueue.
     *
     * Failure modes
     *   The task catches every Throwable of an attempt (a membarrier that fails, a logging backend
     *   that throws while a callback's failure is reported, no memory): it stays scheduled, keeps
     *   the callbacks it had taken (batch), backs off and tries again; the failure is reported at
     *   most once per 10 s. Callbacks are taken off the batch before they run, so none runs twice.
     *   If the executor cannot start the task, it is unscheduled ([W1]) and the failure queued
     *   for the engine's log (never logged on the producer's thread, which may be a reader's at its
     *   stack limit: see GracePeriodEngine [LG]); the next producer starts it again, and barrier()
     *   re-checks while it waits.
     */

    /** Let more call()s arrive before paying for a grace period. */
    private static final long CALLBACK_BATCH_NANOS = 1_000_000;

    private static final int LOGGED_CALLBACK_FAILURES = 10;
    /** A failed attempt tries again after this, doubling up to MAX_RETRY_NANOS. */
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** barrier() re-checks that the task runs this often (it may have failed to start). */
    private static final long BARRIER_RECHECK_MILLIS = 100;

    private final GracePeriodEngine<?> engine;
    private final CallbackQueue queue = new CallbackQueue();
    /** Where the task runs. */
    private final Executor executor;

    @SuppressWarnings("unused") // accessed through TASK_SCHEDULED
    private boolean taskScheduled; // [W1]/[W2]

    @SuppressWarnings("unused") // accessed through BATCH_IN_FLIGHT
    private boolean batchInFlight; // [W3] callbacks taken but not all run yet

    @SuppressWarnings("unused") // accessed through CALLBACK_THREAD
    private Thread callbackThread; // [T]

    /**
     * Callbacks taken from the queue and not yet run, in call() order; task only. Kept when an
     * attempt fails, so that the next attempt resumes them.
     */
    private CallbackQueue.Node batch;
    /** The grace period {@link #batch} waits for; task only. */
    private long batchCookie;
    /** Task only: attempts that failed in a row, for the back-off. */
    private int failuresInARow;
    /** Task only. */
    private long callbackFailures;

    private final RateLimit failureReports = new RateLimit();

    CallbackTask(GracePeriodEngine<?> engine, Executor executor) {
        this.engine = engine;
        this.executor = executor;
    }

    // ---- what the engine asks ----

    /** Queues {@code callback}; false, with nothing queued, if close() sealed the queue. */
    boolean enqueue(Runnable callback) {
        return queue.enqueue(callback); // [Q1] the task's takeAll acquires everything before this
    }

    /** Makes sure the task runs: a no-op while it is scheduled. */
    void schedule() {
        if (!taskScheduledVolatile() && casTaskScheduled(false, true)) { // [W1] pairs with [W2]
            start();
        }
    }

    /** Whether callbacks are queued or taken and not all run; for close(). */
    boolean pending() {
        return !queue.isEmpty() || batchInFlightAcquire(); // [Q3] [W3]
    }

    /**
     * Seals the queue for close(): true if it was empty and no batch is in flight, so that no
     * callback can be queued any more; false, with the queue left as it was, otherwise.
     */
    boolean seal() {
        if (!queue.seal()) { // [Q1]
            return false;
        }
        if (batchInFlightAcquire()) { // [W3] a batch taken before the seal set the flag before taking
            queue.unseal(); // [Q1]
            return false;
        }
        return true;
    }

    boolean isSealed() {
        return queue.isSealed();
    }

    /**
     * Waits until every callback queued before this call has run; {@code awaitCloseOutcome} is
     * the engine's wait for a close() that sealed the queue under it.
     */
    void barrier() {
        if (Thread.currentThread() == callbackThreadAcquire()) { // [T]
            throw new IllegalStateException("barrier() called from a callback of " + engine
                    + ": it would wait for itself. Call it from another thread.");
        }
        BarrierCallback ran = new BarrierCallback();
        while (!queue.enqueue(ran)) { // [Q1] callbacks run in order: all earlier ones run first
            engine.awaitCloseOutcome("barrier"); // throws if close() closed the domain
        }
        schedule();
        boolean interrupted = false;
        while (true) {
            try {
                if (ran.await(BARRIER_RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                    break;
                }
                schedule(); // the task may have failed to start: try again
                engine.flushReports(); // and say so, from this thread (start() only queues its report)
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the task ----

    /**
     * Hands the scheduled task to the executor. If no thread can be had, the task is unscheduled
     * ([W1]) and the failure queued for the log.
     */
    private void start() {
        try {
            executor.execute(this);
        } catch (Throwable t) {
            setTaskScheduledVolatile(false); // [W1] the next producer schedules it again
            reportFailure(false, t);
        }
    }

    /** The task's work: callbacks queued or taken, or a grace period startPoll() requested. */
    private boolean hasWork() {
        return batch != null // task only
                || !queue.isEmpty() // [Q3]
                || engine.pollPending(); // acquire loads, see [W2]
    }

    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        String poolName = thread.getName();
        thread.setName("tracepoint4j-callbacks " + engine);
        try {
            while (true) {
                setCallbackThreadRelease(thread); // [T]
                try {
                    while (hasWork()) {
                        processCallbacks();
                    }
                } catch (Throwable t) {
                    setCallbackThreadRelease(null); // [T]
                    failed(t);
                    continue; // still scheduled: try again, resuming what was taken
                }
                failuresInARow = 0;
                setCallbackThreadRelease(null); // [T] before another task may start
                setTaskScheduledVolatile(false); // [W2] pairs with [W1]: then re-check for work
                // [W2] hasWork() reads with acquire loads, which a volatile store does not order
                // before itself (store-load): the fence makes this side of the Dekker pair
                // sequentially consistent.
                VarHandle.fullFence();
                if (!hasWork() || !casTaskScheduled(false, true)) { // [W2]
                    return;
                }
            }
        } finally {
            thread.setName(poolName);
        }
    }

    /** One round: take what call() queued, wait for its grace period, run it. */
    private void processCallbacks() {
        if (batch == null && !queue.isEmpty()) { // [Q3]
            LockSupport.parkNanos(this, CALLBACK_BATCH_NANOS); // batching: a grace period per batch
            setBatchInFlightVolatile(true); // [W3] before taking, so close() never misses the batch
            batch = queue.takeAll(); // [Q2]
            batchCookie = engine.snapshotCookie(); // after taking: a grace period that began after every call()
        }
        long requested = engine.pollRequest();
        engine.driveTo(batch == null ? requested : later(batchCookie, requested), false);
        runBatch();
    }

    /**
     * Runs the callbacks of {@link #batch} in order, each taken off the batch before it runs, so
     * that a failure of the task never runs one twice; what is left is resumed by the next attempt.
     */
    private void runBatch() {
        // barrier() latches are not pending work: clear the flag after the last user callback, so
        // that close() right after barrier() returns succeeds.
        CallbackQueue.Node lastUserCallback = null;
        for (CallbackQueue.Node node = batch; node != null; node = node.next) {
            if (!(node.callback instanceof BarrierCallback)) {
                lastUserCallback = node;
            }
        }
        if (lastUserCallback == null) {
            setBatchInFlightVolatile(false); // [W3]
        }
        while (batch != null) {
            CallbackQueue.Node node = batch;
            batch = node.next;
            try {
                node.callback.run();
            } catch (Throwable t) {
                reportCallbackFailure(t);
            }
            if (node == lastUserCallback) {
                setBatchInFlightVolatile(false); // [W3] pairs with close()'s acquire
            }
        }
    }

    private static long later(long a, long b) {
        return done(a, b) ? a : b;
    }

    /**
     * An attempt threw (out of memory or stack, a failing membarrier, a failing logging backend):
     * the task stays scheduled and keeps what it had taken ({@link #batch}), and tries again after
     * a back-off, so that barrier(), polls and close() keep working. Never throws.
     */
    private void failed(Throwable failure) {
        try {
            reportFailure(true, failure);
            engine.flushReports(); // the task's own thread: logs at once
            long backOff = MIN_RETRY_NANOS << Math.min(failuresInARow++, 10);
            LockSupport.parkNanos(this, Math.min(backOff, MAX_RETRY_NANOS));
        } catch (Throwable ignored) { // out of memory again: try again at once
        }
    }

    /** Queues a report (rate-limited) of the task failing ({@code running}) or failing to start. */
    private void reportFailure(boolean running, Throwable failure) {
        try {
            long unreported = failureReports.admit(System.nanoTime(), GracePeriodEngine.REPORT_INTERVAL_NANOS);
            if (unreported != RateLimit.SUPPRESS) {
                String message = running
                        ? "the callback task of " + engine + " failed; it tries again"
                        : "could not start the callback task of " + engine + " (it is started again by the next"
                                + " call(), startPoll(), pollState() or barrier())";
                engine.reportLater(
                        System.Logger.Level.WARNING,
                        message + (unreported == 0 ? "" : " (" + unreported + " more failures since the last report)"),
                        failure);
            }
        } catch (Throwable ignored) { // out of memory or stack: this report is lost
        }
    }

    /** Logs a callback's failure; a failing logging backend fails this attempt of the task (see failed). */
    private void reportCallbackFailure(Throwable t) {
        long failures = ++callbackFailures;
        if (failures <= LOGGED_CALLBACK_FAILURES || Long.bitCount(failures) == 1) {
            GracePeriodEngine.log().log(
                    System.Logger.Level.WARNING,
                    "a callback of " + engine + " threw (failure " + failures + "; the first "
                            + LOGGED_CALLBACK_FAILURES + " and then every power of two are logged)",
                    t);
        }
    }

    /** The callback barrier() queues: a latch, not user work. */
    private static final class BarrierCallback extends CountDownLatch implements Runnable {
        BarrierCallback() {
            super(1);
        }

        @Override
        public void run() {
            countDown();
        }
    }

    // ---- accessors ----

    private boolean taskScheduledVolatile() {
        return (boolean) TASK_SCHEDULED.getVolatile(this);
    }

    private void setTaskScheduledVolatile(boolean value) {
        TASK_SCHEDULED.setVolatile(this, value);
    }

    private boolean casTaskScheduled(boolean expected, boolean value) {
        return TASK_SCHEDULED.compareAndSet(this, expected, value);
    }

    private boolean batchInFlightAcquire() {
        return (boolean) BATCH_IN_FLIGHT.getAcquire(this);
    }

    private void setBatchInFlightVolatile(boolean value) {
        BATCH_IN_FLIGHT.setVolatile(this, value);
    }

    private Thread callbackThreadAcquire() {
        return (Thread) CALLBACK_THREAD.getAcquire(this);
    }

    private void setCallbackThreadRelease(Thread value) {
        CALLBACK_THREAD.setRelease(this, value);
    }

    private static final VarHandle TASK_SCHEDULED;
    private static final VarHandle BATCH_IN_FLIGHT;
    private static final VarHandle CALLBACK_THREAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TASK_SCHEDULED = lookup.findVarHandle(CallbackTask.class, "taskScheduled", boolean.class);
            BATCH_IN_FLIGHT = lookup.findVarHandle(CallbackTask.class, "batchInFlight", boolean.class);
            CALLBACK_THREAD = lookup.findVarHandle(CallbackTask.class, "callbackThread", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
