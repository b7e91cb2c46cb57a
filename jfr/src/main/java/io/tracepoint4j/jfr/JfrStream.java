package io.tracepoint4j.jfr;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jdk.jfr.EventSettings;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * One {@link RecordingStream} for the JVM's events behind the {@code jvm:*} tracepoints, running
 * while any of them has probes, with exactly their events enabled: a tracepoint's first probe
 * enables its event ({@link Source#start()}, its {@code onFirstProbe} hook, like the kernel's
 * regfunc of a syscall tracepoint), starting the stream if it is the first; its last probe
 * disables it, closing the stream if it was the last. With no probe, JFR does not run for them.
 */
final class JfrStream {
    /*
     * Design note.
     *
     * One stream, one thread: JFR hands a stream's events over in batches, about once a second,
     *   sorted by their end time (setOrdered), on the stream's own thread. The tracepoints give
     *   that end time as their event time, so a session places each record there: in the
     *   reporting thread's event-time buffer, whose records must come in time order. One stream
     *   for all jvm:* events gives one reporting thread and one order; a stream per event would
     *   interleave several sorted batches in one thread's records, or take one event-time buffer
     *   per event.
     *
     * Concurrency: Source.start() and stop() run in the tracepoints' hooks, on the thread that
     *   registers the first probe or unregisters the last, under that tracepoint's update lock,
     *   and take this object's lock (lock order: a tracepoint's update lock, then this). The
     *   stream's thread fires the tracepoints and takes neither. Starting, closing and changing
     *   the stream may call the application's FlightRecorderListeners while this lock is held: a
     *   listener that registers or unregisters probes of another jvm:* tracepoint would take
     *   that tracepoint's update lock after this one, against the order, and could deadlock.
     *
     * Enabling and disabling an event of a running stream changes its recording's settings; the
     *   handlers of every source are registered when the stream is made, and a handler of an event
     *   disabled since fires a tracepoint that has no probe: nothing happens.
     *
     * Stopping does not wait for the stream's thread: after the last probe is gone, a firing still
     *   in flight calls no probe. Waiting there could deadlock with a probe of a jvm:* tracepoint
     *   that registers or unregisters probes of it (its update lock is held while this runs).
     */

    private final List<Source> sources = new ArrayList<>(); // guarded by this
    /** The running stream, or null. Guarded by this. */
    private RecordingStream stream;

    /**
     * A source of this stream: JFR's event {@code jfrEvent}, with {@code settings} applied when it
     * is enabled (threshold, throttle), and {@code fire} run for each delivered event.
     */
    synchronized Source source(String jfrEvent, Consumer<EventSettings> settings, Consumer<RecordedEvent> fire) {
        if (stream != null) {
            throw new IllegalStateException("the sources of a JFR stream are made before it starts: " + jfrEvent);
        }
        Source source = new Source(jfrEvent, settings, fire);
        sources.add(source);
        return source;
    }

    private synchronized void start(Source source) {
        if (source.enabled) {
            return;
        }
        if (stream == null) {
            RecordingStream started = new RecordingStream();
            try {
                for (Source each : sources) {
                    started.onEvent(each.jfrEvent, each.fire);
                }
                started.setReuse(true); // the handlers copy what they need: JFR may reuse its event objects
                started.setOrdered(true); // in end-time order within each batch: the event times' order
                source.settings.accept(started.enable(source.jfrEvent));
                started.startAsync();
            } catch (RuntimeException | Error e) { // no recording left registered in JFR (JFR.check)
                started.close();
                throw e;
            }
            stream = started;
        } else {
            source.settings.accept(stream.enable(source.jfrEvent));
        }
        source.enabled = true;
    }

    private synchronized void stop(Source source) {
        if (!source.enabled) {
            return;
        }
        source.enabled = false;
        for (Source each : sources) {
            if (each.enabled) {
                stream.disable(source.jfrEvent);
                return;
            }
        }
        stream.close(); // the last one: JFR stops
        stream = null;
    }

    private synchronized boolean streaming(Source source) {
        return source.enabled;
    }

    /** One JFR event of the stream, enabled while its tracepoint has probes. */
    final class Source {
        private final String jfrEvent;
        private final Consumer<EventSettings> settings;
        private final Consumer<RecordedEvent> fire;
        /** Whether the stream records it now. Guarded by the JfrStream. */
        private boolean enabled;

        private Source(String jfrEvent, Consumer<EventSettings> settings, Consumer<RecordedEvent> fire) {
            this.jfrEvent = jfrEvent;
            this.settings = settings;
            this.fire = fire;
        }

        /** Enables the event, starting the stream if it is the first; returns at once. */
        void start() {
            JfrStream.this.start(this);
        }

        /** Disables the event, closing the stream if it was the last; returns at once. */
        void stop() {
            JfrStream.this.stop(this);
        }

        /** Whether the stream records this event now. */
        boolean streaming() {
            return JfrStream.this.streaming(this);
        }
    }
}
