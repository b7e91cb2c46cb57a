package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint.Flavor;
import io.tracepoint4j.rcu.ClassicRcu;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.rcu.Srcu;
import io.tracepoint4j.testkit.Waits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Any thread may fire any tracepoint (virtual threads, threads that end right after), and probes
 * may open read-side critical sections of other domains, fire other tracepoints, and (faultable)
 * wait for other domains' grace periods.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class ThreadsTest {

    /** The prototype used here. */
    public interface Hit {
        void hit(long value);
    }

    private static final ClassicRcu OWN_RCU = ClassicRcu.create("threads-test-rcu");
    private static final Srcu OWN_SRCU = Srcu.create("threads-test-srcu");

    @AfterAll
    static void closeDomains() {
        for (RcuDomain d : List.of(OWN_RCU, OWN_SRCU)) {
            d.barrier();
            d.close();
        }
    }

    static Tracepoint<Hit> define(Flavor flavor) {
        String name = unique("threads", "hit");
        return flavor == Flavor.FAULTABLE
                ? Tracepoint.defineFaultable(name, Hit.class, "value")
                : Tracepoint.define(name, Hit.class, "value");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void virtualThreadsFire(Flavor flavor) throws Exception {
        Tracepoint<Hit> tp = define(flavor);
        AtomicLong sum = new AtomicLong();
        AtomicLong virtualCalls = new AtomicLong();
        tp.register(v -> {
            sum.addAndGet(v);
            if (Thread.currentThread().isVirtual()) {
                virtualCalls.incrementAndGet();
            }
            if (flavor == Flavor.FAULTABLE && v % 10 == 0) {
                Waits.sleep(1); // a faultable probe may block: the virtual thread unmounts
            }
        });
        int threads = 200;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(executor.submit(() -> {
                    for (int i = 1; i <= 50; i++) {
                        tp.fire().hit(i);
                    }
                }));
            }
            for (Future<?> f : futures) {
                await(f, "a virtual thread firing");
            }
        }
        assertThat(sum.get()).isEqualTo(threads * (50L * 51 / 2));
        assertThat(virtualCalls.get()).isEqualTo(threads * 50L);
        await(async("sync", Tracepoints::synchronizeUnregister), "synchronizeUnregister after virtual threads");
    }

    /** Threads that fire once and end: grace periods do not wait for them afterwards. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void threadsThatEndRightAfterFiring(Flavor flavor) {
        Tracepoint<Hit> tp = define(flavor);
        AtomicLong calls = new AtomicLong();
        Hit probe = v -> calls.incrementAndGet();
        tp.register(probe);
        for (int round = 0; round < 4; round++) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                Thread t = new Thread(() -> tp.fire().hit(1), "short-lived-" + round + "-" + i);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                try {
                    t.join(Waits.LONG.toMillis());
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            await(async("sync", tp::synchronizeUnregister), "synchronizeUnregister after ended threads");
        }
        assertThat(calls.get()).isEqualTo(100);
        tp.unregister(probe);
        await(async("sync", Tracepoints::synchronizeUnregister), "synchronizeUnregister");
    }

    /** Probes open sections of their own domains inside the tracepoint's, and fire other tracepoints. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void probesNestTheirOwnReadSectionsAndFirings(Flavor flavor) {
        Tracepoint<Hit> outer = define(flavor);
        Tracepoint<Hit> innerRegular = define(Flavor.REGULAR);
        Tracepoint<Hit> innerFaultable = define(Flavor.FAULTABLE);
        AtomicReference<String> data = new AtomicReference<>("v1");
        List<String> seen = new ArrayList<>();
        outer.register(v -> {
            try (var rcu = OWN_RCU.read();
                    var srcu = OWN_SRCU.read()) {
                seen.add("outer " + v + " " + data.getAcquire());
                innerRegular.fire().hit(v + 1);
                innerFaultable.fire().hit(v + 2);
            }
            int token = OWN_SRCU.readLock();
            try {
                outer.enabled(); // any tracepoint API that does not wait is fine inside a probe
            } finally {
                OWN_SRCU.readUnlock(token);
            }
        });
        innerRegular.register(v -> seen.add("regular " + v));
        innerFaultable.register(v -> {
            try (var srcu = OWN_SRCU.read()) {
                seen.add("faultable " + v);
            }
        });
        outer.fire().hit(10);
        assertThat(seen).containsExactly("outer 10 v1", "regular 11", "faultable 12");

        // the probes' own domains keep working independently of the tracepoints' domains
        data.setRelease("v2");
        OWN_SRCU.synchronize();
        OWN_RCU.synchronize();
        outer.fire().hit(20);
        assertThat(seen).endsWith("outer 20 v2", "regular 21", "faultable 22");
    }

    /** A faultable probe may wait for a grace period of another domain (the consumer's own). */
    @Test
    void faultableProbeMayWaitForAnotherDomainsGracePeriod() {
        Tracepoint<Hit> tp = define(Flavor.FAULTABLE);
        AtomicLong before = new AtomicLong();
        AtomicLong after = new AtomicLong();
        tp.register(v -> {
            before.set(OWN_SRCU.completedGracePeriods());
            OWN_SRCU.synchronize();
            after.set(OWN_SRCU.completedGracePeriods());
        });
        CompletableFuture<Void> firing = async("fire", () -> tp.fire().hit(1));
        await(firing, "a firing whose probe synchronizes another domain");
        assertThat(after.get()).isGreaterThan(before.get());
    }

    /** A faultable probe on a virtual thread may block inside the section; unregistering waits for it. */
    @Test
    void blockedFaultableProbeOnAVirtualThread() throws Exception {
        Tracepoint<Hit> tp = define(Flavor.FAULTABLE);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Hit probe = v -> {
            entered.countDown();
            TestSupport.awaitInProbe(release);
        };
        tp.register(probe);
        Thread virtual =
                Thread.ofVirtual().name("virtual-firer").start(() -> tp.fire().hit(1));
        await(entered, "the probe to block on its virtual thread");
        tp.unregister(probe);
        CompletableFuture<Void> sync = async("sync", tp::synchronizeUnregister);
        Waits.assertBlocked(sync, "synchronizeUnregister while the virtual thread's probe blocks");
        release.countDown();
        await(sync, "synchronizeUnregister");
        virtual.join(Waits.LONG.toMillis());
        assertThat(virtual.isAlive()).isFalse();
    }
}
