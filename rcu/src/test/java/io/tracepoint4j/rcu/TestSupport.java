package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.LONG;
import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static io.tracepoint4j.testkit.Waits.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tracepoint4j.testkit.Waits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/** Helpers shared by the rcu tests: held readers, misuse and close checks (waits: testkit). */
final class TestSupport {

    /** The logger every domain logs under (System.Logger is backed by java.util.logging here). */
    static final String RCU_LOGGER = "io.tracepoint4j.rcu";

    private TestSupport() {}

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
            Waits.await(entered, threadName + " to enter its read-side critical section");
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
            Waits.await(done, threadName + " to end its section");
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
