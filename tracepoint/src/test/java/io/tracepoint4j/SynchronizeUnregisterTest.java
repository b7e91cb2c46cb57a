package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.Tracepoint.Flavor;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Oracle 1 of docs/design/tracepoints.md (after synchronizeUnregister a removed probe is not running and never called again) and
 * oracle 7 (it waits for a blocked faultable probe), and the independence of the flavors' domains.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class SynchronizeUnregisterTest {

    /** The prototype used here. */
    public interface Tick {
        void tick(long sequence);
    }

    static Tracepoint<Tick> define(Flavor flavor) {
        String name = unique("sync", "tick");
        return flavor == Flavor.FAULTABLE
                ? Tracepoint.defineFaultable(name, Tick.class, "sequence")
                : Tracepoint.define(name, Tick.class, "sequence");
    }

    /**
     * A probe that, on its first call, announces itself and then stays inside until released:
     * blocking on a latch (faultable) or spinning on a flag (regular probes must not block).
     */
    static final class HeldProbe implements Tick {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean first = new AtomicBoolean(true);
        final AtomicInteger running = new AtomicInteger();
        final AtomicLong calls = new AtomicLong();
        final boolean block;

        HeldProbe(boolean block) {
            this.block = block;
        }

        @Override
        public void tick(long sequence) {
            running.incrementAndGet();
            calls.incrementAndGet();
            try {
                if (first.compareAndSet(true, false)) {
                    entered.countDown();
                    TestSupport.holdInProbe(release, block);
                }
            } finally {
                running.decrementAndGet();
            }
        }
    }

    /**
     * Oracle 1 and 7: unregister returns at once while the probe is held; synchronizeUnregister
     * (per tracepoint and global) waits for it; afterwards, with other threads still firing, the
     * probe is not running and never called again.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void waitsForARunningProbeThenItIsNeverCalledAgain(Flavor flavor) throws Exception {
        Tracepoint<Tick> tp = define(flavor);
        HeldProbe probe = new HeldProbe(flavor == Flavor.FAULTABLE);
        tp.register(probe);
        CompletableFuture<Void> held = async("held-firer", () -> tp.fire().tick(0));
        await(probe.entered, "the probe to be entered");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong firings = new AtomicLong();
        CompletableFuture<?>[] firers = new CompletableFuture<?>[2];
        for (int i = 0; i < firers.length; i++) {
            firers[i] = async("firer-" + i, () -> {
                while (!stop.get()) {
                    tp.fire().tick(firings.incrementAndGet());
                    Thread.yield();
                }
            });
        }

        CompletableFuture<Void> unregistered = async("unregister", () -> tp.unregister(probe));
        await(unregistered, "unregister, which must not wait for the held probe");
        CompletableFuture<Void> local = async("sync-local", tp::synchronizeUnregister);
        CompletableFuture<Void> global = async("sync-global", Tracepoints::synchronizeUnregister);
        assertBlocked(local, "per-tracepoint synchronizeUnregister while the probe runs");
        assertThat(global).isNotDone();
        assertThat(probe.running.get()).isEqualTo(1);

        probe.release.countDown();
        await(local, "per-tracepoint synchronizeUnregister");
        assertThat(probe.running.get())
                .as("running after synchronizeUnregister")
                .isZero();
        long callsAfterSync = probe.calls.get();
        await(global, "global synchronizeUnregister");
        assertThat(probe.running.get()).isZero();

        long firingsBefore = firings.get();
        Waits.awaitTrue(() -> firings.get() > firingsBefore + 1000, () -> "other threads fired 1000 times");
        stop.set(true);
        for (CompletableFuture<?> f : firers) {
            await(f, "firer");
        }
        await(held, "the held firing");
        assertThat(probe.calls.get())
                .as("calls after synchronizeUnregister returned")
                .isEqualTo(callsAfterSync);
    }

    /** A blocked faultable probe delays only faultable grace periods, never regular tracepoints. */
    @Test
    void blockedFaultableProbeDoesNotDelayRegularTracepoints() {
        Tracepoint<Tick> faultable = define(Flavor.FAULTABLE);
        Tracepoint<Tick> regular = define(Flavor.REGULAR);
        HeldProbe blocked = new HeldProbe(true);
        faultable.register(blocked);
        CompletableFuture<Void> held =
                async("blocked-firer", () -> faultable.fire().tick(0));
        await(blocked.entered, "the faultable probe to block");
        try {
            AtomicLong regularCalls = new AtomicLong();
            Tick counter = s -> regularCalls.incrementAndGet();
            regular.register(counter);
            regular.fire().tick(1);
            regular.unregister(counter);
            await(async("regular-sync", regular::synchronizeUnregister), "a regular synchronizeUnregister");
            regular.fire().tick(2);
            assertThat(regularCalls.get()).isEqualTo(1);

            faultable.unregister(blocked);
            CompletableFuture<Void> faultableSync = async("faultable-sync", faultable::synchronizeUnregister);
            CompletableFuture<Void> global = async("global-sync", Tracepoints::synchronizeUnregister);
            assertBlocked(faultableSync, "faultable synchronizeUnregister while its probe blocks");
            assertThat(global).isNotDone();
            // still: the regular flavor's grace periods run
            await(async("regular-sync-2", regular::synchronizeUnregister), "a regular synchronizeUnregister");
            blocked.release.countDown();
            await(faultableSync, "faultable synchronizeUnregister");
            await(global, "global synchronizeUnregister");
        } finally {
            blocked.release.countDown();
            await(held, "the blocked firing");
        }
    }

    /**
     * A regular probe must not block, so waiting for faultable grace periods from one is refused at
     * once, even while a faultable probe blocks: otherwise it would stall every regular grace period,
     * and deadlock with a faultable probe waiting for regular ones (which is allowed, and shown here).
     */
    @Test
    void regularProbeWaitingForFaultableGracePeriodsIsRefusedBeforeItBlocks() {
        Tracepoint<Tick> faultable = define(Flavor.FAULTABLE);
        Tracepoint<Tick> regular = define(Flavor.REGULAR);
        CountDownLatch regularFired = new CountDownLatch(1);
        AtomicInteger regularSyncsFromFaultable = new AtomicInteger();
        HeldProbe blocked = new HeldProbe(true);
        faultable.register(blocked);
        faultable.register(s -> {
            TestSupport.awaitInProbe(regularFired);
            regular.synchronizeUnregister(); // a faultable probe may wait for regular grace periods
            regularSyncsFromFaultable.incrementAndGet();
        });
        CompletableFuture<Void> held =
                async("blocked-firer", () -> faultable.fire().tick(0));
        await(blocked.entered, "the faultable probe to block");
        try {
            AtomicInteger refused = new AtomicInteger();
            regular.register(s -> {
                for (Runnable wait :
                        new Runnable[] {faultable::synchronizeUnregister, Tracepoints::synchronizeUnregister}) {
                    try {
                        wait.run();
                    } catch (IllegalStateException expected) {
                        refused.incrementAndGet();
                    }
                }
            });
            await(async("regular-firer", () -> regular.fire().tick(1)), "the regular firing, refused at once");
            assertThat(refused.get()).isEqualTo(2);
            regularFired.countDown();
            blocked.release.countDown();
            await(held, "the faultable firing, whose second probe waited for a regular grace period");
            assertThat(regularSyncsFromFaultable.get()).isEqualTo(1);
        } finally {
            regularFired.countDown();
            blocked.release.countDown();
        }
    }

    /** A probe cannot wait for its own flavor's grace period: refused instead of a deadlock. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void synchronizeUnregisterFromAProbeIsRefused(Flavor flavor) {
        Tracepoint<Tick> tp = define(flavor);
        AtomicInteger refused = new AtomicInteger();
        tp.register(s -> {
            try {
                tp.synchronizeUnregister();
            } catch (IllegalStateException expected) {
                refused.incrementAndGet();
            }
        });
        tp.fire().tick(1);
        assertThat(refused.get()).isEqualTo(1);
        // unhandled, it is an ordinary probe failure: counted, and the firing thread never sees it
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER)) {
            Tracepoint<Tick> other = define(flavor);
            Tick global = s -> Tracepoints.synchronizeUnregister();
            other.register(global);
            other.fire().tick(2);
            assertThat(other.failures(global)).isEqualTo(1);
            TestSupport.awaitFailureReports();
            assertThat(logs.containing("threw java.lang.IllegalStateException")).hasSize(1);
        }
    }
}
