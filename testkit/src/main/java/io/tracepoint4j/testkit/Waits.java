package io.tracepoint4j.testkit;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Background calls and bounded waits for concurrency tests: what must happen is awaited at most
 * {@link #LONG} (a hang fails the test instead of the build), what must not happen (yet) is watched
 * for {@link #SHORT}.
 */
public final class Waits {

    /** How long a test waits for something that must happen; a hang fails after this. */
    public static final Duration LONG = Duration.ofSeconds(10);

    /** How long a test watches something that must not happen (yet). */
    public static final Duration SHORT = Duration.ofMillis(200);

    private Waits() {}

    /** Runs {@code body} on a new daemon platform thread named {@code name}. */
    public static <T> CompletableFuture<T> async(String name, Callable<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        result.complete(body.call());
                    } catch (Throwable e) {
                        result.completeExceptionally(e);
                    }
                },
                name);
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** Runs {@code body} on a new daemon platform thread named {@code name}. */
    public static CompletableFuture<Void> async(String name, Runnable body) {
        return async(name, () -> {
            body.run();
            return null;
        });
    }

    /** Waits at most {@link #LONG} for {@code future}; fails with {@code what} on timeout. */
    public static <T> T await(Future<T> future, String what) {
        try {
            return future.get(LONG.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("timed out after " + LONG + " waiting for " + what);
        } catch (ExecutionException e) {
            return fail(what + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted waiting for " + what);
        }
    }

    /** Waits at most {@link #LONG} for {@code latch}; fails with {@code what} on timeout. */
    public static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("timed out after " + LONG + " waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted waiting for " + what);
        }
    }

    /** Watches {@code future} for {@link #SHORT} and asserts it has not completed. */
    public static void assertBlocked(Future<?> future, String what) {
        try {
            Object v = future.get(SHORT.toMillis(), TimeUnit.MILLISECONDS);
            fail(what + " completed (with " + v + ") but must still be waiting");
        } catch (TimeoutException expected) {
            // still waiting, as it must
        } catch (ExecutionException e) {
            fail(what + " failed but must still be waiting", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** Polls {@code condition} until it holds, failing after {@link #LONG}. */
    public static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + LONG + " waiting until " + what.get());
            }
            sleep(1);
        }
    }

    /** The most garbage collections {@link #awaitCollected} runs. */
    public static final int MAX_GCS = 20;

    /**
     * Runs the garbage collector until {@code reference} is cleared, {@link #MAX_GCS} times at
     * most, and fails if it is not: for a class loader (or any object) that nothing may keep alive.
     */
    public static void awaitCollected(java.lang.ref.Reference<?> reference, String what) {
        int gcs = 0;
        while (reference.get() != null && gcs < MAX_GCS) {
            System.gc();
            sleep(20);
            gcs++;
        }
        if (reference.get() != null) {
            fail(what + " was not collected after " + gcs + " GCs: something keeps it alive");
        }
    }

    /**
     * Runs {@code body} on a new platform thread with a stack of {@code stackSize} bytes and waits
     * until the thread ended (for tests of what a thread leaves behind); fails if {@code body}
     * threw.
     */
    public static void runToEnd(String name, long stackSize, Runnable body) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(null, body, name, stackSize);
        thread.setUncaughtExceptionHandler((t, e) -> failure.set(e));
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (failure.get() != null) {
            throw new AssertionError("thread " + name + " failed", failure.get());
        }
    }

    /** Thread.sleep that turns an interrupt into a test failure (keeping the flag). */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
