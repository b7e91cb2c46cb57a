package io.tracepoint4j.rcu;

import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.tracepoint4j.rcu.TestSupport.HeldReader;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Oracle 5 of docs/design/grace-periods.md, for both flavors: call() and barrier(). */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class CallbackTest {

    @RegisterExtension
    final Domains domains = new Domains();

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callbackRunsOnlyAfterAReaderOpenAtCallTimeHasEnded(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-gp");
        HeldReader reader = HeldReader.hold(d, "cb-gp-reader");
        try {
            CompletableFuture<Boolean> sawEnded = new CompletableFuture<>();
            d.call(() -> sawEnded.complete(reader.ended()));
            assertBlocked(sawEnded, "a callback while a reader older than call() is inside its section");
            reader.release();
            assertThat(await(sawEnded, "the callback"))
                    .as("the reader had ended when the callback ran")
                    .isTrue();
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callbacksNeverRunOnTheCallersThread(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-thread");
        Callers callers = new Callers();
        // From an idle domain (where running the callback at once would be tempting), from inside a
        // read-side critical section, and from a virtual thread.
        d.call(callers.recorder());
        try (var section = d.read()) {
            d.call(callers.recorder());
        }
        Thread vt = Thread.ofVirtual().name("cb-thread-virtual").start(() -> d.call(callers.recorder()));
        Waits.awaitTrue(() -> !vt.isAlive(), () -> "the virtual thread to end");
        d.barrier();
        assertThat(callers.calls).hasSize(3);
        assertThat(callers.calls).allSatisfy(c -> assertThat(c.ranOn).isNotSameAs(c.calledFrom));
    }

    /**
     * The callback threads hold no context class loader: the thread whose call() started one may be
     * a plugin's, whose loader a pooled thread would otherwise keep alive while it idles.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callbackThreadsHoldNoContextClassLoader(Flavor flavor) throws Exception {
        RcuDomain d = domains.create(flavor, "cb-loader");
        ClassLoader plugins = new java.net.URLClassLoader(new java.net.URL[0], null);
        ConcurrentLinkedQueue<Object> loaders = new ConcurrentLinkedQueue<>();
        Thread caller = Thread.ofPlatform()
                .unstarted(() -> d.call(() -> loaders.add(java.util.Objects.requireNonNullElse(
                        Thread.currentThread().getContextClassLoader(), "none"))));
        caller.setContextClassLoader(plugins);
        caller.start();
        caller.join();
        d.barrier();
        assertThat(loaders).containsExactly("none");
    }

    /** Records, for each callback, the thread that queued it and the thread that ran it. */
    static final class Callers {
        record Call(Thread calledFrom, Thread ranOn) {}

        final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

        Runnable recorder() {
            Thread caller = Thread.currentThread();
            return () -> calls.add(new Call(caller, Thread.currentThread()));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callbacksRunInTheOrderQueued(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-order");
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            int seq = i;
            d.call(() -> ran.add(seq));
            if (i % 5_000 == 0) {
                d.synchronize(); // spread them over several batches
            }
        }
        d.barrier();
        assertThat(ran).hasSize(n);
        synchronized (ran) {
            for (int i = 0; i < n; i++) {
                if (ran.get(i) != i) {
                    fail(
                            "callback %d ran at position %d; around it: %s",
                            ran.get(i), i, ran.subList(Math.max(0, i - 3), Math.min(n, i + 3)));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callbacksOfEachThreadRunInTheOrderThatThreadQueuedThem(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-order-mt");
        ConcurrentHashMap<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        int threads = 4;
        int perThread = 5_000;
        List<CompletableFuture<Void>> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            seen.put(id, Collections.synchronizedList(new ArrayList<>()));
            producers.add(async("cb-producer-" + t, () -> {
                for (int i = 0; i < perThread; i++) {
                    int seq = i;
                    d.call(() -> seen.get(id).add(seq));
                }
            }));
        }
        producers.forEach(f -> await(f, "producer"));
        d.barrier();
        for (int t = 0; t < threads; t++) {
            List<Integer> got = seen.get(t);
            assertThat(got).hasSize(perThread);
            assertThat(got).as("callbacks of producer %d", t).isSorted();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void barrierWaitsForEveryEarlierCallback(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-barrier");
        AtomicLong ran = new AtomicLong();
        HeldReader reader = HeldReader.hold(d, "cb-barrier-reader");
        try {
            for (int i = 0; i < 1000; i++) {
                d.call(ran::incrementAndGet);
            }
            CompletableFuture<Long> barrier = async("cb-barrier-waiter", () -> {
                d.barrier();
                return ran.get();
            });
            assertBlocked(barrier, "barrier() while its callbacks wait for a reader");
            assertThat(ran.get()).isZero();
            reader.release();
            assertThat(await(barrier, "barrier()")).isEqualTo(1000);
        } finally {
            reader.releaseQuietly();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void barrierOnAnIdleDomainReturns(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-barrier-idle");
        d.barrier();
        d.barrier();
        d.call(() -> {});
        d.barrier();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aMillionCallsCostFewGracePeriods(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-million");
        AtomicLong ran = new AtomicLong();
        Runnable count = ran::incrementAndGet;
        long before = d.completedGracePeriods();
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            d.call(count);
        }
        d.barrier();
        long used = d.completedGracePeriods() - before;
        assertThat(ran.get()).isEqualTo(n);
        assertThat(used)
                .as("grace periods used by %d call()s", n)
                .isGreaterThan(0)
                .isLessThan(1000);
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aThrowingCallbackIsReportedAndDoesNotStopTheOthers(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-throw");
        AtomicInteger ran = new AtomicInteger();
        try (LogCapture log = new LogCapture(TestSupport.RCU_LOGGER)) {
            d.call(ran::incrementAndGet);
            d.call(() -> {
                throw new IllegalArgumentException("boom-from-callback-" + d.name());
            });
            d.call(ran::incrementAndGet);
            d.barrier();
            d.call(ran::incrementAndGet); // the callback thread is still alive
            d.barrier();
            assertThat(ran.get()).isEqualTo(3);
            Waits.awaitTrue(
                    () -> !log.warningsContaining("boom-from-callback-" + d.name())
                            .isEmpty(),
                    () -> "the throwing callback to be reported at WARNING or above; logged: " + log.all());
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCallbackMayQueueAnotherCallback(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-chain");
        CountDownLatch second = new CountDownLatch(1);
        d.call(() -> d.call(second::countDown));
        await(second, "a callback queued by a callback");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void barrierFromACallbackIsRefused(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-barrier-in-cb");
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        d.call(() -> {
            try {
                d.barrier();
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        assertThat(await(thrown, "barrier() called from a callback"))
                .isInstanceOf(IllegalStateException.class)
                .message()
                .isNotBlank();
        d.barrier(); // the callback thread survived it
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void callWithNullIsRejectedAndChangesNothing(Flavor flavor) {
        RcuDomain d = domains.create(flavor, "cb-null");
        assertThatThrownBy(() -> d.call(null)).isInstanceOf(NullPointerException.class);
        CountDownLatch ran = new CountDownLatch(1);
        d.call(ran::countDown);
        d.barrier();
        assertThat(ran.getCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCookieTakenBeforeCallHasCompletedWhenTheCallbackRuns(Flavor flavor) {
        // The callback runs after a full grace period that began after call(), which covers every
        // cookie taken before call().
        RcuDomain d = domains.create(flavor, "cb-cookie");
        long cookie = d.state();
        CompletableFuture<Boolean> polled = new CompletableFuture<>();
        d.call(() -> polled.complete(d.pollState(cookie)));
        assertThat(await(polled, "the callback")).isTrue();
    }
}
