package io.tracepoint4j.torture;

import io.tracepoint4j.rcu.Srcu;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A deliberately broken SRCU domain, for tests only: the read side is a real {@link Srcu}, the
 * update side skips the wait for readers in the ways {@link Breakage} lists. The torture harness
 * must catch every one of them. It lives in the test tree so that no command line can reach it.
 */
final class BrokenSrcu implements Srcu {
    /*
     * Design note.
     *
     * Overview: wraps a real domain; everything it does not break is delegated. Callbacks of a
     * broken call() still run on a thread of their own (never inline), one at a time and in
     * order, so that barrier() stays correct and the only thing wrong is the missing grace period.
     *
     * Memory ordering: only what the JDK gives: ExecutorService.submit() happens-before the task,
     * the task happens-before Future.get() returns; CountDownLatch.countDown() happens-before
     * await() returns.
     */

    /** What the domain gets wrong. */
    enum Breakage {
        /** synchronize() and synchronizeExpedited() return at once. */
        SYNCHRONIZE,
        /** call() runs the callback at once (on the domain's callback thread). */
        CALL,
        /** every cookie polls as done at once. */
        POLL,
        /** synchronize() and synchronizeExpedited() never return until {@link #release()}. */
        HANG_SYNCHRONIZE
    }

    private final Srcu real;
    private final Set<Breakage> breakages;
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("broken-srcu-callbacks").factory());
    private final CountDownLatch released = new CountDownLatch(1);

    BrokenSrcu(Srcu real, Set<Breakage> breakages) {
        this.real = real;
        this.breakages = EnumSet.copyOf(breakages);
    }

    /** Lets hung synchronize() calls return, so a test leaves no thread stuck behind. */
    void release() {
        released.countDown();
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public ReadSection read() {
        return real.read();
    }

    @Override
    public boolean inReadSection() {
        return real.inReadSection();
    }

    @Override
    public int readLock() {
        return real.readLock();
    }

    @Override
    public void readUnlock(int token) {
        real.readUnlock(token);
    }

    @Override
    public int downRead() {
        return real.downRead();
    }

    @Override
    public void upRead(int token) {
        real.upRead(token);
    }

    @Override
    public void synchronize() {
        if (breakages.contains(Breakage.HANG_SYNCHRONIZE)) {
            awaitRelease();
        } else if (!breakages.contains(Breakage.SYNCHRONIZE)) {
            real.synchronize();
        }
    }

    @Override
    public void synchronizeExpedited() {
        if (breakages.contains(Breakage.HANG_SYNCHRONIZE)) {
            awaitRelease();
        } else if (!breakages.contains(Breakage.SYNCHRONIZE)) {
            real.synchronizeExpedited();
        }
    }

    @Override
    public void call(Runnable callback) {
        if (breakages.contains(Breakage.CALL)) {
            callbacks.execute(callback);
        } else {
            real.call(callback);
        }
    }

    @Override
    public void barrier() {
        real.barrier();
        try {
            callbacks.submit(() -> {}).get(); // single thread, FIFO: every earlier one has run
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in barrier()", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public long state() {
        return real.state();
    }

    @Override
    public long startPoll() {
        return breakages.contains(Breakage.POLL) ? real.state() : real.startPoll();
    }

    @Override
    public boolean pollState(long cookie) {
        return breakages.contains(Breakage.POLL) || real.pollState(cookie);
    }

    @Override
    public long completedGracePeriods() {
        return real.completedGracePeriods();
    }

    @Override
    public void close() {
        callbacks.shutdown();
        real.close();
    }

    private void awaitRelease() {
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hanging on purpose", e);
        }
    }
}
