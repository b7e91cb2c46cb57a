package io.tracepoint4j.tracer.control;

import io.tracepoint4j.ArgumentWriter;
import io.tracepoint4j.Attachments;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.tracer.Filter;
import io.tracepoint4j.tracer.FilterException;

/**
 * How tp stat's counters and tp hist's histograms attach, the one way: through {@link Attachments},
 * which holds the tracepoints weakly (a plugin's class loader is never kept alive by a count) and
 * attaches tracepoints defined later too (a plugin deployed, or deployed again, while it counts);
 * each writer probe guarded by the filter, if there is one.
 */
abstract class GuardedChooser implements Attachments.Chooser {
    /** Null: every firing counts. */
    private final Filter filter;
    /** What the consumer is, for the note about a later tracepoint the filter does not fit. */
    private final String consumer;
    /** Where notes for the tool go. */
    final Notes notes;

    GuardedChooser(Filter filter, String consumer, Notes notes) {
        this.filter = filter;
        this.consumer = consumer;
        this.notes = notes;
    }

    /**
     * Throws if the filter does not fit {@code tracepoint}: for the tracepoints defined when the
     * consumer starts, which refuse it.
     *
     * @throws FilterException naming what does not fit
     */
    final void checkFits(Tracepoint<?> tracepoint) {
        if (filter != null) {
            filter.compile(tracepoint, "check");
        }
    }

    /**
     * Whether the filter fits {@code tracepoint}: for a tracepoint defined later, which is left out,
     * with a note for the tool, when it does not (its definition must not fail).
     */
    final boolean fits(Tracepoint<?> tracepoint) {
        try {
            checkFits(tracepoint);
            return true;
        } catch (FilterException e) {
            notes.accept(
                    consumer + " leaves out " + tracepoint.name() + ", defined after it started: " + e.getMessage());
            return false;
        }
    }

    /** The writer probe of {@code writer}, behind a filtered probe of the filter when there is one. */
    @Override
    public final <P> P probe(Tracepoint<P> tracepoint, ArgumentWriter writer) {
        P probe = tracepoint.writerProbe(writer);
        if (filter == null) {
            return probe;
        }
        return tracepoint.filteredProbe(filter.compile(tracepoint, writer + " if " + filter.expression()), probe);
    }
}
