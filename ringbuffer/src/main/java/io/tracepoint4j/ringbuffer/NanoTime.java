package io.tracepoint4j.ringbuffer;

/** {@link Clock#NANO_TIME}: a class, not a lambda (no invokedynamic in runtime modules). */
final class NanoTime implements Clock {
    @Override
    public long now() {
        return System.nanoTime();
    }

    @Override
    public String toString() {
        return "System.nanoTime()";
    }
}
