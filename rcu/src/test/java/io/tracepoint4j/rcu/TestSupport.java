package io.tracepoint4j.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Helpers shared by the rcu tests: held readers, background calls, waits, log capture. */
final class TestSupport {

    /** How long a test waits for something that must happen; a hang fails after this. */
    static final Duration LONG = Duration.ofSeconds(10);

    /** How long a test watches something that must not happen (yet). */
    static final Duration SHORT = Duration.ofMillis(200);

    /** The logger every domain logs under (System.Logger is backed by java.util.logging here). */
    static final String RCU_LOGGER = "io.tracepoint4j.rcu";

    private TestSupport() {}

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

    /**
     * Runs each update-side operation of {@code d} once on the current thread and checks that it
     * completed: {@code synchronize()}, {@code synchronizeExpedited()}, a callback waited for with
     * {@code barrier()}, and a polled grace period.
     */
    static void assertUpdateSideWorks(RcuDomain d) {
        d.synchronize();
        d.synchronizeExpedited();
        CountDownLatch ran = new CountDownLatch(1);
        d.call(ran::countDown);
        d.barrier();
        assertThat(ran.getCount()).isZero();
        long cookie = d.startPoll();
        awaitTrue(() -> d.pollState(cookie), () -> "a startPoll() cookie of " + d.name() + " completes");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
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

    /** A read-side critical section of some form, opened on the current thread. */
    @FunctionalInterface
    interface Section {
        void close();
    }

    /** Opens a read-side critical section of some form on the current thread. */
    @FunctionalInterface
    interface Opener {
        Section open();
    }

    /** The try-with-resources read side, common to every flavor. */
    static Opener readOf(RcuDomain domain) {
        return () -> domain.read()::close;
    }

    /**
     * A reader thread that opens a read-side critical section and holds it until {@link #release()}.
     * Just before the section is closed, {@link #ended()} turns true, so that anything that must
     * run after the section ended (a grace period, a callback) can check it.
     */
    static final class HeldReader {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean ended = new AtomicBoolean();
        private final CompletableFuture<Object> done;
        private final String threadName;

        private HeldReader(String threadName, Opener opener, boolean endSectionOnRelease) {
            this.threadName = threadName;
            this.done = async(threadName, () -> {
                Section section = opener.open();
                entered.countDown();
                awaitReleaseInsideSection();
                if (endSectionOnRelease) {
                    ended.set(true);
                    section.close();
                }
                return null;
            });
            TestSupport.await(entered, threadName + " to enter its read-side critical section");
        }

        /** Holds a section opened with {@code domain.read()} on a new thread named {@code name}. */
        static HeldReader hold(RcuDomain domain, String name) {
            return new HeldReader(name, readOf(domain), true);
        }

        /** Holds a section opened by {@code opener} on a new thread named {@code name}. */
        static HeldReader hold(String name, Opener opener) {
            return new HeldReader(name, opener, true);
        }

        /** A thread that opens a section and, once released, ends without closing it. */
        static HeldReader leak(String name, Opener opener) {
            return new HeldReader(name, opener, false);
        }

        // Named so that the stall detector's stack trace can be recognized.
        private void awaitReleaseInsideSection() throws InterruptedException {
            release.await();
        }

        String threadName() {
            return threadName;
        }

        boolean ended() {
            return ended.get();
        }

        /** Lets the reader close its section and waits until its thread has finished. */
        void release() {
            release.countDown();
            TestSupport.await(done, threadName + " to end its section");
        }

        /** Lets the reader go without waiting; for finally blocks. */
        void releaseQuietly() {
            release.countDown();
        }
    }

    /**
     * Runs {@code misuse} on a fresh thread while a witness holds a section of {@code d}, then
     * checks that the domain's accounting is intact: a grace period still waits for the witness and
     * ends after it, nothing is left open, and the domain closes.
     */
    static void assertMisuseChangesNothing(RcuDomain d, Runnable misuse) {
        HeldReader witness = HeldReader.hold(d, "witness-" + d.name());
        try {
            await(async("misuse-" + d.name(), misuse), "the misuse scenario");
            CompletableFuture<Boolean> gp = async("misuse-updater", () -> {
                d.synchronize();
                return witness.ended();
            });
            assertBlocked(gp, "synchronize() while the witness is inside its section");
            witness.release();
            assertThat(await(gp, "synchronize() after the witness ended")).isTrue();
        } finally {
            witness.releaseQuietly();
        }
        // nothing left open by the misuse scenario
        await(async("after-misuse", d::synchronizeExpedited), "synchronizeExpedited() after the misuse");
        d.close();
    }

    /** Collects what the rcu loggers publish through java.util.logging, while open. */
    static final class LogCapture implements AutoCloseable {
        private final Logger logger; // strong reference: JUL loggers are weakly held
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Level previousLevel;
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

        LogCapture() {
            logger = Logger.getLogger(RCU_LOGGER);
            previousLevel = logger.getLevel();
            handler.setLevel(Level.ALL);
            logger.addHandler(handler);
        }

        /** Every record at WARNING or above whose full text contains {@code needle}. */
        List<String> warningsContaining(String needle) {
            return records.stream()
                    .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                    .map(LogCapture::text)
                    .filter(t -> t.contains(needle))
                    .toList();
        }

        /** Every record's full text, for failure messages. */
        List<String> all() {
            return records.stream()
                    .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + text(r))
                    .toList();
        }

        /** The formatted message plus the stack trace of an attached throwable, if any. */
        static String text(LogRecord r) {
            StringBuilder sb = new StringBuilder(new SimpleFormatter().formatMessage(r));
            if (r.getThrown() != null) {
                StringWriter w = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(w));
                sb.append('\n').append(w);
            }
            return sb.toString();
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
            logger.setLevel(previousLevel);
        }
    }

    /**
     * Closes {@code domain} on another thread, ignoring a refusal and giving up after a second; for
     * clean-up after a failed test, which must not hang the rest of the run.
     */
    static void closeQuietly(RcuDomain domain) {
        if (domain == null) {
            return;
        }
        try {
            async("close-" + domain.name(), domain::close).get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException ignored) {
            // a failed test left something open; the domain's daemon threads die with the JVM
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Asserts that {@code domain.close()} refuses with an IllegalStateException, promptly (a close
     * that blocks instead fails after {@link #LONG}), and returns its message.
     */
    static String assertCloseRefused(RcuDomain domain) {
        CompletableFuture<Void> close = async("close-" + domain.name(), domain::close);
        try {
            close.get(LONG.toMillis(), TimeUnit.MILLISECONDS);
            return fail("close() of " + domain.name() + " succeeded but must refuse");
        } catch (TimeoutException e) {
            return fail("close() of " + domain.name() + " blocked for " + LONG + " instead of refusing");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
            assertThat(e.getCause().getMessage()).isNotBlank();
            return e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }
}
