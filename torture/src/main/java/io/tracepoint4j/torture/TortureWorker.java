package io.tracepoint4j.torture;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread of a flavor torture that the {@link Watchdog} watches, a reader or an updater: a name,
 * the thread once started, and a progress count. A worker that throws is reported as dead, which
 * ends the run.
 */
abstract sealed class TortureWorker implements Runnable permits TortureReader, TortureUpdater {
    /*
     * Design note.
     *
     * Overview: the loop of a worker is its subclass's; this class runs it on the worker's own
     * thread, counts its progress for the watchdog and marks the thread as a harness thread.
     *
     * Concurrency: start() runs on the run's calling thread, the watchdog's, which alone reads
     * `thread` afterwards. The loop runs on that thread, with HARNESS_THREAD bound throughout
     * (and bound again in an overflowing reader's round threads, through asHarnessThread()): a
     * domain callback that finds it bound ran inline on a harness thread (HarnessCallbacks).
     *
     * Memory ordering:
     *   [G1] madeProgress: progress.setOpaque (this worker)  pairs with  [G2] in Watchdog.watch,
     *        through progressOpaque(): a progress count only; no data travels with it.
     */

    /** Bound in every harness thread: a domain callback that finds it bound ran inline. */
    private static final ScopedValue<String> HARNESS_THREAD = ScopedValue.newInstance();

    final FlavorTorture torture;
    final String name;
    private final AtomicLong progress = new AtomicLong();
    Thread thread;

    TortureWorker(FlavorTorture torture, String name) {
        this.torture = torture;
        this.name = name;
    }

    void start() {
        thread = threadBuilder().name(name).unstarted(this);
        thread.start();
    }

    Thread.Builder threadBuilder() {
        return Thread.ofPlatform().daemon();
    }

    @Override
    public final void run() {
        asHarnessThread(name, () -> {
            try {
                loop(ThreadLocalRandom.current());
            } catch (Throwable t) {
                torture.fail(name + " died", t);
            }
        });
    }

    /** The worker's life; returns when the run asks it to stop. */
    abstract void loop(ThreadLocalRandom random);

    void madeProgress(long count) {
        progress.setOpaque(count); // [G1] pairs with [G2] in Watchdog.watch: a progress count only
    }

    long progressOpaque() {
        return progress.getOpaque();
    }

    /** Runs {@code body} as the harness thread {@code name}. */
    static void asHarnessThread(String name, Runnable body) {
        ScopedValue.where(HARNESS_THREAD, name).run(body);
    }

    /** Whether the caller runs on a harness thread: a worker's, or an overflow round's. */
    static boolean onHarnessThread() {
        return HARNESS_THREAD.isBound();
    }

    /** The name of the harness thread the caller runs on; only when {@link #onHarnessThread()}. */
    static String harnessThreadName() {
        return HARNESS_THREAD.get();
    }
}
