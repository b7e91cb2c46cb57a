package io.tracepoint4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tp snapshot --pid PID -o DIR}: what the flight recorders of a running JVM (its sessions in
 * OVERWRITE mode) hold now, written by the target into DIR (several: one folder each, by session
 * name), without stopping them.
 */
@Command(
        name = "snapshot",
        header = "Write what a running JVM's flight recorders hold now.",
        description = {
            "",
            "A flight recorder is a session in OVERWRITE mode left running in the target"
                    + " (Session.builder(NAME).mode(Mode.OVERWRITE)...start()). It goes on recording;"
                    + " the snapshot holds the newest events its buffers hold, with their threads' names."
        },
        footer = {
            "",
            "Exit status: 0, 1 when the JVM cannot be reached or runs no flight recorder, 2 for a usage" + " error."
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
                    control.request("snapshot\t" + output.toAbsolutePath()); // the target's folder is not ours
            for (int i = 1; i < written.length; i++) {
                out.println("snapshot: " + written[i]);
            }
        }
        return 0;
    }
}
