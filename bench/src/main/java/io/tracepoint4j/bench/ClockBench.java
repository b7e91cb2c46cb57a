package io.tracepoint4j.bench;

import io.tracepoint4j.tracer.TraceClock;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does reading a session clock cost, the largest fixed part of a recorded event?
 *
 * <p>{@code nanoTime}: {@code System.nanoTime()} (CLOCK_MONOTONIC through the vDSO; kvm-clock on
 * the project's machines). {@code timeStampCounter}: {@link TraceClock#timeStampCounter()}, {@code
 * lfence; rdtsc} through a critical FFM downcall. {@code best}: what sessions use by default.
 * {@code jfrClock}: where JFR's events take their timestamps, {@code jdk.jfr.internal.JVM.counterTime()}
 * (a C2 intrinsic), read while a recording runs: what the {@code jfr} scenario of {@link
 * RecordEventBench} pays for its clock. It is JDK-internal, so the forks export it to the benchmarks;
 * the library never reads it. Clocks are static finals, as a session's are to its writers.
 *
 * <p>How to read it: ns per read; {@link TraceClock#best()} should be the cheapest correct one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 2,
        jvmArgsAppend = {Jvm.NATIVE_ACCESS, ClockBench.EXPORT_JFR_INTERNAL})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class ClockBench {
    static final String EXPORT_JFR_INTERNAL = "--add-exports=jdk.jfr/jdk.jfr.internal=ALL-UNNAMED";

    private static final TraceClock NANO_TIME = TraceClock.nanoTime();
    private static final TraceClock BEST = TraceClock.best();

    /** Linked only by the benchmark that reads it: it fails where the counter is unavailable. */
    private static final class Counter {
        static final TraceClock CLOCK = TraceClock.timeStampCounter();
    }

    @Benchmark
    public long nanoTime() {
        return NANO_TIME.now();
    }

    @Benchmark
    public long timeStampCounter() {
        return Counter.CLOCK.now();
    }

    @Benchmark
    public long best() {
        return BEST.now();
    }

    /** JFR's clock, with a recording running (JFR initializes its time source when it starts). */
    @State(Scope.Benchmark)
    public static class JfrClock {
        static final MethodHandle COUNTER_TIME = counterTime();
        private Recording recording;

        @Setup
        public void start() {
            recording = JfrRecordings.toDisk("jfr-clock");
        }

        @TearDown
        public void stop() {
            recording.close();
        }

        private static MethodHandle counterTime() {
            try {
                Class<?> jvm = Class.forName("jdk.jfr.internal.JVM");
                return MethodHandles.lookup().findStatic(jvm, "counterTime", MethodType.methodType(long.class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(
                        "JFR's clock is not reachable; the fork needs " + EXPORT_JFR_INTERNAL, e);
            }
        }
    }

    @Benchmark
    public long jfrClock(JfrClock state) throws Throwable {
        return (long) JfrClock.COUNTER_TIME.invokeExact();
    }
}
