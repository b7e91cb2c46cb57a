package io.tracepoint4j.tracer;

import io.tracepoint4j.ringbuffer.Clock;

/**
 * The clock of a session's timestamps, as a trace describes it: ticks of a monotonic clock at
 * {@link #frequency()} Hz, and where tick 0 lies on the wall clock ({@link #epochNanosAtZero()}), so
 * that readers such as babeltrace2 print real times and line up traces of several JVMs.
 *
 * <p>{@link #best()} picks the cheapest clock that is correct here, by measurement on the kind of
 * machine this project runs on (2 vCPUs under KVM, kvm-clock): {@link #nanoTime()} costs about 29 ns
 * a read there, the CPU's time-stamp counter ({@link #timeStampCounter()}) about 12 ns, where the
 * CPU's TSC is invariant (constant and non-stop) and native access is enabled.
 */
public abstract sealed class TraceClock implements Clock permits NanoTimeClock, TimeStampCounterClock {

    TraceClock() {}

    /** {@code System.nanoTime()}: CLOCK_MONOTONIC on Linux, 1 GHz, available everywhere. */
    public static TraceClock nanoTime() {
        return NanoTimeClock.INSTANCE;
    }

    /**
     * The CPU's invariant time-stamp counter, read with {@code lfence; rdtsc} through FFM (x86-64
     * Linux, a CPU flagging constant_tsc and nonstop_tsc, native access enabled for this module).
     * Its frequency is measured against {@code System.nanoTime()} when first used (about 20 ms).
     *
     * @throws UnsupportedOperationException naming why it is unavailable here
     */
    public static TraceClock timeStampCounter() {
        return TimeStampCounterClock.instance();
    }

    /** The time-stamp counter where it is available, else {@link #nanoTime()}. */
    public static TraceClock best() {
        return TimeStampCounterClock.available() ? TimeStampCounterClock.instance() : NanoTimeClock.INSTANCE;
    }

    /**
     * A read of this clock that need not be ordered with the caller's earlier loads (cheaper), for
     * ring buffers that keep their timestamps non-decreasing themselves (single-producer ones).
     */
    abstract Clock unordered();

    /** The current tick: never less than a value read before, on any thread. */
    @Override
    public abstract long now();

    /** Ticks per second. */
    public abstract long frequency();

    /**
     * The wall-clock time of tick 0, in nanoseconds since the Unix epoch (may be negative),
     * measured now, by reading the wall clock between two reads of this one (the closest of five
     * such brackets): a session measures it once, as it is built, for all its chunks, so that a wall clock stepped since the JVM started (or a suspend, which
     * CLOCK_MONOTONIC does not count) does not shift its times, nor the drift of a counter the time
     * daemon never corrects build up over days.
     */
    public final long epochNanosAtZero() {
        long best = Long.MAX_VALUE;
        long zero = 0;
        for (int i = 0; i < 5; i++) { // the closest bracket of five: a preemption between reads spoils one
            long before = now();
            long epoch = epochNanosNow();
            long after = now();
            if (after - before < best) {
                best = after - before;
                zero = epochNanosAtZero(epoch, before + (after - before) / 2, frequency());
            }
        }
        return zero;
    }

    /** A short name for traces' metadata: {@code monotonic} or {@code tsc}. */
    public abstract String name();

    /** Why this clock, for logs and the trace's description. */
    public abstract String description();

    @Override
    public String toString() {
        return name() + " (" + frequency() + " Hz): " + description();
    }

    /**
     * The tick of this clock at wall-clock time {@code epochNanos}, a time of the recent past (an
     * event reported late), at most now's tick. Measured back from now on both clocks, not from
     * {@link #epochNanosAtZero()}: the wall clock drifts from this one (NTP slews it), and over
     * the few seconds back such a time lies the drift is far below a microsecond.
     */
    final long tickAtEpochNanos(long epochNanos) {
        long ago = epochNanosNow()
                - epochNanos; // the wall clock first: a pause between the reads places it late, not early
        long nowTick = now();
        return ago <= 0 ? nowTick : nowTick - Math.round(ago * (frequency() / 1e9));
    }

    /** The wall-clock time of tick 0 for a clock whose {@code tick} was read at {@code epochNanos}. */
    static long epochNanosAtZero(long epochNanos, long tick, long frequency) {
        return epochNanos - Math.round(tick * (1e9 / frequency));
    }

    /** The current wall-clock time in nanoseconds since the epoch. */
    static long epochNanosNow() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
