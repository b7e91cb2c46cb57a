package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.RcuDomain;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * An updater of a flavor torture: replaces the current object, retires the old one through the
 * grace-period methods in turn, and checks barrier() every {@link #BARRIER_CHECK_EVERY} updates.
 */
final class TortureUpdater extends TortureWorker {
    /*
     * Design note.
     *
     * Overview: each update makes a fresh object current and retires the old one by the next
     * GpMethod in turn (each updater starts at a different one, so concurrent updaters mix
     * methods). synchronize(), synchronizeExpedited() and polling append the old object to this
     * updater's own pipeline, wait for a grace period, then age every object in the pipeline one
     * step; call() hands the object to HarnessCallbacks, which age it one step per callback.
     * FlavorTorture's design note says why each step is covered by a full grace period, and why
     * the pipeline must be private. Polling takes startPoll() half the time and state() the other
     * half, requesting a grace period itself if nobody did within POLL_KICK_NANOS; its cookies
     * must be monotone. rcutorture's barrier test: a callback queued just before barrier() must
     * have run when barrier() returns. Updaters pause randomly between updates.
     *
     * Concurrency: the pipeline, the last cookie and the counters are this updater's own; the
     * counters are read by FlavorReport.of after the watchdog joined this updater.
     *
     * Memory ordering:
     *   [C1] FlavorTorture [C1]: getAndSetCurrent, a volatile getAndSet  pairs with  [C2] currentAcquire in the
     *        readers: message passing; a reader sees a fully built object. Only this updater got
     *        the old object from the getAndSet, so it alone ages it 0 -> 1.
     *   [S2] stoppingOpaque  pairs with  [S1] in FlavorTorture.run: a stop request only.
     *   [B1] ran.setRelease (the barrier check's callback)  pairs with  [B2] ran.getAcquire
     *        (after barrier() returned): message passing; barrier() itself should order it, this
     *        makes the check independent of that.
     *
     * Invariants: cookies from one updater are monotone.
     */

    private static final int BARRIER_CHECK_EVERY = 32;
    private static final long POLL_INTERVAL_NANOS = 20_000;
    private static final long POLL_KICK_NANOS = 1_000_000;

    private final int index;
    private final RcuDomain domain;
    private final GpMethod[] methods;
    private final long updaterDelayNanos;
    /** Objects this updater retired and ages after each of its own grace periods. */
    private final ArrayDeque<PipelineItem> pipeline = new ArrayDeque<>();

    final long[] byMethod = new long[GpMethod.values().length];
    long updates;
    long barrierChecks;
    private long lastCookie;
    private boolean haveCookie;

    TortureUpdater(FlavorTorture torture, String name, int index) {
        super(torture, name);
        this.index = index;
        this.domain = torture.domain;
        this.methods = torture.settings.methods().stream().sorted().toArray(GpMethod[]::new);
        this.updaterDelayNanos = torture.settings.updaterDelay().toNanos();
    }

    @Override
    void loop(ThreadLocalRandom random) {
        int next = index % methods.length; // concurrent updaters start at different methods
        while (!torture.stoppingOpaque()) { // [S2] pairs with [S1] in FlavorTorture.run
            PipelineItem fresh = new PipelineItem(torture.nextSerial());
            PipelineItem old = torture.getAndSetCurrent(fresh); // [C1] pairs with [C2] in the readers
            old.advanceAge(); // 0 -> 1: replaced; only this updater got `old` from getAndSet
            GpMethod method = methods[next];
            next = (next + 1) % methods.length;
            switch (method) {
                // Each wait below is requested after the replacement above (program order):
                // that is what lets agePipeline() age every listed object one step.
                case SYNCHRONIZE -> {
                    pipeline.add(old);
                    domain.synchronize();
                    agePipeline();
                }
                case EXPEDITED -> {
                    pipeline.add(old);
                    domain.synchronizeExpedited();
                    agePipeline();
                }
                case CALL -> torture.callbacks.queueStep(old);
                case POLL -> {
                    pipeline.add(old);
                    pollForGracePeriod();
                    agePipeline();
                }
            }
            byMethod[method.ordinal()]++;
            madeProgress(++updates);
            if (updates % BARRIER_CHECK_EVERY == 1) { // the first update, then every 32nd
                barrierCheck();
            }
            if (updaterDelayNanos > 0) {
                LockSupport.parkNanos(random.nextLong(updaterDelayNanos + 1));
            }
        }
    }

    /** One step for every object of this updater's pipeline; drops those it freed. */
    private void agePipeline() {
        for (Iterator<PipelineItem> it = pipeline.iterator(); it.hasNext(); ) {
            if (torture.age(it.next())) {
                it.remove();
            }
        }
    }

    /**
     * Half the time startPoll() (completes by itself), half the time state(), which only
     * completes when someone requests a grace period: if nobody has within a millisecond,
     * this updater does with startPoll(), and still polls the first cookie.
     */
    private void pollForGracePeriod() {
        boolean requested = ThreadLocalRandom.current().nextBoolean();
        long cookie = requested ? domain.startPoll() : domain.state();
        checkMonotone(cookie, requested ? "startPoll()" : "state()");
        long kickAt = System.nanoTime() + POLL_KICK_NANOS;
        while (!domain.pollState(cookie)) {
            if (!requested && System.nanoTime() - kickAt >= 0) {
                checkMonotone(domain.startPoll(), "startPoll()");
                requested = true;
            }
            LockSupport.parkNanos(POLL_INTERVAL_NANOS);
        }
    }

    private void checkMonotone(long cookie, String how) {
        if (haveCookie && cookie < lastCookie) {
            torture.fail(name + ": " + how + " returned cookie " + cookie + " after cookie " + lastCookie
                    + " (cookies must be monotone)");
        }
        lastCookie = cookie;
        haveCookie = true;
    }

    /** rcutorture's barrier test: a callback queued just before barrier() has run when it returns. */
    private void barrierCheck() {
        AtomicBoolean ran = new AtomicBoolean();
        torture.callbacks.queue(() -> ran.setRelease(true)); // [B1] pairs with [B2] below
        domain.barrier();
        barrierChecks++;
        if (!ran.getAcquire()) { // [B2] pairs with [B1]
            torture.fail(name + ": barrier() returned before a callback queued just before it had run");
        }
    }
}
