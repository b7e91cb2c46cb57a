package io.tracepoint4j.bench;

/**
 * Counts callbacks that ran. Written by one callback thread only and read after a barrier, so a
 * plain field suffices; padded so that its writes do not bounce the cache line of the fields the
 * calling thread reads.
 */
final class RunCounter extends RunCounterField {
    long p10, p11, p12, p13, p14, p15, p16, p17;

    /** The callback: one more run. Single writer, so a plain increment. */
    void increment() {
        runs++;
    }

    /** Runs so far; exact once a barrier has returned after them. */
    long runs() {
        return runs;
    }
}

abstract class RunCounterPad {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

abstract class RunCounterField extends RunCounterPad {
    long runs;
}
