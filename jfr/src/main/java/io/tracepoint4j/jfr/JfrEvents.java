package io.tracepoint4j.jfr;

import io.tracepoint4j.Attachments;
import io.tracepoint4j.Tracepoint;
import io.tracepoint4j.Tracepoints;
import java.util.List;

/**
 * Tracepoints into JDK Flight Recorder: while enabled, each firing of a tracepoint matching one of
 * the globs is a JFR event, so it shows in JDK Mission Control and in {@code jfr print --events
 * 'tracepoint4j.*'} beside the JVM's own events. Tracepoints defined later that match are bridged
 * as they are defined.
 *
 * <pre>{@code
 * try (JfrEvents bridge = JfrEvents.enable("web:*", "db:query")) {
 *     // ... a recording (jcmd PID JFR.start, -XX:StartFlightRecording, JMC) gets tracepoint4j.web.request ...
 * }
 * }</pre>
 *
 * <p>Each tracepoint gets one JFR event type ({@link TracepointEventTypes}): named {@code
 * tracepoint4j.PROVIDER.NAME}, labelled with the tracepoint's name, in the category
 * {@code tracepoint4j/PROVIDER}, with one field per argument, named after it. It is created once per
 * tracepoint and kept for the JVM's life (creating one costs milliseconds and metaspace), so
 * enabling the same tracepoint again, in this or another bridge, reuses it. JFR's own settings
 * decide whether it is recorded ({@code enabled}, as for any event; {@code stackTrace} is off by
 * default, as a stack trace costs far more than the event).
 *
 * <p>Cost: a bridged firing first asks JFR whether its event type is enabled in any recording, a
 * few loads: with no recording it costs a few nanoseconds more than the tracepoint's firing. With a
 * recording, it creates the event, sets its fields (primitives are boxed: {@code EventFactory}'s
 * events take objects) and commits it; {@code JfrBridgeBench} measures it against a static JFR
 * event with the same fields.
 *
 * <p>Argument types: JFR fields hold primitives and strings. An enum argument becomes a string
 * field with its constant's name; a {@code byte[]} argument becomes an {@code int} field holding its
 * length (-1 for null), as a JFR field cannot hold an array: the field's description says so.
 *
 * <p>The probes are kept attached by {@link Attachments}, which never keeps a plugin's class loader
 * alive. Thread safety: {@link #enable} and {@link #close} may be called from any thread. Closing
 * detaches the probes and waits ({@link Tracepoint#synchronizeUnregister()}) until none runs.
 */
public final class JfrEvents implements AutoCloseable {
    private final Attachments attachments;

    private JfrEvents(Attachments attachments) {
        this.attachments = attachments;
    }

    /**
     * Bridges every tracepoint whose name matches one of {@code globs} ({@link
     * Tracepoints#matches}), now and as they are defined, until {@link #close()}; but not the
     * {@link JvmTracepoints} ({@code jvm:*}), which come from JFR events the recording has already.
     *
     * @throws IllegalArgumentException if no glob is given, or one is null or empty
     */
    public static JfrEvents enable(String... globs) {
        if (globs == null || globs.length == 0) {
            throw new IllegalArgumentException("give at least one tracepoint name or glob, e.g. \"web:*\"");
        }
        for (String glob : globs) {
            Tracepoints.checkGlob(glob);
        }
        List<String> chosen = List.of(globs);
        return new JfrEvents(Attachments.start(tracepoint -> {
            if (fromJfr(tracepoint)) {
                return List.of(); // its jdk.* event is in the recording already, fired on JFR's own stream
            }
            for (String glob : chosen) {
                if (Tracepoints.matches(glob, tracepoint.name())) {
                    return List.of(new EventWriter(TracepointEventTypes.of(tracepoint)));
                }
            }
            return List.of();
        }));
    }

    /**
     * Whether {@code tracepoint} is one of {@link JvmTracepoints}' (checked by its prototype, which
     * does not initialize that class, so that enabling a bridge defines no jvm:* tracepoint).
     */
    private static boolean fromJfr(Tracepoint<?> tracepoint) {
        return tracepoint.prototype().getEnclosingClass() == JvmTracepoints.class;
    }

    /** The names of the tracepoints bridged now, sorted. */
    public List<String> tracepoints() {
        return attachments.tracepoints();
    }

    /**
     * Stops bridging: detaches every probe and returns once none is running (so no event is
     * committed after it). The event types stay registered with JFR. Idempotent.
     *
     * @throws IllegalStateException if called from a probe (it waits for probes to finish)
     */
    @Override
    public void close() {
        attachments.close();
    }
}
