package io.tracepoint4j.tracer.control;

import io.tracepoint4j.IndexedArgumentWriter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import io.tracepoint4j.tracer.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code tp stat}'s counting in the target: a probe on every tracepoint a glob names (guarded by the
 * filter, if any) that counts the firings and writes nothing, read on demand. The counter is a
 * writer probe whose begin() counts and skips the firing, so no argument is handed over; a
 * LongAdder keeps firing threads from contending on one counter.
 */
final class Counts {
    private final List<Counted<?>> counted = new ArrayList<>();

    /**
     * Attaches counters to the tracepoints defined now that {@code globs} match.
     *
     * @throws io.tracepoint4j.tracer.FilterException if the filter does not fit one of them
     */
    Counts(List<String> globs, String filter) {
        Filter parsed = filter == null || filter.isEmpty() ? null : Filter.parse(filter);
        List<Tracepoint<?>> found = new ArrayList<>();
        for (String glob : globs) {
            for (Tracepoint<?> tracepoint : Tracepoints.find(Tracepoints.checkGlob(glob))) { // why none would match
                if (!found.contains(tracepoint)) {
                    found.add(tracepoint);
                }
            }
        }
        try {
            for (Tracepoint<?> tracepoint : found) {
                counted.add(Counted.attach(tracepoint, parsed));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** NAME=COUNT for each tracepoint counted, in the order found. */
    List<String> read() {
        List<String> counts = new ArrayList<>();
        for (Counted<?> c : counted) {
            counts.add(c.tracepoint.name() + "=" + c.counter.count.sum());
        }
        return counts;
    }

    /** Detaches the counters and waits until no firing runs them. */
    void close() {
        for (Counted<?> c : counted) {
            c.detach();
        }
        for (Counted<?> c : counted) {
            c.tracepoint.synchronizeUnregister();
        }
        counted.clear();
    }

    private static final class Counted<P> {
        final Tracepoint<P> tracepoint;
        final Counter counter;
        final P probe;

        private Counted(Tracepoint<P> tracepoint, Counter counter, P probe) {
            this.tracepoint = tracepoint;
            this.counter = counter;
            this.probe = probe;
        }

        static <P> Counted<P> attach(Tracepoint<P> tracepoint, Filter filter) {
            Counter counter = new Counter("tp stat counting " + tracepoint.name());
            return new Counted<>(tracepoint, counter, GuardedProbes.attach(tracepoint, counter, filter));
        }

        void detach() {
            tracepoint.unregisterIfRegistered(probe);
        }
    }

    /** Counts in begin() and skips the firing: no argument is handed over, nothing is written. */
    private static final class Counter extends IndexedArgumentWriter {
        final LongAdder count = new LongAdder();
        private final String description;

        Counter(String description) {
            this.description = description;
        }

        @Override
        public long begin(int variableSize) {
            count.increment();
            return -1; // skip: counted, nothing to write
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
