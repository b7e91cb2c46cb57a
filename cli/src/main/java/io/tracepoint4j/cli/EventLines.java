package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.Field;
import io.tracepoint4j.ctf.FieldType;
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
 *       in 7, for events with a {@code tid} field (every tracepoint4j event: in the event's fields
 *       or its packet's context). The name is the one the trace's last {@code tracepoint4j:thread}
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
        Object tidValue = tidInContext ? event.context().get(TID) : event.field(TID);
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
        escape(out, task);
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
        appendValues(
                out,
                event.context(),
                metadata.get(entry.trace()).streamClass(event.streamClassId()).contextFields(),
                tidInContext);
        appendValues(out, event.fields(), event.eventClass().fields(), !tidInContext);
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

    private static void appendValues(
            StringBuilder out, Map<String, Object> values, List<Field> fields, boolean skipTid) {
        int i = 0;
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            FieldType type = fields != null && i < fields.size() ? fields.get(i).type() : null;
            i++;
            if (skipTid && entry.getKey().equals(TID)) {
                continue;
            }
            out.append(' ').append(entry.getKey()).append('=');
            Object value = entry.getValue();
            if (value instanceof String s && type != FieldType.ENUM) {
                out.append('"');
                escape(out, s, '"');
                out.append('"');
            } else if (value instanceof Character c) {
                out.append('\'');
                escape(out, String.valueOf(c), '\'');
                out.append('\'');
            } else if (value instanceof byte[] bytes) {
                out.append('{');
                for (int k = 0; k < bytes.length; k++) {
                    out.append(k == 0 ? "0x" : ",0x")
                            .append(Character.forDigit((bytes[k] >> 4) & 0xF, 16))
                            .append(Character.forDigit(bytes[k] & 0xF, 16));
                }
                out.append('}');
            } else if (value instanceof Long l && type == FieldType.UINT64) {
                out.append(Long.toUnsignedString(l));
            } else {
                out.append(value);
            }
        }
    }

    private static void pad(StringBuilder out, int spaces) {
        for (int i = 0; i < spaces; i++) {
            out.append(' ');
        }
    }

    /** A thread name as it is, but for control characters, which would break the line. */
    private static void escape(StringBuilder out, String s) {
        escape(out, s, '\0');
    }

    /** {@code s} with Java escapes for {@code quote}, backslashes and control characters. */
    private static void escape(StringBuilder out, String s, char quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != '\0' && (c == quote || c == '\\')) {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                out.append(c);
            }
        }
    }
}
