package io.tracepoint4j.tracer.control;

import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.Attachments;
import io.tracepoint4j.IndexedArgumentWriter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.tracer.Filter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code tp stat}'s counting in the target: a probe on every tracepoint a glob names (guarded by the
 * filter, if any), those defined now and those defined while it counts, that counts the firings
 * and writes nothing, read on demand. The counter is a writer probe whose begin() counts and skips
 * the firing, so no argument is handed over; a LongAdder keeps firing threads from contending on
 * one counter. Tracepoints of one name (a plugin's, deployed again) add up under that name.
 */
final class Counts {
    /*
     * Concurrency: the chooser runs on defining threads under Attachments' lock (its monitor);
     * read() on the control thread. counters and notAttached are copy-on-write lists. `started`
     * is written by the constructor and read by notAttached() under that same monitor, with the
     * check of notAttached: a refusal comes either before it (the start refuses) or after it (a
     * note), never in between.
     */
    private final List<String> globs;
    /** In the order attached; added to by defining threads (Attachments' lock), read by the control thread. */
    private final List<Counter> counters = new CopyOnWriteArrayList<>();
    /** Why a tracepoint's counter could not be registered (its onFirstProbe hook threw), for the start. */
    private final List<String> notAttached = new CopyOnWriteArrayList<>();
    /** Whether the start is over: a counter refused later is a note for the tool. */
    private boolean started; // guarded by the attachments' monitor

    private final Attachments attachments;
    /** The globs that matched no tracepoint when it started (a typo, or tracepoints not defined yet). */
    private final List<String> unmatchedAtStart = new ArrayList<>();

    /**
     * Attaches counters to the tracepoints {@code globs} match, now and as they are defined.
     *
     * @throws io.tracepoint4j.tracer.FilterException if the filter does not fit one defined now
     * @throws IllegalStateException if a counter could not be registered on one defined now (its
     *     onFirstProbe hook threw): refused, as a filter that does not fit, rather than shown as 0
     */
    Counts(List<String> globs, String filter, Notes notes) {
        this.globs = globs;
        Filter parsed = filter == null || filter.isEmpty() ? null : Filter.parse(filter);
        Chooser chooser = new Chooser(parsed, notes);
        for (String glob : globs) {
            List<Tracepoint<?>> found = Tracepoints.find(Tracepoints.checkGlob(glob)); // why none would match
            for (Tracepoint<?> tracepoint : found) {
                chooser.checkFits(tracepoint); // refused now rather than left out
            }
            if (found.isEmpty()) {
                unmatchedAtStart.add(glob);
            }
        }
        this.attachments = Attachments.start(chooser);
        boolean refused;
        synchronized (attachments) { // the lock notAttached() runs under
            started = true; // from now on a refusal is a note
            refused = !notAttached.isEmpty();
        }
        if (refused) {
            attachments.close();
            throw new IllegalStateException(
                    "tp stat cannot count " + String.join("; ", notAttached) + "; leave it out of the globs");
        }
    }

    /** The globs that matched no tracepoint when counting started, for the tool to say so. */
    List<String> unmatchedAtStart() {
        return unmatchedAtStart;
    }

    /** NAME=COUNT for each tracepoint name counted, in the order first attached. */
    List<String> read() {
        Map<String, Long> byName = new LinkedHashMap<>();
        for (Counter counter : counters) {
            Long before = byName.get(counter.name);
            byName.put(counter.name, (before == null ? 0 : before) + counter.count.sum());
        }
        List<String> counts = new ArrayList<>(byName.size());
        for (Map.Entry<String, Long> entry : byName.entrySet()) {
            counts.add(entry.getKey() + "=" + entry.getValue());
        }
        return counts;
    }

    /** Detaches the counters and waits until no firing runs them. */
    void close() {
        attachments.close();
    }

    private boolean matches(String name) {
        for (String glob : globs) {
            if (Tracepoints.matches(glob, name)) {
                return true;
            }
        }
        return false;
    }

    /** A counter for each tracepoint the globs match and the filter fits. */
    private final class Chooser extends GuardedChooser {
        Chooser(Filter filter, Notes notes) {
            super(filter, "tp stat counting " + String.join(",", globs), notes);
        }

        @Override
        public List<? extends ArgumentWriter> writers(Tracepoint<?> tracepoint) {
            if (!matches(tracepoint.name()) || !fits(tracepoint)) {
                return List.of();
            }
            return List.of(new Counter(tracepoint.name()));
        }

        /** Listed once registered: a counter whose registration failed is not shown as NAME=0. */
        @Override
        public void attached(Tracepoint<?> tracepoint, List<? extends ArgumentWriter> writers) {
            counters.add((Counter) writers.getFirst());
        }

        /** Told to the start if it fails there (which refuses); for a tracepoint defined later, a note. */
        @Override
        public boolean notAttached(Tracepoint<?> tracepoint, Throwable cause) {
            if (started) {
                notes.accept("tp stat cannot count " + tracepoint.name() + ", defined after it started: "
                        + cause.getMessage());
            } else {
                notAttached.add(tracepoint.name() + ": " + cause.getMessage());
            }
            return true;
        }
    }

    /** Counts in begin() and skips the firing: no argument is handed over, nothing is written. */
    private static final class Counter extends IndexedArgumentWriter {
        final LongAdder count = new LongAdder();
        final String name;

        Counter(String name) {
            this.name = name;
        }

        @Override
        public long begin(int variableSize) {
            count.increment();
            return -1; // skip: counted, nothing to write
        }

        @Override
        public String toString() {
            return "tp stat counting " + name;
        }
    }
}
