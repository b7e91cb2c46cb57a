package io.tracepoint4j.torture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The calling thread's part of a flavor torture: waits out the run, ends it early on a failure or
 * a stalled worker, and after the stop request joins the workers, drains the harness callbacks and
 * closes the domain, each bounded by the stall timeout. Whatever hangs is reported, with stacks on
 * the run's diagnostics stream, instead of hanging the harness.
 */
final class Watchdog {
    /*
     * Design note.
     *
     * Overview: watch() returns at the deadline, on the first failure anywhere, or when a worker's
     * progress count did not change for the stall timeout. FlavorTorture.run then requests the
     * stop, and joinAll(), drainCallbacks() and closeDomain() end the run in that order.
     * drainCallbacks() runs barrier() until no harness callback is queued: callbacks queue their
     * next step after the barrier began, so it takes up to one barrier per pipeline step.
     * closeDomain() retries a refused close() for a while: a grace period a poller started may
     * still be finishing, but with nothing outstanding a refusal that lasts is a bug.
     *
     * Concurrency: one thread, the run's caller, calls every method. barrier() and close() run on
     * a helper thread (bounded()) that is waited for at most the stall timeout and then abandoned
     * (a daemon). Once joinAll() returned true, every worker's writes happen-before the reads of
     * its counters (stillRunningAfter: Thread.join, then Thread.isAlive).
     *
     * Memory ordering:
     *   [G2] progressOpaque, in watch()  pairs with  [G1] in TortureWorker.madeProgress: a
     *        progress count only.
     *   [K3] HarnessCallbacks.outstandingVolatile, read after barrier() returned  pairs with
     *        [K2] there: barrier() ordered every earlier callback before it, so the count is exact.
     *   [K]  FlavorTorture [K]: failed(): any failure ends the run; only the count is read.
     */

    private static final long TICK_MILLIS = 50;

    private final FlavorTorture torture;
    private final TortureSettings settings;
    private final List<TortureWorker> workers;

    Watchdog(FlavorTorture torture, List<TortureWorker> workers) {
        this.torture = torture;
        this.settings = torture.settings;
        this.workers = List.copyOf(workers);
    }

    /** Waits out the run on the calling thread; returns early on a failure or a stall. */
    void watch(long start) {
        long deadline = start + settings.duration().toNanos();
        long stallNanos = settings.stallTimeout().toNanos();
        long[] lastProgress = new long[workers.size()];
        long[] lastChange = new long[workers.size()];
        Arrays.fill(lastChange, start);
        while (true) {
            long now = System.nanoTime();
            if (now - deadline >= 0 || torture.failed()) { // [K] any failure ends the run
                return;
            }
            for (int i = 0; i < workers.size(); i++) {
                TortureWorker worker = workers.get(i);
                long progress = worker.progressOpaque(); // [G2] pairs with [G1]
                if (progress != lastProgress[i]) {
                    lastProgress[i] = progress;
                    lastChange[i] = now;
                } else if (now - lastChange[i] > stallNanos) {
                    torture.fail(worker.name + " made no progress for " + seconds(stallNanos)
                            + " (a grace period, poll or read-side call hung?); stacks on stderr");
                    dumpStacks(worker.thread);
                    return;
                }
            }
            sleepMillis(Math.min(TICK_MILLIS, Math.max(1, (deadline - now) / 1_000_000)));
        }
    }

    /** Joins the workers within one stall timeout; reports each that did not stop. */
    boolean joinAll() {
        List<Thread> running =
                stillRunningAfter(workers.stream().map(worker -> worker.thread).toList(), settings.stallTimeout());
        for (TortureWorker worker : workers) {
            if (running.contains(worker.thread)) {
                torture.fail(worker.name + " did not stop within "
                        + settings.stallTimeout().toSeconds() + " s after the run ended; stacks on stderr");
                dumpStacks(worker.thread);
            }
        }
        return running.isEmpty();
    }

    /** Runs barrier() until no harness callback is queued (design note). */
    void drainCallbacks() {
        HarnessCallbacks callbacks = torture.callbacks;
        int rounds = 0;
        // [K3] pairs with [K2]: read after barrier() ordered every earlier callback before it
        while (callbacks.outstandingVolatile() > 0 && rounds < 2 * PipelineItem.FREED_AGE + 2) {
            rounds++;
            if (!bounded("barrier()", torture.domain::barrier)) {
                return;
            }
        }
        long left = callbacks.outstandingVolatile(); // [K3] pairs with [K2]
        if (left > 0) {
            torture.fail(left + " callbacks still had not run after " + rounds + " barrier() calls");
        }
        if (callbacks.invokedCount() != callbacks.queuedCount()) {
            torture.fail(callbacks.queuedCount() + " callbacks queued but " + callbacks.invokedCount() + " ran");
        }
    }

    /** close() after the run: nothing is outstanding, so a refusal that lasts is a bug. */
    void closeDomain() {
        bounded("close()", () -> {
            long giveUp = System.nanoTime() + Math.min(settings.stallTimeout().toNanos(), 5_000_000_000L);
            while (true) {
                try {
                    torture.domain.close();
                    return;
                } catch (IllegalStateException refused) {
                    if (System.nanoTime() - giveUp >= 0) {
                        torture.fail("close() still refuses with every reader stopped and every callback run: "
                                + refused.getMessage());
                        return;
                    }
                    sleepMillis(10); // e.g. a grace period a poller started is still finishing
                }
            }
        });
    }

    /**
     * Joins {@code threads} within one shared {@code timeout} and returns those still running
     * then, in order. A thread not returned has terminated, and its writes happen-before the
     * return (Thread.join, Thread.isAlive). The tracepoint torture ends its run with this too.
     */
    static List<Thread> stillRunningAfter(List<Thread> threads, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Thread> running = new ArrayList<>();
        for (Thread thread : threads) {
            long left = Math.max(1, deadline - System.nanoTime());
            try {
                thread.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                running.add(thread);
            }
        }
        return running;
    }

    /** Runs {@code action} on a helper thread, waiting at most the stall timeout. */
    private boolean bounded(String what, Runnable action) {
        Thread helper = Thread.ofPlatform()
                .daemon()
                .name(torture.threadName("shutdown", 0))
                .start(() -> {
                    try {
                        action.run();
                    } catch (Throwable t) {
                        torture.fail(what + " threw", t);
                    }
                });
        try {
            if (helper.join(settings.stallTimeout())) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        torture.fail(what + " did not return within " + settings.stallTimeout().toSeconds() + " s; stacks on stderr");
        dumpStacks(helper);
        return false;
    }

    /** Stacks of {@code culprit}, then every worker and the domain's own threads. */
    private void dumpStacks(Thread culprit) {
        StringBuilder out = new StringBuilder();
        out.append("torture ")
                .append(torture.flavor)
                .append(": stacks (culprit first)")
                .append(System.lineSeparator());
        appendStack(out, culprit, culprit.getStackTrace());
        for (TortureWorker worker : workers) {
            if (worker.thread != culprit) {
                appendStack(out, worker.thread, worker.thread.getStackTrace());
            }
        }
        for (Map.Entry<Thread, StackTraceElement[]> e :
                Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            boolean domainThread = name.startsWith("tracepoint4j-") || name.contains(torture.domain.name());
            if (e.getKey() != culprit && !name.startsWith(torture.threadNamePrefix()) && domainThread) {
                appendStack(out, e.getKey(), e.getValue());
            }
        }
        synchronized (torture.diagnostics) {
            torture.diagnostics.print(out);
            torture.diagnostics.flush();
        }
    }

    private static void appendStack(StringBuilder out, Thread thread, StackTraceElement[] stack) {
        out.append('"')
                .append(thread.getName())
                .append("\" ")
                .append(thread.getState())
                .append(thread.isVirtual() ? " (virtual)" : "")
                .append(System.lineSeparator());
        for (StackTraceElement frame : stack) {
            out.append("    at ").append(frame).append(System.lineSeparator());
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
