package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tp record --pid PID -e GLOB[,GLOB...] [--filter EXPR] ...}: records a CTF trace of a
 * running JVM through its control socket (docs/design/control-channel.md): the session runs in the
 * target and writes the trace there; this command starts it, waits (the duration, Ctrl-C, or the
 * target's exit), stops it and sums it up. If this command dies (SIGKILL included) the target stops
 * the session by itself when the socket closes.
 */
@Command(
        name = "record",
        header = "Record a CTF trace of a running JVM.",
        description = {
            "",
            "The target needs tracepoint4j on its class path (tp brings the tracer in if it has only the"
                    + " tracepoints) and no start-up flag; it prints"
                    + " nothing. The trace is written by the target into DIR (created, readable by you"
                    + " alone). Recording ends after --duration, on Ctrl-C, or when the target exits."
        },
        footer = {
            "",
            "Exit status: 0 (also when a glob matches no tracepoint yet: those defined later are recorded, and"
                    + " stderr says so), 1 when the JVM cannot be reached or recording fails, 2 for a usage error"
                    + " (also a glob no name can match, or a filter the target refuses)."
        })
final class RecordCommand implements Callable<Integer> {
    private static final int SUB_BUFFER_SIZE = 256 * 1024;
    /**
     * The largest --buffer-size: the target's session has at least five such buffers (shared ones
     * and ones for platform threads, max(2, its CPUs) of each, and one for events given at their own
     * time), which hold less than 2 GiB; a target with more CPUs refuses a size that makes 2 GiB.
     */
    private static final long MAX_BUFFER_SIZE = 256L << 20;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Mixin
    TargetOption target;

    /** The target's PID, once resolved. */
    private long pid;

    @Option(
            names = {"-e", "--events"},
            required = true,
            split = ",",
            paramLabel = "GLOB",
            description = "Tracepoints to record, by name or glob (several: comma-separated or -e again).")
    List<String> globs;

    @Option(
            names = "--filter",
            paramLabel = "EXPR",
            description = "Record only the firings this filter accepts, e.g. 'status >= 500 && path ~ \"/api/*\"'.")
    String filter;

    @Option(
            names = "--mode",
            defaultValue = "discard",
            paramLabel = "MODE",
            description = "discard (when full, new events are dropped) or overwrite (the oldest are).")
    String mode;

    @Option(
            names = "--buffer-size",
            defaultValue = "2M",
            paramLabel = "SIZE",
            description = "Bytes per ring buffer, with k, M or G: a power of two from 512k to 256M (default 2M)."
                    + " The target's session has 2 x max(2, its CPUs) + 1 buffers: 5 x 2M = 10M by default on"
                    + " two CPUs; together under 2 GiB.")
    String bufferSize;

    @Mixin
    DurationOption duration;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "DIR",
            description = "The trace's folder, new or empty (default: tp-record-PID-DATE-TIME here).")
    Path output;

    @Option(
            names = "--progress",
            description = "Print the progress every second on stderr, a line each, even when not on a terminal (on one,"
                    + " it always does, rewriting one line); in overwrite mode, which writes at the end, one line"
                    + " saying so.")
    boolean progress;

    @Spec
    CommandSpec spec;

    /**
     * A line each second on stderr, so that stdout holds the results alone: events written and lost
     * so far, bytes written, their rates. On a terminal the line is rewritten in place; elsewhere
     * (--progress into a file or a pipe) each is a line of its own.
     */
    static final class Progress implements Runnable {
        private final ControlSocket control;
        private final Path folder;
        private final PrintWriter err;
        private final boolean rewrite;
        private final long start = System.nanoTime();

        Progress(ControlSocket control, Path folder, PrintWriter err, boolean rewrite) {
            this.control = control;
            this.folder = folder;
            this.err = err;
            this.rewrite = rewrite;
        }

        @Override
        public void run() {
            long bytes = TraceFolders.bytes(folder);
            double seconds = (System.nanoTime() - start) / 1e9;
            String[] progress;
            try {
                progress = control.request("progress");
            } catch (CommandFailure e) {
                if (e.answered()) {
                    throw e;
                }
                return; // the target is exiting: the wait ends, and the summary says so
            }
            long lost = Long.parseLong(progress[1]);
            long events = Long.parseLong(progress[2]);
            String line = String.format(
                    "%,d events, %,d lost, %,.1f MB written, %,.1f MB/s, %,.0f events/s",
                    events, lost, bytes / 1e6, bytes / 1e6 / seconds, events / seconds);
            if (rewrite) {
                err.print("\r" + line + " ");
                lineShown = true;
            } else {
                err.println(line);
            }
            err.flush();
        }

        /** Whether a line rewritten in place is on the screen, not ended yet. */
        private boolean lineShown;

        /** Ends the rewritten line, if there is one, before the results or a note. */
        void end() {
            if (lineShown) {
                err.println();
                err.flush();
                lineShown = false;
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        globs = Tp.globs(spec.commandLine(), globs, "-e");
        filter = Tp.filter(filter);
        if (!mode.equals("discard") && !mode.equals("overwrite")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--mode " + mode + ": use discard or overwrite");
        }
        int subBuffers;
        try {
            subBuffers = subBuffers(bufferSize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        pid = target.resolve(spec.commandLine()); // after the checks: a command is started only for a valid one
        PrintWriter out = spec.commandLine().getOut();
        int status = 0; // 1 if the trace could not be written completely
        try (ControlSocket control = target.connect()) {
            Path made = output == null
                    ? newDefaultFolder(Path.of(""), pid, LocalDateTime.now())
                    : null; // once the target is reached
            Path folder = (made != null ? made : output).toAbsolutePath(); // the target resolves against its own
            List<String> record = new ArrayList<>(List.of(
                    "record",
                    folder.toString(),
                    mode.toUpperCase(java.util.Locale.ROOT),
                    Integer.toString(SUB_BUFFER_SIZE),
                    Integer.toString(subBuffers)));
            for (String glob : globs) {
                record.add(glob);
                record.add(filter == null ? "" : filter);
            }
            String[] started;
            try {
                started = control.request(record.toArray(new String[0]));
            } catch (RuntimeException refused) { // a filter that does not fit, a folder it cannot write
                if (made != null) {
                    deleteIfEmpty(made, refused); // no trace was begun in it, unless the answer was lost
                }
                throw refused;
            }
            out.println("recording " + String.join(",", globs) + (filter == null ? "" : " if " + filter) + " in PID "
                    + pid + " into " + started[1] + duration.phrase(" (Ctrl-C stops)"));
            out.flush();
            if (started.length > 3) { // not an error: tracepoints defined later are recorded
                List<String> unmatched = java.util.Arrays.asList(started).subList(3, started.length);
                target.sayNoneMatchYet(
                        spec.commandLine().getErr(), "record", unmatched, "those defined later will be recorded");
            }
            target.letCommandRun(control, spec.commandLine().getErr(), "record");
            boolean terminal = stderrIsTerminal();
            boolean flightRecorder = mode.equals("overwrite");
            if (progress && flightRecorder) { // its lines would be all zeros: it writes at the end
                spec.commandLine()
                        .getErr()
                        .println("tp record: no progress to show: a flight recorder (--mode overwrite) keeps the newest"
                                + " events in its buffers and writes them when the recording ends");
                spec.commandLine().getErr().flush();
            }
            Progress shown = (progress || terminal) && !flightRecorder
                    ? new Progress(control, folder, spec.commandLine().getErr(), terminal)
                    : null;
            control.waitForTheEnd(
                    duration.seconds,
                    shown,
                    shown == null ? null : shown::end,
                    spec.commandLine().getErr(),
                    "record");
            if (shown != null) {
                shown.end();
            }
            Path written = folder;
            Long lost = null; // from the session; else (the target exited) from the packets' counts
            long eventsWritten = 0; // as the session counted them, if it answered
            String[] stopped = control.lastRequest("stop");
            control.sayNotes(spec.commandLine().getErr(), "record"); // those of its last second, or its last words
            if (stopped != null) {
                lost = Long.parseLong(stopped[1]);
                written = Path.of(stopped[2]);
                // WRITTEN, then FAILURE; a tracer of this version from before WRITTEN answers FAILURE alone
                int failureAt = stopped.length > 3 && stopped[3].matches("[0-9]+") ? 4 : 3;
                eventsWritten = failureAt == 4 ? Long.parseLong(stopped[3]) : 0;
                if (stopped.length > failureAt) { // the trace could not be written completely: said, and counted
                    status = 1;
                    spec.commandLine().getErr().println("tp record: PID " + pid + ": " + stopped[failureAt]);
                    spec.commandLine().getErr().flush();
                }
            } else if (!target.isCommand()) { // a --pid target's exit is news; a command's is its end
                out.println("PID " + pid + " exited while recording; the trace holds what it wrote, up to its"
                        + " last complete packet");
            }
            if (!summarize(out, spec.commandLine().getErr(), written, lost, eventsWritten)) {
                status = 1;
            }
        }
        out.flush(); // the results are out before any wait: a Ctrl-C's exit waits for this command a while only
        target.awaitCommand();
        return status;
    }

    /**
     * tp-record-PID-DATE-TIME in {@code here}, at {@code now}, made now (empty, yours alone; the
     * target's session takes an empty folder), or with -2, -3, ... after it if another recording
     * took that name in the same second: two tools started together each get a folder of their own.
     */
    static Path newDefaultFolder(Path here, long pid, LocalDateTime now) {
        String name = "tp-record-" + pid + "-" + now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        for (int n = 1; ; n++) {
            Path folder = here.resolve(n == 1 ? name : name + "-" + n);
            try {
                return OwnerOnly.newFolder(folder);
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // another recording's: the next name
            } catch (java.io.IOException e) {
                throw new CommandFailure("cannot create " + folder.toAbsolutePath() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Whether stderr, where the progress goes, is a terminal: where its descriptor leads, in /proc;
     * elsewhere the console's answer (stdin's and stdout's).
     */
    private static boolean stderrIsTerminal() {
        try {
            String leadsTo = java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/fd/2"))
                    .toString();
            return leadsTo.startsWith("/dev/pts/") || leadsTo.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return System.console() != null && System.console().isTerminal();
        }
    }

    /** Deletes {@code folder} if nothing is in it; a failure is added to {@code refused}, which is thrown. */
    private static void deleteIfEmpty(Path folder, RuntimeException refused) {
        try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(folder)) {
            if (entries.findAny().isEmpty()) {
                java.nio.file.Files.delete(folder);
            }
        } catch (java.io.IOException e) {
            refused.addSuppressed(e);
        }
    }

    /**
     * The last two lines: the trace's folder, and {@code events recorded: N, lost: M}, N counted in
     * the trace, M the session's count or, if it is null, the packets' discarded-event counts.
     * Returns false, with why on {@code err}, if the trace cannot be read: if its folder was removed
     * or moved while recording (the target went on writing into files no longer in it), N is 0
     * and M counts the {@code eventsWritten} the session wrote there too, so that N + M are still
     * the events the session recorded.
     */
    private static boolean summarize(PrintWriter out, PrintWriter err, Path folder, Long lost, long eventsWritten) {
        long events = 0;
        long discarded;
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (!event.name().equals(EventLines.THREAD_EVENT)) {
                    events++;
                }
            }
            Losses losses = Losses.of(List.of(reader)).getFirst();
            discarded = losses.events() + losses.eventsBefore(); // the session's whole life: none before it
            if (TraceFolders.isFlightRecorder(reader)) {
                long missing = losses.packets() + losses.packetsBefore();
                if (missing > 0) { // its earlier packets may have gone to a tp snapshot taken meanwhile
                    out.println("the flight recorder overwrote its " + missing + " oldest packet"
                            + (missing == 1 ? "" : "s") + " to keep the newest, or gave them to snapshots"
                            + " taken meanwhile (not counted as lost)");
                }
            }
        } catch (IOException e) {
            boolean gone = !java.nio.file.Files.isDirectory(folder);
            err.println("tp record: "
                    + (gone
                            ? "the trace's folder " + folder + " was removed or moved while recording: the "
                                    + eventsWritten + " events written there are not in it (moved, they are where"
                                    + " it went; counted lost here)"
                            : "the trace in " + folder + " cannot be read: " + e.getMessage()));
            err.flush();
            out.println("events recorded: 0, lost: " + ((lost != null ? lost : 0) + (gone ? eventsWritten : 0)));
            return false;
        }
        out.println("trace: " + folder);
        out.println("events recorded: " + events + ", lost: " + (lost != null ? lost : discarded));
        return true;
    }

    /** The sub-buffers of 256 KiB in SIZE (2M, 512k, 1G, 4194304). */
    private static int subBuffers(String size) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("([0-9]+)([kKmMgG]?)").matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "--buffer-size " + size + ": give bytes, or a number with k, M or G (2M)");
        }
        long bytes = Long.parseLong(m.group(1))
                << switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    default -> 0;
                };
        if (bytes % SUB_BUFFER_SIZE != 0
                || bytes < 2L * SUB_BUFFER_SIZE
                || bytes > MAX_BUFFER_SIZE
                || Long.bitCount(bytes / SUB_BUFFER_SIZE) != 1) {
            throw new IllegalArgumentException(
                    "--buffer-size " + size + ": give a power of two from 512k to 256M: 512k, 1M, 2M, ..., 256M");
        }
        return (int) (bytes / SUB_BUFFER_SIZE);
    }
}
