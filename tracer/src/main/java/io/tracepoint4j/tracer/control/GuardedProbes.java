package io.tracepoint4j.tracer.control;

import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.tracer.Filter;

/**
 * Attaching a consumer's writer to a tracepoint, guarded by a filter if there is one: the one way
 * tp stat's counters and tp hist's histograms do it (they detach with {@link
 * Tracepoint#unregisterIfRegistered}, as a forgotten tracepoint may have dropped the probe).
 */
final class GuardedProbes {
    private GuardedProbes() {}

    /**
     * Registers a writer probe of {@code writer} on {@code tracepoint}, behind a filtered probe of
     * {@code filter} (compiled for it, named after the writer) when the filter is not null.
     *
     * @return the probe registered, for {@link #detach}
     * @throws io.tracepoint4j.tracer.FilterException if the filter does not fit the tracepoint
     */
    static <P> P attach(Tracepoint<P> tracepoint, ArgumentWriter writer, Filter filter) {
        P probe = tracepoint.writerProbe(writer);
        if (filter != null) {
            probe = tracepoint.filteredProbe(filter.compile(tracepoint, writer + " if " + filter.expression()), probe);
        }
        tracepoint.register(probe);
        return probe;
    }
}
