package io.tracepoint4j.bench;

import io.tracepoint4j.tracer.TraceClock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: what does reading a session clock cost, the largest fixed part of a recorded event?
 *
 * <p>{@code nanoTime}: {@code System.nanoTime()} (CLOCK_MONOTONIC through the vDSO; kvm-clock on
 * the project's machines). {@code timeStampCounter}: {@link TraceClock#timeStampCounter()}, {@code
 * lfence; rdtsc} through a critical FFM downcall. {@code best}: what sessions use by default.
 * Clocks are static finals, as a session's are to its writers.
 *
 * <p>How to read it: ns per read; {@link TraceClock#best()} should be the cheapest correct one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = Jvm.NATIVE_ACCESS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class ClockBench {
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
}
