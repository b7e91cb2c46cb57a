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
                .flatMap(flavor -> Stream.of(Arguments.of(flavor, 0), Arguments.of(flavor, Tracepoint.INLINED_PROBES)));
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
