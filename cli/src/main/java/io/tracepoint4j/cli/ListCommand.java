package io.tracepoint4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tp list --pid PID [GLOB]}: the tracepoints of a running JVM, one line each, reached as
 * {@link TargetJvm} says (no flag needed in the target, nothing printed there); without {@code
 * --pid}, the JVMs that have tracepoint4j, as {@code tp jvms}.
 */
@Command(
        name = "list",
        header = "List the tracepoints of a running JVM.",
        description = {
            "",
            "        web:request regular disabled 0 probes (String method, String path, int status, long nanos)",
            "",
            "NAME, FLAVOR (regular, or faultable: its probes may block), enabled or disabled, the probes"
                    + " attached, and the arguments with their types. The target needs tracepoint4j on its"
                    + " class path and no start-up flag; it prints nothing. Attaching needs the target's"
                    + " user; the password of the JMX agent this starts in the target is readable by that"
                    + " user alone, and the agent is stopped when the command ends."
        },
        footer = {
            "",
            "Exit status: 0, also when no tracepoint matches (stderr says so); 1 when the JVM cannot be reached"
                    + " (the message says why); 2 for a usage error (also a GLOB the target refuses as matching no"
                    + " name)."
        })
final class ListCommand implements Callable<Integer> {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Option(
            names = "--pid",
            paramLabel = "PID",
            description = "The JVM's process id (./tp demo --serve 60 prints one); without it, the JVMs, as tp jvms.")
    Long pid;

    @Parameters(
            paramLabel = "GLOB",
            arity = "0..1",
            defaultValue = "*",
            description = "Tracepoint names to list, with * and ?; several comma-separated, as -e takes them"
                    + " (default: all).")
    String glob;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (pid == null) {
            if (spec.commandLine().getParseResult().hasMatchedPositional(0)) { // not dropped unsaid
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "a GLOB lists the tracepoints of one JVM: give its --pid (without one, tp list lists the"
                                + " JVMs)");
            }
            JvmsCommand.print(out, spec.commandLine().getErr(), "tp list");
            return 0;
        }
        List<String> globs = Tp.globs(spec.commandLine(), List.of(glob.split(",", -1)), "GLOB");
        try (TargetJvm target = TargetJvm.attach(pid)) {
            java.util.Set<String> lines = new java.util.LinkedHashSet<>(); // one line per tracepoint
            for (String each : globs) {
                lines.addAll(List.of(
                        (String[]) target.invoke("list", new Object[] {each}, new String[] {String.class.getName()})));
            }
            for (String line : lines) {
                out.println(line);
            }
            if (lines.isEmpty()) {
                spec.commandLine().getErr().println("tp list: PID " + pid + " has no tracepoint matching " + glob);
            }
        }
        out.flush();
        return 0;
    }
}
