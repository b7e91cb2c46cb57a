package io.tracepoint4j.cli;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tp snapshot --pid PID -o DIR}: what the flight recorders of a running JVM (its sessions in
 * OVERWRITE mode) hold now, written by the target into DIR (several: one folder each, by session
 * name), without stopping them. After each folder, how many events it holds and the time they span,
 * read back from the folder as {@code tp view} reads it.
 */
@Command(
        name = "snapshot",
        header = "Write what a running JVM's flight recorders hold now.",
        description = {
            "",
            "A flight recorder is a session in OVERWRITE mode left running in the target"
                    + " (Session.builder(NAME).mode(io.tracepoint4j.ringbuffer.Mode.OVERWRITE)...start()). It goes on recording;"
                    + " the snapshot holds the newest events its buffers hold, with their threads' names.",
            "",
            "For each flight recorder it prints `snapshot: DIR`, then `events in snapshot: N over S s`: the"
                    + " events in DIR (the tracepoint4j:thread events that name threads left out) and the time"
                    + " from the first to the last."
        },
        footer = {
            "",
            "Exit status: 0, 1 when the JVM cannot be reached, runs no flight recorder, or a snapshot failed, 2"
                    + " for a usage error."
        })
final class SnapshotCommand implements Callable<Integer> {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Option(names = "--pid", required = true, paramLabel = "PID", description = "The JVM's process id.")
    long pid;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "The snapshot's folder, new.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (ControlSocket control = ControlSocket.connect(pid)) {
            String[] written =
                    control.request("snapshot", output.toAbsolutePath().toString()); // the target's folder is not ours
            for (int i = 1; i < written.length; i++) {
                out.println("snapshot: " + written[i]);
                out.println(contents(Path.of(written[i])));
            }
            out.flush();
            if (control.sayNotes(spec.commandLine().getErr(), "snapshot") > 0) {
                return 1; // a flight recorder whose snapshot failed, beside those written
            }
        }
        return 0;
    }

    /** {@code events in snapshot: N over S s} for the trace in {@code folder}. */
    private static String contents(Path folder) throws IOException {
        long events = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long frequency;
        try (CtfReader reader = CtfReader.open(folder)) {
            frequency = reader.metadata().clock().frequency();
            for (CtfEvent event : reader) {
                if (!event.name().equals(EventLines.THREAD_EVENT)) {
                    events++;
                    first = Math.min(first, event.timestamp());
                    last = Math.max(last, event.timestamp());
                }
            }
        }
        double seconds = events == 0 ? 0 : (double) (last - first) / frequency;
        return String.format(Locale.ROOT, "events in snapshot: %d over %.3f s", events, seconds);
    }
}
