package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tracepoint4j.Tracepoint.Flavor;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Oracle 1 of docs/design/tracepoints.md for probes the library removed itself (issue 10): a probe detached after repeated
 * failures, seen gone through {@link Tracepoint#isRegistered(Object)}, is never called after a
 * {@link Tracepoints#synchronizeUnregister()} that began afterwards. About 2 s per flavor.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class DetachTest {

    /** The prototype used here. */
    public interface Op {
        void op(long n);
    }

    private static final long RUN_NANOS = Duration.ofSeconds(2).toNanos();

    /** What the controller passes when it fires: firers pass their sequence, never negative. */
    private static final long CONTROLLER = -1;

    /**
     * Always throws. Counts the calls it gets once marked dead, and the calls from the controller's
     * own firings (made only after {@code isRegistered} read false for it).
     */
    static final class FailingProbe implements Op {
        private final LongAdder callsWhileDead;
        private final LongAdder callsAfterSeenGone;
        private volatile boolean dead; // written by the controller after synchronizeUnregister() returned

        FailingProbe(LongAdder callsWhileDead, LongAdder callsAfterSeenGone) {
            this.callsWhileDead = callsWhileDead;
            this.callsAfterSeenGone = callsAfterSeenGone;
        }

        @Override
        public void op(long n) {
            if (dead) {
                callsWhileDead.increment();
            }
            if (n == CONTROLLER) {
                callsAfterSeenGone.increment();
            }
            throw new IllegalStateException("always fails");
        }
    }

    /**
     * The black-box scenario of issue 10: two threads fire a tracepoint whose probe always throws,
     * with {@code detachAfter(3, 30 s)}; a controller registers a fresh probe, waits until {@code
     * isRegistered(probe)} reads false, calls {@code Tracepoints.synchronizeUnregister()} and marks
     * the probe dead, over and over. No dead probe may be called. The controller also fires once
     * right after {@code isRegistered} read false, before synchronizing: as after an {@code
     * unregister()} that returned, a firing that begins then must not reach the probe. That is the
     * rule the fix of issue 10 restored (the registration used to be unpublished before the dispatch
     * site stopped reaching the probe), and the check that catches its breakage nearly every run.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aDetachedProbeIsNeverCalledAfterALaterSynchronizeUnregister(Flavor flavor) {
        String name = unique("detach", "op");
        Tracepoint<Op> tp = flavor == Flavor.FAULTABLE
                ? Tracepoint.defineFaultable(name, Op.class, "n")
                : Tracepoint.define(name, Op.class, "n");
        tp.detachAfter(3, Duration.ofSeconds(30));
        LongAdder callsWhileDead = new LongAdder();
        LongAdder callsAfterSeenGone = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        long cycles = 0;
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER)) {
            CompletableFuture<?>[] firers = new CompletableFuture<?>[2];
            for (int i = 0; i < firers.length; i++) {
                firers[i] = async("detach-firer-" + i, () -> {
                    long n = 0;
                    while (!stop.get()) {
                        tp.fire().op(n++);
                    }
                });
            }
            try {
                long end = System.nanoTime() + RUN_NANOS;
                while (System.nanoTime() - end < 0) {
                    FailingProbe probe = new FailingProbe(callsWhileDead, callsAfterSeenGone);
                    tp.register(probe);
                    awaitDetached(tp, probe);
                    tp.fire().op(CONTROLLER);
                    Tracepoints.synchronizeUnregister();
                    probe.dead = true;
                    cycles++;
                }
                // the last dead probes get their chance too
                Waits.sleep(50);
            } finally {
                stop.set(true);
                for (CompletableFuture<?> firer : firers) {
                    await(firer, "a firer");
                }
            }
            long detaches = cycles;
            Waits.awaitTrue(
                    () -> logs.containing("detached from " + tp.name()).size() == detaches,
                    () -> "one detach logged per cycle (" + detaches + ")");
        }
        assertThat(cycles).as("cycles").isPositive();
        String found = "in " + cycles + " cycles: " + callsWhileDead.sum() + " calls of detached probes after a"
                + " synchronizeUnregister() that began after isRegistered() read false, " + callsAfterSeenGone.sum()
                + " calls from firings that began after it read false";
        assertThat(callsWhileDead.sum()).as(found).isZero();
        assertThat(callsAfterSeenGone.sum()).as(found).isZero();
        assertThat(tp.probeCount()).isZero();
    }

    /** Spins (the scenario's controller polls as fast as it can) until the probe is detached. */
    private static void awaitDetached(Tracepoint<Op> tp, Op probe) {
        long deadline = System.nanoTime() + Waits.LONG.toNanos();
        while (tp.isRegistered(probe)) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + Waits.LONG + " waiting until the failing probe is detached");
            }
            Thread.onSpinWait();
        }
    }
}
