package io.tracepoint4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tp view DIR...}: the events of the traces in DIR, one line per event in time order, in the
 * manner of ftrace's {@code trace} file (the format: {@link EventLines}). Losses the tracer counted
 * are reported on stderr after the lines.
 */
@Command(
        name = "view",
        header = "Print the events of CTF traces, one line per event in time order, like ftrace.",
        description = {
            "",
            "        worker-0-25      [001] 10:41:02.120141308: web:request: status=200",
            "",
            "TASK-TID (the thread's name and id), [STREAM] (the ring buffer), the time, the event, its"
                    + " fields. A DIR without a metadata file is searched for traces in its subfolders;"
                    + " several traces are merged on one timeline, each line then starting with its"
                    + " trace's folder. The tracepoint4j:thread events name the threads and are not"
                    + " printed themselves (babeltrace2 DIR prints them). Events the tracer lost are"
                    + " counted on stderr after the lines."
        },
        footer = {"", "Exit status: 0, 1 when a DIR holds no readable trace, 2 for a usage error."})
final class ViewCommand implements Callable<Integer> {
    /** Lines between checks that stdout is still open (| head closes it: then stop reading). */
    private static final int CHECK_EVERY = 4096;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @ArgGroup(exclusive = true)
    Time time;

    @Parameters(
            paramLabel = "DIR",
            arity = "1..*",
            description = "A trace's folder (holding its metadata file), or a folder with traces below it.")
    List<Path> folders;

    @Spec
    CommandSpec spec;

    /** The time options, of which one at most is given. */
    static final class Time {
        @Option(
                names = "--utc",
                description = "Times of day in UTC (default: in the local time zone, as babeltrace2 prints them).")
        boolean utc;

        @Option(
                names = "--seconds",
                description = "Seconds since the Unix epoch instead of times of day (babeltrace2's --clock-seconds).")
        boolean seconds;
    }

    ViewCommand() {}

    @Override
    public Integer call() {
        EventLines.TimeStyle style = time == null
                ? EventLines.TimeStyle.LOCAL
                : time.seconds ? EventLines.TimeStyle.EPOCH : EventLines.TimeStyle.UTC;
        List<TraceFolders.Found> traces = TraceFolders.find(folders);
        PrintWriter out = spec.commandLine().getOut();
        try (Timeline timeline = Timeline.open(traces, "the events before it are printed above")) {
            EventLines lines = new EventLines(style, ZoneId.systemDefault(), timeline);
            long printed = 0;
            for (Timeline.Entry entry = timeline.next(); entry != null; entry = timeline.next()) {
                String line = lines.format(entry);
                if (line != null) {
                    out.println(line);
                    if (++printed % CHECK_EVERY == 0 && out.checkError()) {
                        return 0; // nobody reads any more (| head): stop quietly, as ftrace's readers do
                    }
                }
            }
            out.flush();
            Losses.report(spec.commandLine().getErr(), spec.qualifiedName(), timeline, "not shown above");
        }
        return 0;
    }
}
