package io.tracepoint4j.jfr;

import java.util.function.Consumer;
import jdk.jfr.EventSettings;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * The JFR event behind one {@code jvm:*} tracepoint, streamed while the tracepoint has probes: the
 * tracepoint's first probe starts a {@link RecordingStream} of that one event (its {@code
 * onFirstProbe} hook, like the kernel's regfunc of a syscall tracepoint), its last probe closes it.
 * With no probe, JFR does not run for it at all.
 */
final class JfrSource {
    /*
     * Design note.
     *
     * Concurrency: start() and stop() run in the tracepoint's hooks, on the thread that registers
     *   the first probe or unregisters the last, under the tracepoint's update lock, and take this
     *   object's lock (lock order: the tracepoint's update lock, then this). The stream's own thread
     *   fires the tracepoint and takes neither.
     *
     * Stopping does not wait for the stream's thread: after the last probe is gone, a firing still
     *   in flight calls no probe. Waiting there could deadlock with a probe of this tracepoint that
     *   registers or unregisters probes of it (its update lock is held while this runs).
     */

    private final String jfrEvent;
    private final Consumer<EventSettings> settings;
    private final Consumer<RecordedEvent> fire;
    /** The running stream, or null. Guarded by this. */
    private RecordingStream stream;

    /**
     * @param jfrEvent the JFR event's name, e.g. {@code jdk.GCPhasePause}
     * @param settings applied to the event's settings when a stream starts (threshold, throttle)
     * @param fire fires the tracepoint for one delivered event
     */
    JfrSource(String jfrEvent, Consumer<EventSettings> settings, Consumer<RecordedEvent> fire) {
        this.jfrEvent = jfrEvent;
        this.settings = settings;
        this.fire = fire;
    }

    /** Starts streaming, if not already. */
    synchronized void start() {
        if (stream != null) {
            return;
        }
        RecordingStream started = new RecordingStream();
        settings.accept(started.enable(jfrEvent));
        started.onEvent(jfrEvent, fire);
        started.setReuse(true); // the handler copies what it needs: JFR may reuse its event objects
        started.setOrdered(true); // in time order within each batch
        started.startAsync();
        stream = started;
    }

    /** Stops streaming, if it runs; returns at once. */
    synchronized void stop() {
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }

    synchronized boolean streaming() {
        return stream != null;
    }
}
