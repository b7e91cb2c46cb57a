package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfClock;
import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The events of one or more traces on one timeline: each trace's events in its own time order
 * ({@link CtfReader}), the traces merged by wall-clock time (nanoseconds since the Unix epoch, as
 * each trace's clock converts its timestamps, exactly as babeltrace2 converts them: {@link
 * #nanos}), ties in the order the traces were named.
 *
 * <p>Traces merge as babeltrace2 merges them: their clocks must all be absolute, or all share one
 * UUID (tracepoint4j's clocks take the machine's boot id: traces of the JVMs of one machine and boot
 * merge). Not thread-safe.
 */
final class Timeline implements Closeable {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final List<TraceFolders.Found> traces;
    /** What the command did with the events before a broken one, for its message. */
    private final String before;

    private final List<CtfReader> readers;
    private final PriorityQueue<Cursor> queue;

    /** An event on the timeline: its trace (an index into {@link #traces()}), time and the event. */
    record Entry(int trace, long epochNanos, CtfEvent event) {}

    private Timeline(List<TraceFolders.Found> traces, List<CtfReader> readers, String before) {
        this.traces = traces;
        this.before = before;
        this.readers = readers;
        this.queue = new PriorityQueue<>(
                Math.max(1, readers.size()),
                Comparator.comparingLong((Cursor c) -> c.current.epochNanos())
                        .thenComparingInt(c -> c.current.trace()));
        for (int i = 0; i < readers.size(); i++) {
            Cursor cursor = new Cursor(i, readers.get(i));
            if (cursor.advance()) {
                queue.add(cursor);
            }
        }
    }

    /**
     * Opens every trace of {@code traces}; {@code before} says, in a broken event's message, what
     * became of the events before it ("the events before it are printed above").
     *
     * @throws CommandFailure naming the trace, if one cannot be read (its first event included), or
     *     if their clocks do not let them be merged
     */
    static Timeline open(List<TraceFolders.Found> traces, String before) {
        List<CtfReader> readers = new ArrayList<>();
        try {
            for (TraceFolders.Found trace : traces) {
                try {
                    readers.add(CtfReader.open(trace.folder()));
                } catch (java.nio.file.FileSystemException e) { // unreadable, not malformed: say why
                    throw new CommandFailure(trace.label() + ": cannot read " + e.getFile() + ": "
                            + io.tracepoint4j.ctf.FileErrors.reason(e, null));
                } catch (java.io.EOFException e) { // a stream file cut short: the message says how to read the rest
                    throw new CommandFailure(trace.label() + ": " + e.getMessage());
                } catch (IOException e) {
                    throw new CommandFailure(trace.label() + ": " + e.getMessage()
                            + "; tp view reads the CTF traces tracepoint4j writes (for a trace of another"
                            + " tracer, try babeltrace2)");
                }
            }
            checkClocks(traces, readers);
            return new Timeline(List.copyOf(traces), readers, before);
        } catch (RuntimeException e) {
            for (CtfReader reader : readers) {
                reader.close();
            }
            throw e;
        }
    }

    /** The traces, in the order named. */
    List<TraceFolders.Found> traces() {
        return traces;
    }

    /** The readers, one per trace (for their loss counts). */
    List<CtfReader> readers() {
        return readers;
    }

    /**
     * The next event in time order, or null after the last.
     *
     * @throws CommandFailure naming the file and offset, if an event record is broken
     */
    Entry next() {
        Cursor cursor = queue.poll();
        if (cursor == null) {
            return null;
        }
        Entry entry = cursor.current;
        if (cursor.advance()) {
            queue.add(cursor);
        }
        return entry;
    }

    @Override
    public void close() {
        for (CtfReader reader : readers) {
            reader.close();
        }
    }

    /** babeltrace2's rule: all clocks absolute, or none and all of one UUID. */
    private static void checkClocks(List<TraceFolders.Found> traces, List<CtfReader> readers) {
        CtfClock first = readers.get(0).metadata().clock();
        for (int i = 1; i < readers.size(); i++) {
            CtfClock clock = readers.get(i).metadata().clock();
            boolean merge = first.absolute()
                    ? clock.absolute()
                    : !clock.absolute() && first.uuid().equals(clock.uuid());
            if (!merge) {
                throw new CommandFailure("cannot put " + traces.get(0).label() + " and "
                        + traces.get(i).label()
                        + " on one timeline: their clocks differ (" + describe(first) + ", " + describe(clock)
                        + "), as traces of different machines or boots do; view them one at a time");
            }
        }
    }

    /**
     * {@code cycles} of a clock of {@code frequency} Hz in nanoseconds, computed as babeltrace2 2.0
     * computes them (in double precision, then truncated), so that both print the same times for
     * any clock. ({@link CtfClock#toNanos} is exact: at other frequencies than 1 GHz, 1 ns off
     * babeltrace2 now and then.)
     */
    static long nanos(long frequency, long cycles) {
        if (frequency == NANOS_PER_SECOND) {
            return cycles;
        }
        double unsigned = cycles >= 0 ? (double) cycles : (double) (cycles >>> 1) * 2.0 + (cycles & 1);
        return (long) (1e9 * unsigned / (double) frequency);
    }

    private static String describe(CtfClock clock) {
        return clock.absolute() ? "absolute" : "UUID " + clock.uuid();
    }

    /** One trace's position: its iterator and the entry read last. */
    private final class Cursor {
        final int trace;
        final Iterator<CtfEvent> events;
        final long offsetNanos;
        final CtfClock clock;
        Entry current;

        Cursor(int trace, CtfReader reader) {
            this.trace = trace;
            try {
                this.events = reader.iterator(); // reads the first event
            } catch (UncheckedIOException e) {
                throw broken(trace, e);
            }
            this.clock = reader.metadata().clock();
            this.offsetNanos = Math.addExact(
                    Math.multiplyExact(clock.offsetSeconds(), NANOS_PER_SECOND),
                    nanos(clock.frequency(), clock.offsetCycles()));
        }

        boolean advance() {
            try {
                if (!events.hasNext()) {
                    current = null;
                    return false;
                }
                CtfEvent event = events.next();
                current = new Entry(trace, offsetNanos + nanos(clock.frequency(), event.timestamp()), event);
                return true;
            } catch (UncheckedIOException e) {
                throw broken(trace, e);
            }
        }
    }

    /** A broken event record of trace {@code trace}, as the one line the command ends with. */
    private CommandFailure broken(int trace, UncheckedIOException e) {
        return new CommandFailure(
                traces.get(trace).label() + ": " + e.getCause().getMessage() + " (" + before + ")");
    }
}
