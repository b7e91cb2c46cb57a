package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.Field;
import io.tracepoint4j.ctf.FieldType;
import io.tracepoint4j.ctf.FileErrors;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tp convert DIR... --to chrome-json -o FILE}: the events of the traces in DIR as Chrome
 * trace-event JSON, which Perfetto's UI (ui.perfetto.dev) and chrome://tracing open.
 *
 * <p>Each event is an instant event ({@code "ph":"i"}, thread scope) named after its tracepoint,
 * {@code "cat"} its provider, {@code "ts"} microseconds since the earliest event of the traces
 * (trace-event times must not be negative, and a double keeps sub-microsecond digits only for
 * small numbers; the earliest event's wall-clock time is in {@code "otherData"}), {@code "pid"} the
 * process id the trace's environment names, {@code "tid"} the thread id, {@code "args"} the fields.
 * Thread and process names are metadata events ({@code "ph":"M"}, {@code thread_name} from the
 * {@code tracepoint4j:thread} events, {@code process_name} from the environment's main class).
 * Several traces (several JVMs) merge on one timeline, as with {@code tp view}.
 */
@Command(
        name = "convert",
        header = "Convert CTF traces to Chrome trace-event JSON (Perfetto, chrome://tracing).",
        description = {
            "",
            "Every event becomes an instant event on its thread's track, its fields as args; threads"
                    + " and processes are named. Times are microseconds since the earliest event."
        },
        footer = {
            "",
            "Exit status: 0, 1 when a DIR holds no readable trace or FILE cannot be written, 2 for a usage" + " error."
        })
final class ConvertCommand implements Callable<Integer> {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Option(names = "--to", required = true, paramLabel = "FORMAT", description = "The output format: chrome-json.")
    String format;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "The JSON file to write (replaced if it exists).")
    Path output;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "A trace's folder, or a folder with traces below it.")
    List<Path> folders;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!format.equals("chrome-json")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--to " + format + ": the one format is chrome-json");
        }
        List<TraceFolders.Found> traces = TraceFolders.find(folders);
        long events;
        // written beside FILE, then moved over it: a trace that breaks part-way, or a full disk,
        // leaves an existing FILE as it was, and no half-written JSON
        Path partial = output.toAbsolutePath()
                .resolveSibling("." + output.getFileName() + ".tp-"
                        + ProcessHandle.current().pid() + ".partial");
        try {
            try (Timeline timeline = Timeline.open(traces, "so nothing was written to " + output);
                    Writer out = new BufferedWriter(
                            new java.io.OutputStreamWriter(OwnerOnly.write(partial), StandardCharsets.UTF_8),
                            1 << 16)) {
                events = new ChromeJson(out, timeline).write();
                Losses.report(spec.commandLine().getErr(), spec.qualifiedName(), timeline, "not in " + output);
            } catch (IOException e) {
                throw new CommandFailure("cannot write " + output + ": " + FileErrors.reason(e, partial));
            } catch (UncheckedIOException e) {
                throw new CommandFailure("cannot write " + output + ": " + FileErrors.reason(e.getCause(), partial));
            }
            try {
                java.nio.file.Files.move(
                        partial,
                        output,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new CommandFailure("cannot write " + output + ": " + FileErrors.reason(e, output));
            }
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(partial); // moved already, unless something failed
            } catch (IOException e) {
                spec.commandLine()
                        .getErr()
                        .println(spec.qualifiedName() + ": cannot delete " + partial + ": " + e.getMessage());
            }
        }
        spec.commandLine()
                .getOut()
                .println(events + " events written to " + output + " (open it in https://ui.perfetto.dev or"
                        + " chrome://tracing)");
        return 0;
    }

    /** Writes one JSON document: {"traceEvents":[...], "displayTimeUnit":"ns", "otherData":{...}}. */
    private static final class ChromeJson {
        private final Writer out;
        private final Timeline timeline;
        private final Map<String, String> threadNames = new HashMap<>(); // "pid/tid" -> the name written
        private final Set<Long> namedProcesses = new HashSet<>();
        private boolean first = true;

        ChromeJson(Writer out, Timeline timeline) {
            this.out = out;
            this.timeline = timeline;
        }

        long write() throws IOException {
            out.write("{\"traceEvents\":[\n");
            long start = Long.MIN_VALUE;
            long written = 0;
            for (Timeline.Entry entry = timeline.next(); entry != null; entry = timeline.next()) {
                long pid = pidOf(entry.trace());
                nameProcess(pid, entry.trace());
                CtfEvent event = entry.event();
                long tid = EventLines.tidOf(event) instanceof Number id ? id.longValue() : 0;
                if (event.name().equals(EventLines.THREAD_EVENT)) {
                    nameThread(pid, tid, String.valueOf(event.field("name")));
                    continue; // a metadata event, without a time: the earliest event is a tracepoint's
                }
                if (start == Long.MIN_VALUE) {
                    start = entry.epochNanos();
                }
                StringBuilder line = new StringBuilder(128);
                line.append("{\"name\":");
                string(line, event.name());
                int colon = event.name().indexOf(':');
                line.append(",\"cat\":");
                string(line, colon > 0 ? event.name().substring(0, colon) : event.name());
                line.append(",\"ph\":\"i\",\"s\":\"t\",\"ts\":");
                micros(line, entry.epochNanos() - start);
                line.append(",\"pid\":")
                        .append(pid)
                        .append(",\"tid\":")
                        .append(tid)
                        .append(",\"args\":{");
                boolean firstField = true;
                for (Field field : event.eventClass().fields()) {
                    if (field.name().equals("tid")) {
                        continue;
                    }
                    if (!firstField) {
                        line.append(',');
                    }
                    firstField = false;
                    string(line, field.name());
                    line.append(':');
                    Object value = event.field(field.name());
                    if (field.type() == FieldType.UINT64 && value instanceof Long bits) {
                        line.append(Long.toUnsignedString(bits)); // the reader's long holds its 64 bits
                    } else {
                        value(line, value);
                    }
                }
                line.append("}}");
                element(line);
                written++;
            }
            out.write("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"tool\":\"tracepoint4j tp convert\"");
            if (start != Long.MIN_VALUE) {
                out.write(",\"start_epoch_ns\":\"" + start + "\",\"start\":\""
                        + java.time.Instant.ofEpochSecond(
                                Math.floorDiv(start, 1_000_000_000L), Math.floorMod(start, 1_000_000_000L))
                        + "\"");
            }
            out.write("}}\n");
            return written;
        }

        private long pidOf(int trace) {
            Object pid = timeline.readers().get(trace).metadata().env().get("pid");
            return pid instanceof Number n ? n.longValue() : trace + 1; // a trace without one: its place
        }

        private void nameProcess(long pid, int trace) throws IOException {
            if (namedProcesses.add(pid)) {
                Map<String, Object> env =
                        timeline.readers().get(trace).metadata().env();
                Object main = env.get("main");
                Object host = env.get("hostname");
                String name = (main == null || main.toString().isEmpty() ? "pid " + pid : main.toString())
                        + (host == null ? "" : " on " + host);
                metadata("process_name", pid, 0, name);
            }
        }

        private void nameThread(long pid, long tid, String name) throws IOException {
            String key = pid + "/" + tid;
            if (!name.equals(threadNames.put(key, name))) {
                metadata("thread_name", pid, tid, name.isEmpty() ? "<unnamed> " + tid : name);
            }
        }

        private void metadata(String what, long pid, long tid, String name) throws IOException {
            StringBuilder line = new StringBuilder(96);
            line.append("{\"name\":\"")
                    .append(what)
                    .append("\",\"ph\":\"M\",\"pid\":")
                    .append(pid);
            if (tid != 0) {
                line.append(",\"tid\":").append(tid);
            }
            line.append(",\"args\":{\"name\":");
            string(line, name);
            line.append("}}");
            element(line);
        }

        private void element(StringBuilder line) throws IOException {
            if (!first) {
                out.write(",\n");
            }
            first = false;
            out.append(line);
        }

        /** Nanoseconds as microseconds, exactly: integer part, then three decimals. */
        private static void micros(StringBuilder line, long nanos) {
            line.append(nanos / 1000).append('.');
            long rest = nanos % 1000;
            line.append((char) ('0' + rest / 100))
                    .append((char) ('0' + rest / 10 % 10))
                    .append((char) ('0' + rest % 10));
        }

        private static void value(StringBuilder line, Object value) {
            if (value == null) {
                line.append("null");
            } else if (value instanceof Boolean
                    || value instanceof Integer
                    || value instanceof Long
                    || value instanceof Short
                    || value instanceof Byte) {
                line.append(value);
            } else if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (Double.isFinite(d)) {
                    line.append(value);
                } else {
                    string(line, value.toString()); // JSON has no NaN or Infinity
                }
            } else if (value instanceof byte[] bytes) {
                string(line, java.util.HexFormat.of().formatHex(bytes));
            } else {
                string(line, value.toString());
            }
        }

        /** A JSON string: quotes, backslashes and control characters escaped. */
        private static void string(StringBuilder line, String text) {
            line.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"' -> line.append("\\\"");
                    case '\\' -> line.append("\\\\");
                    case '\n' -> line.append("\\n");
                    case '\r' -> line.append("\\r");
                    case '\t' -> line.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            line.append(String.format("\\u%04x", (int) c));
                        } else {
                            line.append(c);
                        }
                    }
                }
            }
            line.append('"');
        }
    }
}
