package io.tracepoint4j.cli;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tp jvms}: the local JVMs of this user that have tracepoint4j loaded, found with the Attach
 * API: each JVM's system properties hold {@code io.tracepoint4j.version} once it defined a
 * tracepoint (Tracepoints.VERSION_PROPERTY). Reading them starts nothing in the JVM and prints
 * nothing there.
 */
@Command(
        name = "jvms",
        header = "List your local JVMs that have tracepoint4j loaded.",
        description = {
            "",
            "        12345 io.example.Service tracepoint4j 0.1.0",
            "",
            "PID, the main class or jar, and the tracepoint4j version. Then: ./tp list --pid PID."
        },
        footer = {"", "Exit status: 0 (also when there is none; stderr then says so), 2 for a usage error."})
final class JvmsCommand implements Callable<Integer> {
    /** The system property Tracepoints sets (io.tracepoint4j.Tracepoints.VERSION_PROPERTY). */
    static final String VERSION_PROPERTY = "io.tracepoint4j.version";

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        print(spec.commandLine().getOut(), spec.commandLine().getErr(), "tp jvms");
        return 0;
    }

    /** Prints the JVMs (for tp jvms, and tp list without --pid); says on {@code err} if there is none. */
    static void print(PrintWriter out, PrintWriter err, String command) {
        String self = Long.toString(ProcessHandle.current().pid());
        int found = 0;
        for (VirtualMachineDescriptor descriptor : VirtualMachine.list()) {
            if (descriptor.id().equals(self) || TargetJvm.otherUser(Long.parseLong(descriptor.id())) != null) {
                continue; // this tool, or the JVM of another user (root's list holds every user's)
            }
            String version = TargetJvm.tracepointVersion(descriptor);
            if (version != null) {
                String main = descriptor.displayName().isBlank()
                        ? "(no main class)"
                        : descriptor.displayName().split(" ")[0];
                out.println(descriptor.id() + " " + main + " tracepoint4j " + version);
                found++;
            }
        }
        out.flush();
        if (found == 0) {
            err.println(command + ": none of your JVMs has tracepoint4j loaded (start one: ./tp demo --serve 60)");
        }
    }
}
