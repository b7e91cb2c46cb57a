package io.tracepoint4j.rcu;

import static io.tracepoint4j.rcu.TestSupport.assertUpdateSideWorks;
import static io.tracepoint4j.rcu.TestSupport.closeQuietly;
import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.Waits;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Oracle 7 of docs/design/grace-periods.md, for both flavors: close() refuses while anything is outstanding, and then changes nothing. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class CloseTest {

    @RegisterExtension
    final Domains domains = new Domains();

    /** The domain still does its job: grace periods, callbacks, polling. */
    static void assertStillWorks(RcuDomain d) {
        await(async("still-works", () -> assertUpdateSideWorks(d)), "the domain to still work");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refusesWhileAReaderIsInsideItsSectionAndChangesNothing(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "close-reader");
        HeldReader reader = HeldReader.hold(d, "close-reader-thread");
        try {
            assertThat(TestSupport.assertCloseRefused(d)).containsIgnoringCase("read");
            // the section is still honoured by the next grace period
            CompletableFuture<Boolean> gp = async("close-reader-updater", () -> {
                d.synchronize();
                return reader.ended();
            });
            assertBlocked(gp, "synchronize() after the refused close, while the reader is inside");
            reader.release();
            assertThat(await(gp, "synchronize()")).isTrue();
        } finally {
            reader.releaseQuietly();
        }
        assertStillWorks(d);
        d.close();
    }

    /**
     * A thread that ended inside a section holds nothing (its sections ended with it): close()
     * succeeds without a grace period first. It used to refuse, naming the dead reader, until some
     * grace period happened to prune it.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aReaderThatEndedInsideItsSectionDoesNotHoldClose(Flavor flavor) throws Exception {
        RcuDomain d = domains.create(flavor, "close-dead-reader");
        Thread reader = Thread.ofPlatform().name("close-dead-reader-thread").start(() -> d.read()); // never closed
        reader.join();
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refusesPromptlyWhileAGracePeriodWaitsForAReader(Flavor flavor) {
        // Another thread's synchronize() is waiting for the reader: close() must refuse at once,
        // not wait for the grace period (which waits for the reader, which may wait for close()).
        RcuDomain d = domains.create(flavor, "close-gp-running");
        HeldReader reader = HeldReader.hold(d, "close-gp-running-reader");
        try {
            CompletableFuture<Void> gp = async("close-gp-running-updater", d::synchronize);
            assertBlocked(gp, "synchronize() while the reader is inside its section");
            TestSupport.assertCloseRefused(d);
            reader.release();
            await(gp, "synchronize()");
        } finally {
            reader.releaseQuietly();
        }
        assertStillWorks(d);
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refusesFromInsideItsOwnSection(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "close-own-section");
        try (var section = d.read()) {
            assertThatThrownBy(d::close).isInstanceOf(IllegalStateException.class);
        }
        assertStillWorks(d);
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refusesWhileACallbackWaitsForAReader(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "close-cb-reader");
        AtomicInteger ran = new AtomicInteger();
        HeldReader reader = HeldReader.hold(d, "close-cb-reader-thread");
        try {
            d.call(ran::incrementAndGet);
            d.startPoll(); // a requested grace period, too
            TestSupport.assertCloseRefused(d);
            reader.release();
        } finally {
            reader.releaseQuietly();
        }
        d.barrier();
        assertThat(ran.get()).as("the callback queued before the refused close").isEqualTo(1);
        assertStillWorks(d);
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void refusesWhileACallbackIsPendingWithNoReader(Flavor flavor) {
        // The first callback blocks (which callbacks should not do, but it keeps the second one
        // pending without any reader).
        RcuDomain d = domains.create(flavor, "close-cb-pending");
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch letFirstGo = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        d.call(() -> {
            firstRunning.countDown();
            try {
                letFirstGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.incrementAndGet();
        });
        d.call(ran::incrementAndGet);
        try {
            await(firstRunning, "the first callback to run");
            assertThat(TestSupport.assertCloseRefused(d)).containsIgnoringCase("callback");
        } finally {
            letFirstGo.countDown();
        }
        d.barrier();
        assertThat(ran.get()).as("both callbacks, after the refused close").isEqualTo(2);
        assertStillWorks(d);
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void succeedsAfterUseWhenTheReadersThreadIsStillAlive(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "close-after-use");
        try (var section = d.read()) {
            try (var nested = d.read()) {
                // nothing
            }
        }
        d.synchronize();
        d.call(() -> {});
        d.barrier();
        d.close();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closeRightAfterBarrierSucceeds(Flavor flavor) {
        // barrier() has waited for every callback: nothing is pending any more.
        for (int i = 0; i < 200; i++) {
            RcuDomain d = flavor.create("close-after-barrier");
            d.call(() -> {});
            d.barrier();
            try {
                d.close();
            } catch (IllegalStateException e) {
                closeQuietly(d);
                throw new AssertionError("close() right after barrier() refused (iteration " + i + ")", e);
            }
        }
    }

    /**
     * close() racing with call() and startPoll(): each call either comes before the close (which
     * then refuses, or finds its work done) or is refused. So when close() succeeds, every callback
     * accepted has run and every cookie handed out is done, and nothing is accepted afterwards.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closeRacingWithCallAndStartPollIsLinearizable(Flavor flavor) throws Exception {
        for (int round = 0; round < 10; round++) {
            RcuDomain d = domains.create(flavor, "close-race");
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            java.util.Queue<Long> cookies = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
            List<CompletableFuture<Void>> callers = java.util.stream.IntStream.range(0, 2)
                    .mapToObj(i -> async("close-race-caller-" + i, () -> {
                        try {
                            for (int n = 0; !closed.get(); n++) {
                                if (n % 2 == 0) {
                                    d.call(ran::incrementAndGet);
                                    accepted.incrementAndGet();
                                } else {
                                    cookies.add(d.startPoll());
                                }
                                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                            }
                        } catch (IllegalStateException refused) {
                            assertThat(refused).hasMessageContaining("which is closed");
                        }
                    }))
                    .toList();
            int ranAtClose;
            while (true) {
                try {
                    d.close();
                    ranAtClose = ran.get();
                    break;
                } catch (IllegalStateException outstanding) {
                    Thread.onSpinWait();
                }
            }
            closed.set(true);
            for (CompletableFuture<Void> caller : callers) {
                await(caller, "a caller");
            }
            assertThat(ranAtClose)
                    .as("callbacks run when close() succeeded, of %s accepted (round %s)", accepted.get(), round)
                    .isEqualTo(accepted.get());
            // a cookie handed out before close() was done when it succeeded (or close refused);
            // none is handed out after. (Which came before cannot be told from here, so: all done.)
            assertThat(cookies).as("cookies handed out (round %s)", round).allMatch(d::pollState);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void updateSideCallsThrowAfterClose(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "close-closed");
        d.synchronize();
        d.close();
        List<Consumer<RcuDomain>> calls = List.of(
                RcuDomain::synchronize,
                RcuDomain::synchronizeExpedited,
                x -> x.call(() -> {}),
                RcuDomain::barrier,
                RcuDomain::startPoll);
        for (Consumer<RcuDomain> call : calls) {
            assertThatThrownBy(() -> call.accept(d))
                    .isInstanceOf(IllegalStateException.class)
                    .message()
                    .isNotBlank();
        }
    }

    /**
     * Reading a closed domain is refused, by a thread that read it before (its reader cached) as by
     * one that never did; the read side pays nothing for it (close() empties the readers' cache).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void readsThrowAfterClose(Flavor flavor) throws Exception {
        RcuDomain d = domains.create(flavor, "close-then-read");
        for (int i = 0; i < 3; i++) {
            try (var section = d.read()) {
                // cached now
            }
        }
        d.close();
        assertThatThrownBy(d::read)
                .as("a thread whose reader was cached")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(d + ", which is closed");
        Throwable other = await(
                async("never-read", () -> {
                    try {
                        d.read().close();
                        return null;
                    } catch (IllegalStateException expected) {
                        return expected;
                    }
                }),
                "a read by a thread that never read");
        assertThat(other).as("a thread that never read").hasMessageContaining(d + ", which is closed");
        assertThat(d.inReadSection()).isFalse();
        assertThatThrownBy(d::read)
                .as("still refused after a lookup that registers nothing")
                .isInstanceOf(IllegalStateException.class);
        if (d instanceof Srcu srcu) {
            assertThatThrownBy(srcu::readLock).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(srcu::downRead).isInstanceOf(IllegalStateException.class);
        }
    }

    /**
     * Threads making their first read while the domain closes: whatever each first read did, every
     * read after close() returned is refused. A first read could cache its thread's reader after
     * close() emptied the cache, and that thread then read the closed domain silently for good.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void noReadAfterCloseSucceedsThoughFirstReadsRaceWithIt(Flavor flavor) throws Exception {
        for (int round = 0; round < 20; round++) {
            RcuDomain d = domains.create(flavor, "close-race-" + round);
            int threads = 16;
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch closed = new CountDownLatch(1);
            AtomicInteger silentReads = new AtomicInteger();
            List<Thread> readers = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        try {
                            d.read().close(); // the first read: may race with close()
                        } catch (IllegalStateException refused) {
                            // closed first
                        }
                        closed.await();
                        try {
                            d.read().close();
                            silentReads.incrementAndGet(); // after close() returned: must not happen
                        } catch (IllegalStateException refused) {
                            // as it should
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            while (true) {
                try {
                    d.close();
                    break;
                } catch (IllegalStateException sectionsOpen) {
                    Thread.onSpinWait(); // a first read's section is open: try again
                }
            }
            closed.countDown();
            for (Thread reader : readers) {
                reader.join();
            }
            assertThat(silentReads.get())
                    .as("reads after close() that succeeded, round " + round)
                    .isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closeStopsTheDomainsThreadWhichBearsItsName(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "close-thread");
        CompletableFuture<String> callbackThread = new CompletableFuture<>();
        d.call(() -> callbackThread.complete(Thread.currentThread().getName()));
        long cookie = d.startPoll();
        Waits.awaitTrue(() -> d.pollState(cookie), () -> "startPoll() completes");
        assertThat(await(callbackThread, "the callback"))
                .as("the name of the thread running the domain's callbacks")
                .contains(d.name());
        d.barrier();
        d.close();
        Waits.awaitTrue(
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(x -> x.isAlive() && x.getName().contains(d.name())),
                () -> "every thread named after the domain to stop after close()");
    }
}
