package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import io.tracepoint4j.ctf.TraceMetadata;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Formats events as lines in the manner of ftrace's {@code trace} file:
 *
 * <pre>
 *         worker-0-25      [001] 10:41:02.120141308: web:request: method="GET" status=200
 * </pre>
 *
 * <ul>
 *   <li>TASK-TID: the thread's name, right-aligned in 16 columns, {@code -}, its id, left-aligned
 *       in 7, for events with a {@code tid} field (every tracepoint4j event but {@code
 *       tracepoint4j:abandoned}, whose note names the thread: in the event's fields or its
 *       packet's context). The name is the one the trace's last {@code tracepoint4j:thread}
 *       event gave that thread id, in full ({@code <unnamed>} for an empty name, as virtual threads
 *       have); {@code <...>} before any (as ftrace shows a task whose name it did not record).
 *       Without a {@code tid}: {@code <...>-?}.
 *   <li>[STREAM]: the stream instance (a tracepoint4j session's ring buffer), where ftrace shows
 *       the CPU whose buffer held the event, three digits at least.
 *   <li>the time: the wall-clock time of day, {@code HH:MM:SS.nnnnnnnnn}, in the local time zone or
 *       UTC, or seconds since the Unix epoch ({@code 1765103662.120141308}).
 *   <li>the event's name, then its fields as {@code name=value} ({@code tid} left out, shown
 *       before): the packet's own context fields, then the event's. Strings in double quotes with
 *       Java escapes, chars in single quotes, byte arrays as {@code {0x01,0xff}}, enums as their
 *       label, UINT64 unsigned, the rest as Java prints them.
 * </ul>
 *
 * <p>Lines of several traces start with the trace's folder, padded to the longest. The {@code
 * tracepoint4j:thread} events themselves are not lines: their names show in the TASK column. Not
 * thread-safe.
 */
final class EventLines {
    /**
     * The thread id of {@code event}: its packet context's {@code tid} (a trace written with the ctf
     * module may keep it there), else its own {@code tid} field (tracepoint4j's events); null if
     * neither has one.
     */
    static Object tidOf(CtfEvent event) {
        Object inContext = event.context().get(TID);
        return inContext instanceof Number ? inContext : event.field(TID);
    }

    /** The event that names a thread (fields {@code tid}, {@code name}) in tracepoint4j's traces. */
    static final String THREAD_EVENT = "tracepoint4j:thread";

    private static final String TID = "tid";
    /** The task of a thread id no thread event named, as ftrace shows a task whose name it lacks. */
    private static final String UNKNOWN = "<...>";
    /** The task of a thread whose name is empty (virtual threads' usually are). */
    private static final String UNNAMED = "<unnamed>";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** How times are shown. */
    enum TimeStyle {
        /** Time of day in the local time zone. */
        LOCAL,
        /** Time of day in UTC. */
        UTC,
        /** Seconds since the Unix epoch. */
        EPOCH
    }

    private final TimeStyle timeStyle;
    private final ZoneRules zone;
    private final List<String> labels; // empty for one trace
    private final List<Map<Long, String>> threadNames = new ArrayList<>();
    private final List<TraceMetadata> metadata = new ArrayList<>();
    private final StringBuilder line = new StringBuilder(256);
    private long cachedSecond = Long.MIN_VALUE; // the epoch second whose HH:MM:SS is cachedTime
    private String cachedTime = "";

    /**
     * Lines for the events of {@code timeline}'s traces; with more than one, each line starts with
     * its trace's label.
     */
    EventLines(TimeStyle timeStyle, ZoneId localZone, Timeline timeline) {
        this.timeStyle = timeStyle;
        this.zone = (timeStyle == TimeStyle.UTC ? ZoneId.of("UTC") : localZone).getRules();
        int width = 0;
        for (int i = 0; i < timeline.traces().size(); i++) {
            width = Math.max(width, timeline.traces().get(i).label().length());
            threadNames.add(new HashMap<>());
            metadata.add(timeline.readers().get(i).metadata());
        }
        List<String> padded = new ArrayList<>();
        if (timeline.traces().size() > 1) {
            for (TraceFolders.Found trace : timeline.traces()) {
                padded.add(trace.label() + " ".repeat(width - trace.label().length()));
            }
        }
        this.labels = padded;
    }

    /**
     * The line of {@code entry}, or null for a {@code tracepoint4j:thread} event, whose name it
     * remembers for the thread's later events instead.
     */
    String format(Timeline.Entry entry) {
        CtfEvent event = entry.event();
        Map<Long, String> names = threadNames.get(entry.trace());
        if (event.name().equals(THREAD_EVENT)
                && event.field(TID) instanceof Number tid
                && event.field("name") instanceof String name) {
            names.put(tid.longValue(), name);
            return null;
        }
        StringBuilder out = line;
        out.setLength(0);
        if (!labels.isEmpty()) {
            out.append(labels.get(entry.trace())).append(' ');
        }
        boolean tidInContext = event.context().get(TID) instanceof Number;
        Object tidValue = tidOf(event);
        String task;
        String id;
        if (tidValue instanceof Number tid) {
            task = names.getOrDefault(tid.longValue(), UNKNOWN);
            if (task.isEmpty()) {
                task = UNNAMED;
            }
            id = tidValue.toString();
        } else {
            task = UNKNOWN;
            id = "?";
        }
        int taskStart = out.length();
        CtfReader.appendEscaped(out, task);
        for (int i = out.length() - taskStart; i < 16; i++) {
            out.insert(taskStart, ' '); // right-aligned, as escaped
        }
        out.append('-').append(id);
        pad(out, 7 - id.length());
        out.append(" [");
        String stream = Long.toUnsignedString(event.streamInstanceId());
        for (int i = stream.length(); i < 3; i++) {
            out.append('0');
        }
        out.append(stream).append("] ");
        appendTime(out, entry.epochNanos());
        out.append(": ").append(event.name()).append(':');
        CtfReader.appendFields(
                out,
                event.context(),
                metadata.get(entry.trace()).streamClass(event.streamClassId()).contextFields(),
                tidInContext ? TID : null);
        CtfReader.appendFields(out, event.fields(), event.eventClass().fields(), tidInContext ? null : TID);
        return out.toString();
    }

    private void appendTime(StringBuilder out, long epochNanos) {
        long second = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
        long nanos = Math.floorMod(epochNanos, NANOS_PER_SECOND);
        if (timeStyle == TimeStyle.EPOCH) {
            out.append(second).append('.');
        } else {
            if (second != cachedSecond) {
                long local =
                        second + zone.getOffset(Instant.ofEpochSecond(second)).getTotalSeconds();
                int ofDay = (int) Math.floorMod(local, 86_400L);
                cachedTime = twoDigits(ofDay / 3600) + ":" + twoDigits(ofDay / 60 % 60) + ":" + twoDigits(ofDay % 60);
                cachedSecond = second;
            }
            out.append(cachedTime).append('.');
        }
        String fraction = Long.toString(nanos);
        for (int i = fraction.length(); i < 9; i++) {
            out.append('0');
        }
        out.append(fraction);
    }

    private static String twoDigits(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }

    private static void pad(StringBuilder out, int spaces) {
        for (int i = 0; i < spaces; i++) {
            out.append(' ');
        }
    }
}
