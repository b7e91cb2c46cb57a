package io.tracepoint4j.torture;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What one torture run of one flavor saw. Every count is final: the run's threads have ended (or
 * were declared hung, which {@link #failures()} then says).
 *
 * @param flavor the flavor's name, as on the command line
 * @param settings what the run was asked to do
 * @param elapsed how long readers and updaters actually ran
 * @param reads read-side critical sections that recorded an age (nested ones included)
 * @param nestedReads of those, sections nested in another section of the same domain
 * @param blockedReads sections that slept or parked inside
 * @param handedOffReads sections ended on another thread than the one that began them
 * @param stackOverflows StackOverflowErrors the overflowing readers caught
 * @param exitsRedone section exits that threw (out of stack) and were done again, higher up the stack
 * @param updates objects replaced and retired
 * @param updatesByMethod updates per {@link GpMethod}, by ordinal
 * @param barrierChecks {@code barrier()} calls checked against a callback queued just before
 * @param gracePeriods grace periods the domain completed during the run
 * @param callbacksQueued {@code call()}s made by the harness
 * @param callbacksInvoked callbacks that ran
 * @param freed objects that reached the end of the pipeline and were poisoned
 * @param ageHistogram reads by the age seen at the end of the section; the last slot is age 10
 * @param tooShortGracePeriods reads that saw age 2 or more, or a poisoned object
 * @param poisonedSeen of those, reads that held a freed (poisoned) object
 * @param tooShortSamples the first few too-short reads, described
 * @param failures everything else that went wrong: a thread died, the run hung, barrier() returned
 *     early, a callback ran inline or never, close() refused
 */
record FlavorReport(
        String flavor,
        TortureSettings settings,
        Duration elapsed,
        long reads,
        long nestedReads,
        long blockedReads,
        long handedOffReads,
        long stackOverflows,
        long exitsRedone,
        long updates,
        long[] updatesByMethod,
        long barrierChecks,
        long gracePeriods,
        long callbacksQueued,
        long callbacksInvoked,
        long freed,
        long[] ageHistogram,
        long tooShortGracePeriods,
        long poisonedSeen,
        List<String> tooShortSamples,
        List<String> failures) {

    FlavorReport {
        updatesByMethod = updatesByMethod.clone();
        ageHistogram = ageHistogram.clone();
        tooShortSamples = List.copyOf(tooShortSamples);
        failures = List.copyOf(failures);
    }

    /**
     * What {@code torture} saw, summed over its readers and updaters. Call it after the watchdog
     * joined them: their counters are plain fields (FlavorTorture's design note).
     */
    static FlavorReport of(
            FlavorTorture torture,
            List<TortureReader> readers,
            List<TortureUpdater> updaters,
            Duration elapsed,
            long gracePeriods) {
        long reads = 0, nested = 0, blocked = 0, handedOff = 0, overflows = 0, exitsRedone = 0;
        long tooShort = 0, poisoned = 0;
        long[] ages = new long[PipelineItem.FREED_AGE + 1];
        for (TortureReader reader : readers) {
            reads += reader.reads;
            nested += reader.nested;
            blocked += reader.blocked;
            handedOff += reader.handedOff;
            overflows += reader.overflows;
            exitsRedone += reader.exitsRedone;
            tooShort += reader.tooShort;
            poisoned += reader.poisoned;
            for (int age = 0; age < ages.length; age++) {
                ages[age] += reader.ages[age];
            }
        }
        long updates = 0, barrierChecks = 0;
        long[] byMethod = new long[GpMethod.values().length];
        for (TortureUpdater updater : updaters) {
            updates += updater.updates;
            barrierChecks += updater.barrierChecks;
            for (int m = 0; m < byMethod.length; m++) {
                byMethod[m] += updater.byMethod[m];
            }
        }
        return new FlavorReport(
                torture.flavor,
                torture.settings,
                elapsed,
                reads,
                nested,
                blocked,
                handedOff,
                overflows,
                exitsRedone,
                updates,
                byMethod,
                barrierChecks,
                gracePeriods,
                torture.callbacks.queuedCount(),
                torture.callbacks.invokedCount(),
                torture.freed(),
                ages,
                tooShort,
                poisoned,
                torture.samples(),
                torture.failures());
    }

    /** A flavor whose domain could not even be created. */
    static FlavorReport notStarted(String flavor, TortureSettings settings, Throwable cause) {
        return new FlavorReport(
                flavor,
                settings,
                Duration.ZERO,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                new long[GpMethod.values().length],
                0,
                0,
                0,
                0,
                0,
                new long[PipelineItem.FREED_AGE + 1],
                0,
                0,
                List.of(),
                List.of(flavor + ": creating the domain failed: " + cause));
    }

    /** Updates that used {@code method}. */
    long updates(GpMethod method) {
        return updatesByMethod[method.ordinal()];
    }

    /** Reads that ended seeing {@code age} (the last slot counts age 10, the freed objects). */
    long readsAtAge(int age) {
        return ageHistogram[age];
    }

    /** Whether anything other than a too-short grace period went wrong. */
    boolean failed() {
        return !failures.isEmpty();
    }

    /** The human-readable block `./tp torture` prints for this flavor. */
    String format() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%s: %.1f s; readers: %d platform, %d virtual, %d blocking, %d overflowing; updaters: %d;"
                        + " methods: %s%n",
                flavor,
                elapsed.toNanos() / 1e9,
                settings.readers(),
                settings.virtualReaders(),
                settings.blockingReaders(),
                settings.overflowingReaders(),
                settings.updaters(),
                settings.methods().stream().sorted().map(GpMethod::label).collect(Collectors.joining(", "))));
        line(
                out,
                "reads",
                reads,
                String.format(
                        Locale.ROOT,
                        "nested %,d; blocked inside %,d; ended on another thread %,d; stack overflows %,d,"
                                + " exits redone %,d",
                        nestedReads,
                        blockedReads,
                        handedOffReads,
                        stackOverflows,
                        exitsRedone));
        StringBuilder methods = new StringBuilder();
        for (GpMethod method : GpMethod.values()) {
            if (!methods.isEmpty()) {
                methods.append("; ");
            }
            methods.append(String.format(Locale.ROOT, "%s %,d", method.label(), updates(method)));
        }
        line(out, "updates", updates, methods.toString());
        line(out, "grace periods", gracePeriods, null);
        line(
                out,
                "callbacks invoked",
                callbacksInvoked,
                String.format(Locale.ROOT, "queued %,d; barrier checks %,d", callbacksQueued, barrierChecks));
        line(out, "objects freed", freed, null);
        out.append("  age histogram    ");
        for (int age = 0; age < ageHistogram.length; age++) {
            String label = age == ageHistogram.length - 1 ? age + "+" : Integer.toString(age);
            out.append(String.format(Locale.ROOT, " %s: %d", label, ageHistogram[age]));
        }
        out.append(System.lineSeparator());
        out.append(String.format(
                Locale.ROOT,
                "  too-short (%s): %d  (reads that saw age >= 2 or a freed object; freed: %d)%n",
                flavor,
                tooShortGracePeriods,
                poisonedSeen));
        for (String sample : tooShortSamples) {
            out.append("    e.g. ").append(sample).append(System.lineSeparator());
        }
        for (String failure : failures) {
            out.append("  FAILURE: ").append(failure).append(System.lineSeparator());
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String what, long count, String detail) {
        out.append(String.format(Locale.ROOT, "  %-18s %,14d", what, count));
        if (detail != null) {
            out.append("  (").append(detail).append(')');
        }
        out.append(System.lineSeparator());
    }
}
