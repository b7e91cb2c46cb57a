package io.tracepoint4j;

import static io.tracepoint4j.testkit.Waits.assertBlocked;
import static io.tracepoint4j.testkit.Waits.async;
import static io.tracepoint4j.testkit.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.SynchronizeUnregisterTest.HeldProbe;
import io.tracepoint4j.SynchronizeUnregisterTest.Tick;
import io.tracepoint4j.Tracepoint.Flavor;
import io.tracepoint4j.rcu.RcuDomain;
import io.tracepoint4j.testkit.ForkedJvm;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10 B for firings: a probe that fires its own tracepoint again, until the thread's stack
 * overflows, costs at worst the overflowing thread's own read-side sections. The recursion starts
 * from varied depths through frames of varied sizes, so the error lands at many points of the
 * generated firing code, the probe calls and the failure path (which counts the overflow as a
 * failure of the innermost probe it reaches). After the thread ended: synchronizeUnregister() still
 * waits for a probe that is running (no unlock counted twice) and returns once it left (no section
 * stranded, no lock lost); the tracepoint still fires, counts failures and unregisters (no call
 * site whose first linkage failed in the overflowing thread).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class StackOverflowTest {

    /** Overflows per thread; each lands at another point, as the start depth varies. */
    private static final int OVERFLOWS_PER_THREAD = 50;
    /** Threads per case; each ends after its overflows, and then the books are checked. */
    private static final int THREADS = 4;

    /** With no extra probes the recursing one is bound into the dispatch target; with more, the loop calls it. */
    static Arguments[] flavorsAndExtraProbes() {
        return new Arguments[] {
            Arguments.of(Flavor.REGULAR, 0),
            Arguments.of(Flavor.REGULAR, ProbeUpdates.INLINED_PROBES),
            Arguments.of(Flavor.FAULTABLE, 0),
            Arguments.of(Flavor.FAULTABLE, ProbeUpdates.INLINED_PROBES)
        };
    }

    @ParameterizedTest
    @MethodSource("flavorsAndExtraProbes")
    void overflowingThroughFiringsLeavesTheTracepointWorking(Flavor flavor, int extraProbes) {
        Tracepoint<Tick> tp = SynchronizeUnregisterTest.define(flavor);
        RecursingProbe recursing = new RecursingProbe(tp);
        for (int i = 0; i < extraProbes; i++) {
            tp.register(new Tick() {
                @Override
                public void tick(long sequence) {}
            });
        }
        tp.register(recursing);
        AtomicLong overflows = new AtomicLong();
        long counted;
        try (LogCapture ignored = new LogCapture(TestSupport.LOGGER)) {
            for (int round = 0; round < THREADS; round++) {
                long stackSize = (256 + 128 * round) * 1024L;
                Waits.runToEnd("overflowing", stackSize, () -> {
                    for (int i = 0; i < OVERFLOWS_PER_THREAD; i++) {
                        // the recursion has no end of its own: returning means it overflowed
                        recursing.pad(ThreadLocalRandom.current().nextInt(64));
                        overflows.incrementAndGet();
                        assertThat(flavor.domain().inReadSection())
                                .as("inside a section of %s after a firing that overflowed returned", flavor)
                                .isFalse();
                    }
                });
                assertBooksBalanced(flavor);
            }
            counted = tp.failures(recursing);
        }
        assertThat(overflows.get()).isEqualTo(THREADS * OVERFLOWS_PER_THREAD);

        // the tracepoint still works, on a thread with its whole stack
        recursing.recurse = false;
        long calls = recursing.calls.get();
        tp.fire().tick(7);
        assertThat(recursing.calls.get()).isEqualTo(calls + 1);
        tp.unregister(recursing);
        tp.synchronizeUnregister();
        tp.fire().tick(8);
        assertThat(recursing.calls.get()).isEqualTo(calls + 1);
        System.out.printf(
                "StackOverflowTest %s with %d extra probes: %d overflows, %d of them counted as probe failures"
                        + " (the rest overflowed in the failure path too)%n",
                flavor, extraProbes, overflows.get(), counted);
    }

    /**
     * Instrumented code that itself recurses until the stack overflows, firing at every level, and
     * catches the error: the close of the firing at the limit may overflow too, and its frame is
     * gone. The section it leaves open is marked abandoned (without a call, in the firing's catch
     * block), and the thread's next firing of the flavor ends it and calls the probes as usual.
     * Run interpreted, where the close overflows in most such runs (in compiled code it is
     * usually inlined, and overflows rarely). Without the mark the section stayed open as long as
     * the thread lived, holding up every synchronizeUnregister() (this test fails then, 2 runs of
     * 2 per flavor).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void codeThatOverflowsWhileFiringLeavesNoSectionOpenAfterItsNextFiring(Flavor flavor) {
        ForkedJvm.Result r = ForkedJvm.run(
                AbandonedSectionMain.class,
                List.of("-Xint", "-ea", "--enable-native-access=ALL-UNNAMED"),
                List.of(flavor.name()),
                Tracepoint.class,
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("OK");
        System.out.print(r.output()
                        .lines()
                        .filter(l -> l.startsWith("abandoned"))
                        .findFirst()
                        .orElse("") + "\n");
    }

    /**
     * The first firing and the first probe failure of a JVM may happen near a thread's stack
     * limit, where loading and initializing the classes they use fails: a class whose
     * initialization failed stays unusable for the whole JVM. Afterwards, with the whole stack, a
     * firing still calls the probe, counts its failure and logs it.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void theFirstFiringOfTheJvmAtTheStackLimitBreaksNothing(Flavor flavor) {
        ForkedJvm.Result r = ForkedJvm.run(
                FirstFiringAtStackLimitMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED", "-Dtracepoint4j.failureLogIntervalMillis=0"),
                List.of(flavor.name()),
                Tracepoint.class,
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output())
                .contains("OK")
                .contains("threw java.lang.IllegalStateException: probe failure at the top");
    }

    /**
     * As above, after a tracepoint of the other flavor fired with a probe: the firing path's method
     * handles are linked, so near the limit only this flavor's own set-up is left, which its first
     * registration does (Domains.prepareFirings). Without that, the first deep firing creates the
     * flavor's domain there and its holder class is left unusable: this test fails (for FAULTABLE, in 2
     * runs of 2).
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void theFirstFiringOfAFlavorAtTheStackLimitBreaksNothing(Flavor flavor) {
        ForkedJvm.Result r = ForkedJvm.run(
                FirstFiringAtStackLimitMain.class,
                List.of("-ea", "--enable-native-access=ALL-UNNAMED", "-Dtracepoint4j.failureLogIntervalMillis=0"),
                List.of(flavor.name(), "other-flavor-first"),
                Tracepoint.class,
                RcuDomain.class);
        assertThat(r.exit()).as("exit status; output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("OK");
    }

    /**
     * The books of the flavor's domain are balanced: synchronizeUnregister() waits for a probe
     * held inside its firing on another thread, and returns once it left.
     */
    private static void assertBooksBalanced(Flavor flavor) {
        Tracepoint<Tick> witness = SynchronizeUnregisterTest.define(flavor);
        HeldProbe held = new HeldProbe(flavor == Flavor.FAULTABLE);
        witness.register(held);
        CompletableFuture<Void> firing = async("witness", () -> witness.fire().tick(1));
        try {
            await(held.entered, "the witness probe entered");
            CompletableFuture<Void> sync = async("sync", Tracepoints::synchronizeUnregister);
            assertBlocked(sync, "synchronizeUnregister() while the witness probe runs");
            held.release.countDown();
            await(sync, "synchronizeUnregister() after the witness probe left");
            await(firing, "the witness firing");
        } finally {
            held.release.countDown();
            witness.unregister(held);
        }
        await(async("after", Tracepoints::synchronizeUnregister), "synchronizeUnregister() with no probe running");
    }

    /** A probe that fires its own tracepoint again, one level deeper, until the stack overflows. */
    private static final class RecursingProbe implements Tick {
        private final Tracepoint<Tick> tp;
        final AtomicLong calls = new AtomicLong();
        volatile boolean recurse = true;

        RecursingProbe(Tracepoint<Tick> tp) {
            this.tp = tp;
        }

        /**
         * Shifts the start of the recursion by {@code n} frames of another size, then fires. The
         * error does not come back here: a probe call near where it lands catches it (the firing
         * does not throw).
         */
        void pad(int n) {
            long a = n, b = a * 3, c = b * 5, e = c * 7;
            if (n > 0) {
                pad(n - 1);
            } else {
                tp.fire().tick(0);
            }
            sink = a + b + c + e;
        }

        @Override
        public void tick(long depth) {
            calls.incrementAndGet();
            if (recurse) {
                tp.fire().tick(depth + 1);
            }
        }
    }

    private static volatile long sink;
}
