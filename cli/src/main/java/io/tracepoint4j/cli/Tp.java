package io.tracepoint4j.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code tp} command's Java side: the subcommands the {@code ./tp} script hands to this jar
 * ({@code ./tp view DIR} runs {@code java -jar cli/target/tracepoint4j-cli.jar view DIR}, from a
 * copy of that jar under {@code .tp/jars/}).
 *
 * <p>Exit status: 0 on success, 1 when the command could not do its work (a folder without a
 * trace, a broken trace), 2 for a command line it cannot parse. Errors are one line on stderr,
 * {@code tp COMMAND: what went wrong, and the fix}. Output is UTF-8, as babeltrace2's is.
 */
@Command(
        name = "tp",
        synopsisSubcommandLabel = "COMMAND",
        description = "tracepoint4j's commands that run in Java (./tp help lists all of ./tp's).",
        subcommands = {
            ViewCommand.class,
            ConvertCommand.class,
            JvmsCommand.class,
            ListCommand.class,
            RecordCommand.class,
            StatCommand.class,
            HistCommand.class,
            SnapshotCommand.class
        })
public final class Tp implements Callable<Integer> {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Print this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    Tp() {}

    /**
     * Standard output, remembering why a write failed: PrintWriter keeps only that one did, and a
     * full disk must not pass for a reader that stopped reading (tp view ... | head).
     */
    private static final class Stdout extends java.io.FilterOutputStream {
        java.io.IOException failure;

        Stdout() {
            super(new FileOutputStream(FileDescriptor.out));
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            try {
                out.write(bytes, offset, length);
            } catch (java.io.IOException e) {
                failure = failure != null ? failure : e;
                throw e;
            }
        }

        @Override
        public void write(int b) throws java.io.IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    /** Runs {@code tp ARGS} and exits with its status. */
    public static void main(String[] args) {
        // Buffered, flushed at the end (and by commands that need it): a view prints millions of lines.
        Stdout stdout = new Stdout();
        PrintWriter out = new PrintWriter(
                new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), 1 << 16), false);
        PrintWriter err = new PrintWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int status = run(out, err, args);
        out.flush();
        java.io.IOException lost = stdout.failure;
        if (lost != null && !"Broken pipe".equals(lost.getMessage())) { // a reader that went away (| head) is fine
            err.println("tp: cannot write the output: " + lost.getMessage() + "; what was printed is incomplete");
            status = Math.max(status, 1);
        }
        err.flush();
        FINISHED.countDown(); // before exit(), which a Ctrl-C's exit would block
        System.exit(status);
    }

    /**
     * The globs of an option ({@code what}: -e, or list's GLOB) without empty ones ({@code -e ','},
     * {@code -e ''}); a usage error if none is left, before anything is attached to or started.
     */
    static List<String> globs(CommandLine commandLine, List<String> given, String what) {
        List<String> globs = new java.util.ArrayList<>();
        for (String glob : given) {
            if (!glob.isBlank()) {
                globs.add(glob.strip());
            }
        }
        if (globs.isEmpty()) {
            throw new CommandLine.ParameterException(
                    commandLine, what + " needs a tracepoint name or glob, e.g. 'web:*' or web:request,db:query");
        }
        return globs;
    }

    /** A --filter option's expression, or null for none (also when blank: --filter ''). */
    static String filter(String given) {
        return given == null || given.isBlank() ? null : given;
    }

    /** The longest a Ctrl-C waits for a command to stop what it started and print its results. */
    static final long FINISH_SECONDS = 15;

    /** Counted down once main() has printed everything: a Ctrl-C's shutdown hook waits for it. */
    private static final java.util.concurrent.CountDownLatch FINISHED = new java.util.concurrent.CountDownLatch(1);

    /** Waits until main() has printed everything, or FINISH_SECONDS. */
    static void awaitFinished() {
        try {
            FINISHED.await(FINISH_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the commands a failed tool started (-- java ...), saying so: they would run on orphaned. */
    private static void stopAbandonedCommands(CommandLine failed) {
        for (long stopped : TargetOption.stopAbandoned()) {
            failed.getErr()
                    .println(failed.getCommandSpec().qualifiedName() + ": stopped PID " + stopped
                            + ", the command it started");
        }
    }

    /** Runs {@code tp ARGS}, printing to {@code out} and {@code err}; returns the exit status. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        int status = commandLine(out, err).execute(args);
        out.flush();
        return status;
    }

    /** The command line of {@code tp} and its subcommands, with this tool's error handling. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Tp());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            String synopsis = failed.getHelp().synopsis(0).strip().replaceAll("\\s*\\R\\s*", " "); // one line
            if (synopsis.startsWith("Usage: ")) {
                synopsis = synopsis.substring("Usage: ".length());
            }
            String message = e.getMessage().startsWith("Error: ")
                    ? e.getMessage().substring("Error: ".length())
                    : e.getMessage();
            failed.getErr()
                    .println(failed.getCommandSpec().qualifiedName() + ": " + message + " (usage: " + synopsis + "; "
                            + failed.getCommandSpec().qualifiedName() + " --help says more)");
            stopAbandonedCommands(failed);
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> {
            failed.getOut().flush(); // what was printed before the error comes first
            int status = 1;
            if (e instanceof CommandFailure failure) {
                failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                status = failure.status();
            } else {
                failed.getErr()
                        .println(failed.getCommandSpec().qualifiedName() + ": internal error, please report it: " + e);
                e.printStackTrace(failed.getErr());
            }
            stopAbandonedCommands(failed);
            return status;
        });
        return commandLine;
    }

    /** {@code tp} without a command: a usage error. */
    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "name a command: " + String.join(", ", spec.subcommands().keySet()));
    }
}
