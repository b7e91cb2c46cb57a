package io.tracepoint4j.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The entry barrier pair of one domain: the reader's half, run after every section's entry store,
 * and the grace period's half, run once per grace period; with the policy that moves the cost from
 * grace periods to readers while membarrier is slow (adaptive reader fences).
 */
final class AdaptiveReaderFences {
    /*
     * Overview
     *   The pair is asymmetric. Normally the reader's half [B] is nothing (the entry store is
     *   followed by no fence) and the grace period's half [A] is a membarrier, which makes every
     *   CPU running the process execute a full fence (see GracePeriodEngine for why that suffices).
     *   On a machine where membarrier is unavailable (ReadSideBarrier.FENCED), every reader fences
     *   and [A] is a full fence.
     *   membarrier interrupts every CPU running the process; on a VM that can cost 50 µs per grace
     *   period while readers run. When SLOW_BARRIERS_BEFORE_READER_FENCE in a row take longer than
     *   readerFenceAfterNanos, each grace period beginning within idleNanos (50 ms) of the
     *   previous one's end, the policy sets readerFence (the idea of RCU Tasks Trace's need_mb);
     *   readers load it right after their entry store and, when set, follow the store with a full
     *   fence of their own. The next membarrier "establishes" it, and from then on [A] is a plain
     *   full fence, until grace periods have been idle idleNanos and the flag is
     *   cleared (the next [A] is a membarrier again).
     *
     * Why only grace periods that keep coming: each change of readerFence costs the readers more
     *   than the membarriers it saves unless they are many. Compiled readers that never saw the
     *   flag set carry an uncommon trap for it, so setting it deoptimizes every hot reader at once,
     *   and the recompiled code may inline less (a recorded event took 8 ns more for the rest of a
     *   run: bench/README.md, "Grace periods"). Slow grace periods half a second apart (a tracer
     *   session's flush) would set it every third one and clear it 50 ms later, for nothing.
     *
     * Concurrency
     *   readerFence (a field of the engine, so that readers load it from the object they hold; only
     *   this file touches it): written by the engine's gpLock holder, read by every reader.
     *   Everything else is gpLock-only: updaterBarrier() runs under it, the relax task and state() take it.
     *
     * Memory ordering
     *   [B]  the reader's half: a full fence when readers fence, else nothing. Pairs with [A] (store
     *        buffering, asymmetric).
     *   [A]  the grace period's half: membarrier, or a full fence once reader fences are
     *        established. Pairs with every reader's [B].
     *   [RF] readerFence: volatile stores by the gpLock holder, opaque loads by readers right after
     *        their entry store. Why a fence suffices once established: a reader that loaded the
     *        flag as set fenced between its entry store and its section's loads (store buffering
     *        with [A]). A reader that loaded it clear did that load before its CPU's fence in the
     *        establishing membarrier (every load after that fence sees the flag, stored before the
     *        membarrier), so its entry store, earlier in program order, was visible after that
     *        membarrier, hence to every later scan. Relies, like [B], on HotSpot not moving the
     *        flag load above the opaque entry store (see ReadSideBarrier). Cleared only under
     *        gpLock, between grace periods: no grace period is between its [A] and its scans.
     *
     * Failure modes
     *   If the relax task cannot be scheduled, readers go on fencing: safe, only slower; reported.
     */

    /** Slow membarriers in consecutive grace periods it takes: a slow call or two may be warm-up. */
    private static final int SLOW_BARRIERS_BEFORE_READER_FENCE = 3;

    private final GracePeriodEngine<?> engine;
    /** A membarrier slower than this makes readers fence; negative: never. */
    private final long readerFenceAfterNanos;
    /**
     * Readers that fence keep doing so until no grace period has run for this long; slow grace
     * periods further apart than this do not count as in a row.
     */
    private final long idleNanos;
    /** Where the relax task runs. */
    private final Executor executor;

    /** gpLock only: readerFence is set and a membarrier ran since it was set, so [A] may be a fence. */
    private boolean established;
    /** gpLock only: membarriers slower than readerFenceAfterNanos in consecutive grace periods. */
    private int slowBarriersInARow;
    /** gpLock only: when the last grace period ended, for the relax task and the count of slow ones. */
    private long lastGracePeriodEnd;
    /** gpLock only: whether a grace period has ended, so that lastGracePeriodEnd means something. */
    private boolean anyEnded;

    private final Runnable relax = new Relax();

    AdaptiveReaderFences(GracePeriodEngine<?> engine, long readerFenceAfterNanos, long idleNanos, Executor executor) {
        this.engine = engine;
        this.readerFenceAfterNanos = readerFenceAfterNanos;
        this.idleNanos = idleNanos;
        this.executor = executor;
    }

    /**
     * The reader's half: called right after a section's entry store in {@code engine}'s domain.
     * Static, and the flag a field of the engine ({@link GracePeriodEngine#readerFence}), so that
     * the read side loads it from the engine it already holds: one load, no hop through this
     * object.
     */
    static void readerBarrier(GracePeriodEngine<?> engine) {
        if (ReadSideBarrier.current() == ReadSideBarrier.FENCED || readerFenceOpaque(engine)) { // [RF]
            VarHandle.fullFence(); // [B] pairs with [A] (store buffering)
        }
    }

    /** The grace period's half; gpLock held. */
    void updaterBarrier() {
        assert engine.gpLock.isHeldByCurrentThread();
        if (established) {
            VarHandle.fullFence(); // [A] pairs with fenced readers' [B]; the others are visible ([RF])
            return;
        }
        long start = System.nanoTime();
        ReadSideBarrier.heavyBarrier(); // [A] pairs with every reader's [B]
        long took = System.nanoTime() - start;
        if (readerFenceOpaque(engine)) { // [RF] set before that membarrier: it is now established
            established = true;
            return;
        }
        boolean slow = ReadSideBarrier.current() == ReadSideBarrier.MEMBARRIER
                && readerFenceAfterNanos >= 0
                && took > readerFenceAfterNanos;
        boolean keepComing = anyEnded && start - lastGracePeriodEnd < idleNanos;
        slowBarriersInARow = !slow ? 0 : keepComing ? slowBarriersInARow + 1 : 1; // after an idle spell: afresh
        if (slowBarriersInARow >= SLOW_BARRIERS_BEFORE_READER_FENCE) {
            setReaderFenceVolatile(true); // [RF] readers that load it fence; the next membarrier establishes it
            engine.reportLater(
                    System.Logger.Level.DEBUG,
                    engine + ": membarrier took " + took / 1000
                            + " µs; readers fence their entries while grace periods keep coming",
                    null);
            scheduleRelax();
        }
    }

    /** A grace period ended; gpLock held. */
    void gracePeriodEnded() {
        lastGracePeriodEnd = System.nanoTime();
        anyEnded = true;
    }

    /** For tests and diagnostics: "off", "set" (readers fence, not yet established) or "established". */
    String state() {
        engine.gpLock.lock();
        try {
            return established ? "established" : readerFenceOpaque(engine) ? "set" : "off"; // [RF]
        } finally {
            engine.gpLock.unlock();
        }
    }

    private void scheduleRelax() {
        try {
            CompletableFuture.delayedExecutor(idleNanos, TimeUnit.NANOSECONDS, executor)
                    .execute(relax);
        } catch (Throwable t) { // readers go on fencing, which is safe, only slower
            engine.reportLater(
                    System.Logger.Level.WARNING, engine + ": could not schedule the end of reader fences", t);
        }
    }

    /** Stops reader fences once grace periods have been idle a while; the next [A] is a membarrier. */
    private final class Relax implements Runnable {
        @Override
        public void run() {
            if (engine.gpLock.tryLock()) {
                try {
                    if (System.nanoTime() - lastGracePeriodEnd >= idleNanos) {
                        established = false;
                        slowBarriersInARow = 0; // judge membarrier afresh
                        setReaderFenceVolatile(
                                false); // [RF] under gpLock: no grace period is between [A] and its scans
                        engine.reportLater(
                                System.Logger.Level.DEBUG, engine + ": readers stop fencing their entries", null);
                        return;
                    }
                } finally {
                    engine.unlockAndFlushReports();
                }
            }
            scheduleRelax();
        }
    }

    // ---- accessors ----

    private static boolean readerFenceOpaque(GracePeriodEngine<?> engine) {
        return (boolean) READER_FENCE.getOpaque(engine);
    }

    private void setReaderFenceVolatile(boolean value) {
        READER_FENCE.setVolatile(engine, value);
    }

    private static final VarHandle READER_FENCE;

    static {
        try {
            READER_FENCE = MethodHandles.lookup().findVarHandle(GracePeriodEngine.class, "readerFence", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
