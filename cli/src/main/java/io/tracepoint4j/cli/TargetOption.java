package io.tracepoint4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The target of {@code record}, {@code stat} and {@code hist}: a running JVM ({@code --pid PID}) or
 * a command to start ({@code -- java ARGS...}), which then runs with this tool's terminal and is
 * attached to once it has defined a tracepoint; it waits there (StartGate, up to 10 s) until the
 * tool has started what it asked for and says go ({@link #letCommandRun}), so that no firing is
 * missed. The command's exit ends the recording; a command still running when the recording ends
 * is waited for, as {@code perf stat -- CMD} does, and one still running when the tool is ended by
 * a signal is stopped with it (Ctrl-C's SIGINT reaches it through the terminal; a SIGTERM sent to
 * the tool alone would not).
 */
final class TargetOption {
    private static final long START_TIMEOUT_SECONDS = 60;
    /** After this long without a tracepoint, the wait for a started command's first one is said. */
    private static final long START_QUIET_SECONDS = 5;
    /** How long an abandoned command has to end after SIGTERM. */
    private static final long STOP_SECONDS = 5;

    @Option(names = "--pid", paramLabel = "PID", description = "The JVM's process id (or give a command after --).")
    Long pid;

    @Parameters(
            paramLabel = "COMMAND",
            arity = "0..*",
            description = "A command to start and trace instead of --pid, after --: -- java -jar app.jar")
    List<String> command;

    /**
     * The environment variable that gives a command this tool starts the tool's PID: the command
     * then waits at its first tracepoint until the tool says go (io.tracepoint4j.control.StartGate,
     * whose TOOL_PID_VARIABLE this is; the tool does not compile against that module).
     */
    static final String TOOL_PID_VARIABLE = "TRACEPOINT4J_TOOL_PID";

    private Process started;

    /** The target's PID, once resolved. */
    private long resolved;

    /**
     * The commands started and not yet waited for by {@link #awaitCommand}: a tool that fails on
     * the way, or that a signal ends, stops them ({@link #stopAbandoned}, {@link StopAtExit}), or
     * they would run on, orphaned, on its terminal.
     */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    /**
     * The shutdown hook that stops the commands still running when the JVM exits: at a signal
     * (the tool's results are printed meanwhile from what the command's exit leaves, as when the
     * command ends by itself); registered with the first command started.
     */
    private static final class StopAtExit {
        static {
            // as long a grace as Ctrl-C's exit gives the tool's results (Tp.FINISH_SECONDS): the
            // command, a JVM with a session of its own, may be writing its trace at its exit
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(Tp.FINISH_SECONDS), "tp: stop the command"));
        }

        static void register() {
            // the class's initialization registered it
        }
    }

    /** The target's PID: --pid's, or the started command's once tracepoint4j is loaded in it. */
    long resolve(CommandLine commandLine) {
        boolean hasCommand = command != null && !command.isEmpty();
        if (hasCommand && !commandLine.getParseResult().originalArgs().contains("--")) {
            throw new CommandLine.ParameterException( // a stray word, or a command without its --
                    commandLine,
                    "unexpected argument '" + String.join(" ", command) + "' (a command to start goes after --)");
        }
        if ((pid == null) == !hasCommand) {
            throw new CommandLine.ParameterException(
                    commandLine,
                    hasCommand
                            ? "give --pid PID or a command after -- (-- java -jar app.jar), not both"
                            : "give the JVM to attach to, --pid PID, or a command to start after -- (-- java -jar"
                                    + " app.jar)");
        }
        if (pid != null) {
            resolved = pid;
            return pid;
        }
        try {
            StopAtExit.register();
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment()
                    .put(
                            TOOL_PID_VARIABLE,
                            Long.toString(ProcessHandle.current().pid()));
            started = builder.start();
            RUNNING.add(started);
        } catch (IOException e) {
            throw new CommandFailure("cannot start " + String.join(" ", command) + ": " + e.getMessage());
        }
        long begun = System.nanoTime();
        long deadline = begun + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        boolean said = false;
        while (System.nanoTime() < deadline) {
            if (!said && System.nanoTime() - begun > TimeUnit.SECONDS.toNanos(START_QUIET_SECONDS)) {
                said = true; // a command that never defines one would otherwise wait in silence
                commandLine
                        .getErr()
                        .println(commandLine.getCommandSpec().qualifiedName() + ": PID " + started.pid()
                                + " has defined no tracepoint yet; waiting for its first, " + START_TIMEOUT_SECONDS
                                + " s at most (--duration counts from there)");
                commandLine.getErr().flush();
            }
            if (!started.isAlive()) {
                // it defined none, or ran on past its first (StartGate: where it must not wait) and ended
                throw new CommandFailure(String.join(" ", command) + " exited (status " + started.exitValue()
                        + ") before tp could attach: it defined no tracepoint, or did not wait for tp at its first"
                        + (command.getFirst().equals("java") && started.exitValue() != 0
                                ? " (java is the first on your PATH: if that is older than Java 25, give a JDK 25's"
                                        + " full path, e.g. the one tp runs on: -- "
                                        + Path.of(System.getProperty("java.home"), "bin", "java") + " ...)"
                                : ""));
            }
            if (listed(started.pid()) && TargetJvm.tracepointVersion(started.pid()) != null) {
                resolved = started.pid();
                return resolved;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailure("interrupted while " + String.join(" ", command) + " started");
            }
        }
        started.destroy();
        throw new CommandFailure(String.join(" ", command) + " defined no tracepoint in " + START_TIMEOUT_SECONDS
                + " s: is tracepoint4j on its class path, and does it define tracepoints?");
    }

    /**
     * Whether the JVM {@code pid} is attachable yet (its performance-data file exists): attaching
     * earlier can wait for the attach handshake's timeout while the JVM starts.
     */
    private static boolean listed(long pid) {
        String id = Long.toString(pid);
        for (com.sun.tools.attach.VirtualMachineDescriptor descriptor : com.sun.tools.attach.VirtualMachine.list()) {
            if (descriptor.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Connects to the target's control socket (after resolve()). A started command that exits
     * meanwhile is said to have, with its status, rather than as what attaching then failed with.
     */
    ControlSocket connect() throws IOException {
        try {
            return ControlSocket.connect(resolved);
        } catch (CommandFailure e) {
            if (started != null && exits(started)) {
                throw new CommandFailure(String.join(" ", command) + " exited (status " + started.exitValue()
                        + ") while tp attached to it");
            }
            throw e;
        }
    }

    /** Whether {@code process} has exited, or does within a second: attaching failed as it exited. */
    private static boolean exits(Process process) {
        try {
            return process.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /**
     * Lets a command this tool started run on past its first tracepoint, where it waits until
     * what the tool asked for is in place (StartGate), and says on {@code err} if it did not wait;
     * nothing for a --pid target.
     */
    void letCommandRun(ControlSocket control, java.io.PrintWriter err, String tool) {
        if (started != null) {
            String[] answer = control.request("go");
            if (answer.length > 1) { // it did not wait for this tool: said, as what is missing cannot be counted
                err.println("tp " + tool + ": the command ran on before tp was ready: " + answer[1]
                        + "; its first firings may be missing");
                err.flush();
            }
        }
    }

    /**
     * Says on {@code err} that no tracepoint matches {@code globs} yet and what happens {@code later},
     * for a --pid target; a started command defines its tracepoints as its classes load, so it is
     * not news there.
     */
    void sayNoneMatchYet(java.io.PrintWriter err, String tool, List<String> globs, String later) {
        if (started == null) {
            err.println("tp " + tool + ": no tracepoint of PID " + resolved + " matches " + String.join(",", globs)
                    + " now; " + later + " (./tp list --pid " + resolved + " lists them)");
            err.flush();
        }
    }

    /** Whether the target is a command this tool started (after resolve()). */
    boolean isCommand() {
        return started != null;
    }

    /** Waits for the started command, if any, to exit. */
    void awaitCommand() throws InterruptedException {
        if (started != null) {
            started.waitFor();
            RUNNING.remove(started);
        }
    }

    /**
     * Stops the commands started that the tool will not wait for, because it failed: SIGTERM, and
     * SIGKILL after {@link #STOP_SECONDS}. Returns their PIDs.
     */
    static List<Long> stopAbandoned() {
        return stop(STOP_SECONDS);
    }

    /** Stops the commands started and not waited for: SIGTERM, SIGKILL after {@code seconds}. Returns their PIDs. */
    private static List<Long> stop(long seconds) {
        List<Long> stopped = new ArrayList<>();
        for (Process process : RUNNING) {
            RUNNING.remove(process);
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                stopped.add(process.pid());
            }
        }
        return stopped;
    }
}
