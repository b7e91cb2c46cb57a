package io.tracepoint4j.bench;

/**
 * The RCU-protected pointer every benchmark reads: a volatile reference to an immutable
 * {@link Payload}, padded so that lock words or counters allocated next to it share no cache line
 * with it (a read-only line stays shared between readers; a neighbour's writes would bounce it).
 */
final class Published extends PublishedField {
    long p10, p11, p12, p13, p14, p15, p16, p17;

    Published(Payload initial) {
        current = initial; // before any reader starts: JMH setup happens-before the benchmark threads
    }
}

abstract class PublishedPad {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

abstract class PublishedField extends PublishedPad {
    /** Read with acquire semantics, as an RCU reader loads the protected pointer. */
    volatile Payload current;
}
