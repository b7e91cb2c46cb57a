package io.tracepoint4j.torture;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The callbacks a flavor torture queues on its domain: the aging steps of objects retired through
 * call(), and the updaters' barrier checks. Each is counted, so that the end of the run can tell
 * when none is left, and checked not to run inline on a harness thread.
 */
final class HarnessCallbacks {
    /*
     * Design note.
     *
     * Overview: rcutorture's rcu_torture_cb. queueStep(item) queues a callback that ages the
     * object one step (FlavorTorture.age) and, unless that freed it, queues the next step, so each
     * step is one full grace period after the previous one. Every callback, steps and barrier
     * checks alike, goes through queue(): counted as queued before call(), as invoked when it
     * runs, and as done at its very end; a callback that throws is a failure of the run.
     *
     * Concurrency: updaters queue callbacks; the domain runs them on its own threads, where a
     * step queues the next one. call() happens-before its callback (RcuDomain's contract), so a
     * call()-retired object has one writer at a time (PipelineItem's design note). The watchdog
     * drains the callbacks after the workers stopped (Watchdog.drainCallbacks).
     *
     * Memory ordering:
     *   [K2] the increments (before call()) and decrements (at a callback's end) of `outstanding`
     *        are atomic  and pair with  [K3] its volatile read through outstandingVolatile() in
     *        Watchdog.drainCallbacks, after barrier() returned: the count is exact (Invariants).
     *   [K]  FlavorTorture [K]: `queued` and `invoked` are counts only (LongAdder), summed after the drain.
     *
     * Invariants: `outstanding` counts queued-but-not-finished callbacks; a callback that queues
     * the next step increments it before decrementing its own, so it reaches 0 only when no
     * harness callback is queued.
     */

    private final FlavorTorture torture;
    private final AtomicLong outstanding = new AtomicLong();
    private final LongAdder queued = new LongAdder();
    private final LongAdder invoked = new LongAdder();

    HarnessCallbacks(FlavorTorture torture) {
        this.torture = torture;
    }

    /** Queues the next aging step of a call()-retired object. */
    void queueStep(PipelineItem item) {
        queue(() -> {
            if (!torture.age(item)) {
                queueStep(item); // the next step needs a grace period that begins after this one
            }
        });
    }

    /** Queues {@code body} as a callback of the domain: counted, and checked not to run inline. */
    void queue(Runnable body) {
        outstanding.incrementAndGet(); // [K2] pairs with [K3]: before call(), see the Invariants
        queued.increment(); // [K] a count only
        try {
            torture.domain.call(() -> invoke(body));
        } catch (RuntimeException | Error e) {
            done();
            throw e;
        }
    }

    /** Queued-but-not-finished callbacks; exact once barrier() ordered the callbacks before it. */
    long outstandingVolatile() {
        return outstanding.get(); // [K3] pairs with [K2]
    }

    long queuedCount() {
        return queued.sum();
    }

    long invokedCount() {
        return invoked.sum();
    }

    private void invoke(Runnable body) {
        try {
            invoked.increment(); // [K] a count only
            checkNotInline();
            body.run();
        } catch (Throwable t) {
            torture.fail("a callback failed on " + Thread.currentThread().getName(), t);
        } finally {
            done(); // after a step's queue() of the next one: never 0 early
        }
    }

    private void done() {
        outstanding.decrementAndGet(); // [K2] pairs with [K3]
    }

    private void checkNotInline() {
        if (TortureWorker.onHarnessThread()) {
            torture.fail("a callback ran inline on harness thread " + TortureWorker.harnessThreadName()
                    + " (callbacks must run on the domain's own thread)");
        }
    }
}
