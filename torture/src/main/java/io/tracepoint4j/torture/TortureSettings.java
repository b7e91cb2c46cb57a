package io.tracepoint4j.torture;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * What one torture run of one flavor does: how long, which threads, which delays.
 *
 * @param duration how long readers and updaters run
 * @param readers platform-thread readers that never block inside a section
 * @param virtualReaders readers on virtual threads; inside SRCU sections they sometimes park (and
 *     may resume on another carrier), inside classic RCU sections they only spin
 * @param blockingReaders platform-thread readers that sometimes sleep inside a section, and
 *     sometimes end it on another thread; SRCU only
 * @param overflowingReaders readers that recurse through nested sections until their thread's
 *     stack overflows, end what the StackOverflowError left open, and after a few overflows end
 *     their thread and go on in a fresh one
 * @param updaters threads that replace the current object and retire the old one
 * @param readerDelay upper bound of the random spin inside every read-side critical section
 * @param updaterDelay upper bound of the random pause between two updates of one updater
 * @param blockTime upper bound of one sleep or park inside a blocking section
 * @param methods the grace-period methods updaters take in turn
 * @param stallTimeout how long a thread may make no progress before the run is declared hung
 */
record TortureSettings(
        Duration duration,
        int readers,
        int virtualReaders,
        int blockingReaders,
        int overflowingReaders,
        int updaters,
        Duration readerDelay,
        Duration updaterDelay,
        Duration blockTime,
        Set<GpMethod> methods,
        Duration stallTimeout) {

    /** Checks every value; messages name the option a command-line user would fix. */
    TortureSettings {
        requirePositive(duration, "--seconds");
        requireAtLeast(readers, 0, "--readers");
        requireAtLeast(virtualReaders, 0, "--virtual-readers");
        requireAtLeast(blockingReaders, 0, "--blocking-readers");
        requireAtLeast(overflowingReaders, 0, "--overflowing-readers");
        requireAtLeast(updaters, 1, "--updaters");
        if (readers + virtualReaders + blockingReaders + overflowingReaders == 0) {
            throw new IllegalArgumentException("no readers: give at least one of --readers, --virtual-readers,"
                    + " --blocking-readers, --overflowing-readers");
        }
        requireNonNegative(readerDelay, "--reader-delay-us");
        requireNonNegative(updaterDelay, "--updater-delay-us");
        requireNonNegative(blockTime, "--block-us");
        requirePositive(stallTimeout, "--stall-seconds");
        if (methods == null || methods.isEmpty()) {
            throw new IllegalArgumentException("--methods needs at least one grace-period method");
        }
        methods = Set.copyOf(EnumSet.copyOf(methods));
    }

    /**
     * The defaults, sized for the machine: twice as many spinning readers as cores (so readers are
     * preempted inside sections, which is when grace-period bugs show), as many virtual readers as
     * cores, one blocking reader, one overflowing reader, two updaters (so concurrent grace-period
     * requests share).
     */
    static TortureSettings defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new TortureSettings(
                Duration.ofSeconds(10),
                2 * cores,
                cores,
                1,
                1,
                2,
                Duration.ofNanos(5_000),
                Duration.ofNanos(50_000),
                Duration.ofNanos(1_000_000),
                EnumSet.allOf(GpMethod.class),
                Duration.ofSeconds(30));
    }

    TortureSettings withDuration(Duration value) {
        return new TortureSettings(
                value,
                readers,
                virtualReaders,
                blockingReaders,
                overflowingReaders,
                updaters,
                readerDelay,
                updaterDelay,
                blockTime,
                methods,
                stallTimeout);
    }

    TortureSettings withReaders(int platform, int virtual, int blocking) {
        return new TortureSettings(
                duration,
                platform,
                virtual,
                blocking,
                overflowingReaders,
                updaters,
                readerDelay,
                updaterDelay,
                blockTime,
                methods,
                stallTimeout);
    }

    TortureSettings withUpdaters(int value) {
        return new TortureSettings(
                duration,
                readers,
                virtualReaders,
                blockingReaders,
                overflowingReaders,
                value,
                readerDelay,
                updaterDelay,
                blockTime,
                methods,
                stallTimeout);
    }

    TortureSettings withMethods(Set<GpMethod> value) {
        return new TortureSettings(
                duration,
                readers,
                virtualReaders,
                blockingReaders,
                overflowingReaders,
                updaters,
                readerDelay,
                updaterDelay,
                blockTime,
                value,
                stallTimeout);
    }

    TortureSettings withStallTimeout(Duration value) {
        return new TortureSettings(
                duration,
                readers,
                virtualReaders,
                blockingReaders,
                overflowingReaders,
                updaters,
                readerDelay,
                updaterDelay,
                blockTime,
                methods,
                value);
    }

    private static void requireAtLeast(int value, int min, String option) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", was " + value);
        }
    }

    private static void requirePositive(Duration value, String option) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, was " + describe(value));
        }
    }

    private static void requireNonNegative(Duration value, String option) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(option + " must not be negative, was " + describe(value));
        }
    }

    private static String describe(Duration value) {
        return value == null ? "missing" : value.toString();
    }
}
