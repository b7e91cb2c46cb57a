package io.tracepoint4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tp stat --pid PID -e GLOB[,GLOB...] [--filter EXPR] [--duration S]}: counts and rates per
 * tracepoint, like {@code perf stat}, counted in the target (a counting probe per tracepoint,
 * guarded by the filter) without writing a trace, over the control socket {@code tp record} uses.
 */
@Command(
        name = "stat",
        header = "Count the firings of a running JVM's tracepoints, like perf stat.",
        description = {
            "",
            "     counted    rate/s  tracepoint",
            "       1,234     617.0  web:request",
            "",
            "Counted in the target (tp brings its tracer in if it has only the tracepoints), without"
                    + " writing a trace;"
                    + " the probes are detached when the command ends (also if it is killed)."
        },
        footer = {
            "",
            "Exit status: 0 (also when a glob matches no tracepoint yet: those defined later are counted, and"
                    + " stderr says so), 1 when the JVM cannot be reached or counting fails, 2 for a usage error"
                    + " (also a glob no name can match, or a filter the target refuses)."
        })
final class StatCommand implements Callable<Integer> {
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
            description = "Tracepoints to count, by name or glob (several: comma-separated or -e again).")
    List<String> globs;

    @Option(names = "--filter", paramLabel = "EXPR", description = "Count only the firings this filter accepts.")
    String filter;

    @Mixin
    DurationOption duration;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        globs = Tp.globs(spec.commandLine(), globs, "-e");
        filter = Tp.filter(filter);
        pid = target.resolve(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        try (ControlSocket control = target.connect()) {
            List<String> stat = new ArrayList<>(List.of("stat", filter == null ? "" : filter));
            stat.addAll(globs);
            String[] started = control.request(stat.toArray(new String[0]));
            boolean noneYet = started[1].equals("0");
            out.println("counting " + String.join(",", globs) + (filter == null ? "" : " if " + filter) + " in PID "
                    + pid + " ("
                    + (noneYet
                            ? "no tracepoint yet; those defined later are counted"
                            : started[1]
                                    + (started[1].equals("1") ? " tracepoint" : " tracepoints")
                                    + (target.isCommand() ? " defined so far; those defined later are counted" : ""))
                    + ")" + duration.phrase(", Ctrl-C stops"));
            out.flush();
            if (started.length > 2) { // not an error: tracepoints defined later are counted
                List<String> unmatched = java.util.Arrays.asList(started).subList(2, started.length);
                target.sayNoneMatchYet(
                        spec.commandLine().getErr(), "stat", unmatched, "those defined later will be counted");
            }
            target.letCommandRun(control, spec.commandLine().getErr(), "stat");
            long start = System.nanoTime();
            ControlSocket.Poll poll = control.new Poll("counts");
            control.waitForTheEnd(
                    duration.seconds, poll, null, spec.commandLine().getErr(), "stat");
            String[] counts = poll.finish("unstat", "count");
            control.sayNotes(spec.commandLine().getErr(), "stat"); // those of its last second, or its last words
            if (poll.exited() && !poll.finalCounts()) { // killed: what it said last, up to a second old
                out.println("PID " + pid + " exited without its final counts; as of the last second:");
            } else if (poll.exited() && !target.isCommand()) { // a --pid target's exit is news; a command's is its end
                out.println("PID " + pid + " exited; its counts at its exit:");
            }
            double elapsed = (poll.answeredAt() - start) / 1e9;
            out.println();
            out.printf("%12s %11s  %s%n", "counted", "rate/s", "tracepoint");
            if (counts.length == 1) { // "ok" and no count
                out.println("no tracepoint matching " + String.join(",", globs) + " was defined");
            }
            for (int i = 1; i < counts.length; i++) {
                int equals = counts[i].lastIndexOf('=');
                long count = Long.parseLong(counts[i].substring(equals + 1));
                out.printf("%,12d %,11.1f  %s%n", count, count / elapsed, counts[i].substring(0, equals));
            }
            out.printf("%n%.3f seconds%n", elapsed);
        }
        out.flush(); // the results are out before any wait: a Ctrl-C's exit waits for this command a while only
        target.awaitCommand();
        return 0;
    }
}
