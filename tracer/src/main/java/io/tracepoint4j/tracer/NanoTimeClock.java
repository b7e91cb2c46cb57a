package io.tracepoint4j.tracer;

/** {@link TraceClock#nanoTime()}. */
final class NanoTimeClock extends TraceClock {
    static final NanoTimeClock INSTANCE = new NanoTimeClock();

    private NanoTimeClock() {}

    @Override
    public long now() {
        return System.nanoTime();
    }

    @Override
    public long frequency() {
        return 1_000_000_000L;
    }

    @Override
    public String name() {
        return "monotonic";
    }

    @Override
    public String description() {
        return "System.nanoTime() (CLOCK_MONOTONIC)";
    }

    @Override
    io.tracepoint4j.ringbuffer.Clock unordered() {
        return this; // nanoTime() is ordered already
    }
}
