package io.tracepoint4j.ringbuffer;

/** The time source of a buffer's records: nanoseconds or ticks of a monotonic clock, never decreasing. */
@FunctionalInterface
public interface Clock {
    /** {@link System#nanoTime()}: CLOCK_MONOTONIC on Linux. */
    Clock NANO_TIME = new NanoTime();

    /** The current time; never less than a value returned before, on any thread. */
    long now();
}
