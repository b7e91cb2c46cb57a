package io.tracepoint4j.bench;

import io.tracepoint4j.rcu.ReadSideBarrier;

/** Settings every forked benchmark JVM shares, and what it prints about itself. */
final class Jvm {

    /** FFM calls {@code membarrier(2)} from the unnamed module: allow it without a warning. */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /**
     * JMH 1.37 reads field offsets through {@code sun.misc.Unsafe}; JDK 24+ warns about it in every
     * fork. Allowing it silences the warning and changes nothing this library does.
     */
    static final String QUIET_UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    /** Forces the fenced read side (see {@link ReadSideBarrier#FORCE_FENCED_PROPERTY}). */
    static final String FORCE_FENCED = "-D" + ReadSideBarrier.FORCE_FENCED_PROPERTY + "=true";

    private Jvm() {}

    /** Prints, once per fork, which read-side barrier this JVM chose and why. */
    static void printReadSideBarrier() {
        System.out.println("# read-side barrier: " + ReadSideBarrier.current() + " (" + ReadSideBarrier.reason() + ")");
    }
}
