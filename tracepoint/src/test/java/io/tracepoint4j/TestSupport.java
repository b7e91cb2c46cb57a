package io.tracepoint4j;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Helpers shared by the tracepoint tests: background calls, waits, log capture, unique names. */
final class TestSupport {

    /** How long a test waits for something that must happen; a hang fails after this. */
    static final Duration LONG = Duration.ofSeconds(10);

    /** How long a test watches something that must not happen (yet). */
    static final Duration SHORT = Duration.ofMillis(200);

    private static final AtomicInteger NAMES = new AtomicInteger();

    private TestSupport() {}

    /** A tracepoint name no other test uses: {@code provider:event<n>}. */
    static String unique(String provider, String event) {
        return provider + ":" + event + NAMES.incrementAndGet();
    }

    /** Runs {@code body} on a new daemon platform thread named {@code name}. */
    static <T> CompletableFuture<T> async(String name, Callable<T> body) {
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
    static CompletableFuture<Void> async(String name, Runnable body) {
        return async(name, () -> {
            body.run();
            return null;
        });
    }

    /** Waits at most {@link #LONG} for {@code future}; fails with {@code what} on timeout. */
    static <T> T await(Future<T> future, String what) {
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

    /** Watches {@code future} for {@link #SHORT} and asserts it has not completed. */
    static void assertBlocked(Future<?> future, String what) {
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
    static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + LONG + " waiting until " + what.get());
            }
            sleep(1);
        }
    }

    static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("timed out after " + LONG + " waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted waiting for " + what);
        }
    }

    /** Awaits {@code latch} inside a probe, where a checked exception cannot be thrown. */
    static void awaitInProbe(CountDownLatch latch) {
        try {
            if (!latch.await(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("probe waited too long");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Captures the records of the {@code io.tracepoint4j} logger (System.Logger is backed by JUL). */
    static final class LogCapture implements AutoCloseable {
        private final Logger logger = Logger.getLogger("io.tracepoint4j");
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        private final boolean parentHandlers;

        LogCapture() {
            parentHandlers = logger.getUseParentHandlers();
            logger.setUseParentHandlers(false); // keep the expected warnings out of the build output
            logger.addHandler(handler);
            logger.setLevel(Level.ALL);
        }

        /** The messages logged so far that contain {@code text}. */
        List<LogRecord> containing(String text) {
            return records.stream()
                    .filter(r -> r.getMessage() != null && r.getMessage().contains(text))
                    .toList();
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
            logger.setUseParentHandlers(parentHandlers);
        }
    }
}
