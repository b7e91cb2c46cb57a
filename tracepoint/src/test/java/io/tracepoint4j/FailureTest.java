package io.tracepoint4j;

import static io.tracepoint4j.TestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracepoint4j.Tracepoint.Flavor;
import io.tracepoint4j.testkit.LogCapture;
import io.tracepoint4j.testkit.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A probe that throws never reaches the instrumented code nor stops the other probes; failures are
 * counted per probe, logged rate-limited, and the detach policy unregisters a failing probe.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("try")
class FailureTest {

    /** The prototype used here. */
    public interface Op {
        void op(int n);
    }

    static Tracepoint<Op> define(Flavor flavor, Tracepoint.Builder<Op> builder) {
        builder.arguments("n");
        return (flavor == Flavor.FAULTABLE ? builder.faultable() : builder).define();
    }

    static Tracepoint<Op> define(Flavor flavor) {
        return define(flavor, Tracepoint.builder(unique("failure", "op"), Op.class));
    }

    /** Throws {@code t} although it is checked: what a probe written in another JVM language may do. */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    /** With no extra probes the four are bound into the dispatch target; with more, the loop calls them. */
    static Stream<Arguments> flavorsAndExtraProbes() {
        return Stream.of(Flavor.values())
                .flatMap(flavor ->
                        Stream.of(Arguments.of(flavor, 0), Arguments.of(flavor, ProbeUpdates.INLINED_PROBES)));
    }

    @ParameterizedTest
    @MethodSource("flavorsAndExtraProbes")
    void failuresAreIsolatedAndCountedPerProbe(Flavor flavor, int extraProbes) {
        Tracepoint<Op> tp = define(flavor);
        AtomicInteger extraCalls = new AtomicInteger();
        for (int i = 0; i < extraProbes; i++) {
            tp.register(n -> extraCalls.incrementAndGet(), 0); // after the four below
        }
        List<String> calls = new ArrayList<>();
        Op runtime = n -> {
            calls.add("runtime");
            throw new IllegalStateException("probe bug " + n);
        };
        Op error = n -> {
            calls.add("error");
            throw new AssertionError("probe assertion " + n);
        };
        Op checked = n -> {
            calls.add("checked");
            sneakyThrow(new java.io.IOException("probe I/O " + n));
        };
        Op healthy = n -> calls.add("healthy " + n);
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER)) {
            tp.register(runtime, 40);
            tp.register(error, 30);
            tp.register(checked, 20);
            tp.register(healthy, 10);
            for (int i = 0; i < 3; i++) {
                tp.fire().op(i); // must not throw
            }
            assertThat(calls)
                    .containsExactly(
                            "runtime",
                            "error",
                            "checked",
                            "healthy 0",
                            "runtime",
                            "error",
                            "checked",
                            "healthy 1",
                            "runtime",
                            "error",
                            "checked",
                            "healthy 2");
            assertThat(tp.failures(runtime)).isEqualTo(3);
            assertThat(tp.failures(error)).isEqualTo(3);
            assertThat(tp.failures(checked)).isEqualTo(3);
            assertThat(tp.failures(healthy)).isZero();
            assertThat(extraCalls).hasValue(3 * extraProbes);
            // rate-limited: one report per probe within the interval, with the exception attached
            TestSupport.awaitFailureReports();
            assertThat(logs.containing("threw java.lang.IllegalStateException: probe bug 0"))
                    .hasSize(1);
            assertThat(logs.containing("probe bug 1")).isEmpty();
            assertThat(logs.containing("threw java.lang.AssertionError")).hasSize(1);
            assertThat(logs.containing("threw java.io.IOException"))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getThrown()).hasMessage("probe I/O 0"));
            assertThat(tp.isRegistered(runtime))
                    .as("no detach policy by default")
                    .isTrue();
        }
        assertThatThrownBy(() -> tp.failures((Op) n -> {})).isInstanceOf(IllegalStateException.class);
    }

    /** A probe that swallows an interrupt by throwing InterruptedException: the flag is restored. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void interruptedProbeKeepsTheInterruptFlag(Flavor flavor) {
        Tracepoint<Op> tp = define(flavor);
        Op probe = n -> sneakyThrow(new InterruptedException("probe interrupted"));
        try (LogCapture ignored = new LogCapture(TestSupport.LOGGER)) {
            tp.register(probe);
            tp.fire().op(1);
            assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();
            assertThat(tp.failures(probe)).isEqualTo(1);
        }
    }

    /** The detach policy unregisters a probe after N failures in the window, with the last-probe hook. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void detachPolicyUnregistersARepeatedlyFailingProbe(Flavor flavor) {
        AtomicInteger lastProbe = new AtomicInteger();
        Tracepoint<Op> tp = define(
                flavor,
                Tracepoint.builder(unique("failure", "detach"), Op.class).onLastProbe(lastProbe::incrementAndGet));
        tp.detachAfter(3, Duration.ofMinutes(1));
        AtomicInteger calls = new AtomicInteger();
        Op failing = n -> {
            calls.incrementAndGet();
            throw new IllegalStateException("always");
        };
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER)) {
            tp.register(failing);
            tp.fire().op(1);
            tp.fire().op(2);
            assertThat(tp.isRegistered(failing)).isTrue();
            tp.fire().op(3);
            Waits.awaitTrue(() -> !tp.isRegistered(failing), () -> "the failing probe is detached");
            Waits.awaitTrue(() -> lastProbe.get() == 1, () -> "onLastProbe ran");
            assertThat(tp.enabled()).isFalse();
            tp.synchronizeUnregister();
            int seen = calls.get();
            tp.fire().op(4);
            assertThat(calls.get()).isEqualTo(seen);
            Waits.awaitTrue(
                    () -> logs.containing("detached from " + tp.name() + " after 3 failures")
                                    .size()
                            == 1,
                    () -> "the detach is logged");
        }
        assertThatThrownBy(() -> tp.unregister(failing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("detached after repeated failures");
        assertThatThrownBy(() -> tp.failures(failing))
                .as("its count, asked for after the detach")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("detached after repeated failures, which a warning reported with their count");
    }

    /**
     * The logging backend throws while the failure is reported: the probe is detached all the
     * same (the detach used to be started after the log record, and never was).
     */
    @Test
    void aFailingProbeIsDetachedWhenTheLoggingBackendThrows() {
        Tracepoint<Op> tp = Tracepoint.define(unique("failure", "loggerthrows"), Op.class, "n");
        tp.detachAfter(1, Duration.ofMinutes(1));
        Op failing = n -> {
            throw new IllegalStateException("always");
        };
        java.util.logging.Handler throwing = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains(tp.name())) {
                    throw new AssertionError("injected: the logging backend failed");
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(TestSupport.LOGGER);
        logger.addHandler(throwing);
        try {
            tp.register(failing);
            tp.fire().op(1);
            Waits.awaitTrue(() -> !tp.isRegistered(failing), () -> "the failing probe is detached");
        } finally {
            logger.removeHandler(throwing);
        }
    }

    @Test
    void detachPolicyIsValidated() {
        Tracepoint<Op> tp = define(Flavor.REGULAR);
        assertThatThrownBy(() -> tp.detachAfter(-1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 to never detach");
        assertThatThrownBy(() -> tp.detachAfter(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive duration");
        tp.detachAfter(0, Duration.ofSeconds(1)); // never
    }

    /**
     * The window slides: any {@code n} failures within its length detach, wherever they fall. A
     * tumbling window started at the first failure would count 2 failures in [0 s, 10 s], restart at
     * 11 s and miss the three at 9, 11 and 12 s. The clock starts near overflow: System.nanoTime()
     * may be anywhere.
     */
    @Test
    void detachPolicyCountsTheLastFailuresInASlidingWindow() {
        DetachPolicy threeIn10s = DetachPolicy.of(3, Duration.ofSeconds(10));
        assertThat(detachesAt(threeIn10s, 0, 9, 11, 12)).containsExactly(false, false, false, true);
        assertThat(detachesAt(threeIn10s, 0, 6, 12, 18, 24, 30)).containsOnly(false);
        assertThat(detachesAt(threeIn10s, 0, 5, 10))
                .as("the window's length is within")
                .containsExactly(false, false, true);
        assertThat(detachesAt(threeIn10s, 0, 1, 2, 3, 4))
                .as("detached once")
                .containsExactly(false, false, true, false, false);
        assertThat(detachesAt(DetachPolicy.of(1, Duration.ofNanos(1)), 0)).containsExactly(true);
        assertThat(detachesAt(DetachPolicy.of(2, Duration.ofMillis(Long.MAX_VALUE)), 0, 1_000_000))
                .as("a window longer than a long's nanoseconds: ever (it used to throw, and nothing was detached)")
                .containsExactly(false, true);
    }

    /** Failures seen under one policy count under the next: the last n of them. */
    @Test
    void aNewDetachPolicyCountsTheFailuresAlreadyRecorded() {
        Registration registration = new Registration(new Object(), 10);
        DetachPolicy fiveIn10s = DetachPolicy.of(5, Duration.ofSeconds(10));
        for (int s = 0; s < 4; s++) {
            assertThat(failAt(registration, fiveIn10s, s)).isFalse();
        }
        assertThat(failAt(registration, DetachPolicy.of(3, Duration.ofSeconds(10)), 4))
                .isTrue();
        assertThat(registration.failures()).isEqualTo(5);
    }

    /** Racing failures of one probe are all counted, and detach it exactly once. */
    @Test
    void concurrentFailuresDetachExactlyOnce() {
        Registration registration = new Registration(new Object(), 10);
        DetachPolicy policy = DetachPolicy.of(1_000, Duration.ofHours(1));
        AtomicInteger detaches = new AtomicInteger();
        List<CompletableFuture<Void>> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Waits.async("failing-" + t, () -> {
                for (int i = 0; i < 2_000; i++) {
                    if (registration.recordFailure(System.nanoTime(), policy, Long.MAX_VALUE).detach) {
                        detaches.incrementAndGet();
                    }
                }
            }));
        }
        threads.forEach(t -> Waits.await(t, "a failing thread"));
        assertThat(registration.failures()).isEqualTo(8_000);
        assertThat(detaches).hasValue(1);
    }

    @Test
    void detachPolicyRemembersAtMostTenThousandFailures() {
        Tracepoint<Op> tp = define(Flavor.REGULAR);
        tp.detachAfter(10_000, Duration.ofSeconds(1));
        assertThatThrownBy(() -> tp.detachAfter(10_001, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 10000")
                .hasMessageContaining("shorten the window");
    }

    /** Whether each failure, at these seconds (from near Long.MAX_VALUE nanoseconds), detaches. */
    private static List<Boolean> detachesAt(DetachPolicy policy, long... seconds) {
        Registration registration = new Registration(new Object(), 10);
        List<Boolean> detaches = new ArrayList<>();
        for (long s : seconds) {
            detaches.add(failAt(registration, policy, s));
        }
        return detaches;
    }

    private static boolean failAt(Registration registration, DetachPolicy policy, long seconds) {
        long start = Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(5);
        return registration.recordFailure(start + TimeUnit.SECONDS.toNanos(seconds), policy, Long.MAX_VALUE).detach;
    }

    /**
     * A probe that throws after it was unregistered (here: it unregisters itself, then throws) is
     * reported rate-limited as well: one report per interval, not one per failure.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void failuresOfUnregisteredProbesAreLoggedRateLimited(Flavor flavor) {
        Tracepoint<Op> tp = define(flavor);
        Op[] self = new Op[1];
        self[0] = n -> {
            tp.unregister(self[0]);
            throw new IllegalStateException("late " + n);
        };
        try (LogCapture logs = new LogCapture(TestSupport.LOGGER)) {
            for (int i = 0; i < 5; i++) {
                tp.register(self[0]);
                tp.fire().op(i);
            }
            TestSupport.awaitFailureReports();
            assertThat(logs.containing("threw while being unregistered"))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getThrown()).hasMessage("late 0"));
        }
        assertThat(tp.probeCount()).isZero();
    }

    /** Failures spread wider than the window never add up to a detach. */
    @Test
    void failuresOutsideTheWindowDoNotDetach() {
        Tracepoint<Op> tp = define(Flavor.REGULAR);
        tp.detachAfter(2, Duration.ofMillis(50));
        Op failing = n -> {
            throw new IllegalStateException("now and then");
        };
        try (LogCapture ignored = new LogCapture(TestSupport.LOGGER)) {
            tp.register(failing);
            for (int i = 0; i < 3; i++) {
                tp.fire().op(i);
                Waits.sleep(80);
            }
            Waits.sleep(50);
            assertThat(tp.isRegistered(failing)).isTrue();
            assertThat(tp.failures(failing)).isEqualTo(3);
        }
    }
}
