package io.tracepoint4j.cli;

import java.io.Serial;

/**
 * A command could not do its work for a reason the user can fix (a folder without a trace, say):
 * printed as one line, {@code tp COMMAND: MESSAGE}, exit status 1, or 2 for an argument the target
 * refused ({@link #refusedArgument}: a glob, filter or field only the target can check). The
 * message names the mistake and the fix.
 */
final class CommandFailure extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Whether the failure is an argument of the command the target refused: a usage error. */
    private final boolean refusedArgument;

    /** Whether the target answered it (error or refused), rather than the connection failing. */
    private final boolean answered;

    CommandFailure(String message) {
        this(message, false, false);
    }

    private CommandFailure(String message, boolean refusedArgument, boolean answered) {
        super(message, null, false, false);
        this.refusedArgument = refusedArgument;
        this.answered = answered;
    }

    /** An argument the target refused (it alone knows its tracepoints): exit status 2, as a usage error. */
    static CommandFailure refusedArgument(String message) {
        return new CommandFailure(message, true, true);
    }

    /** What the target answered to a request, an error: exit status 1. */
    static CommandFailure answeredError(String message) {
        return new CommandFailure(message, false, true);
    }

    /** Whether the target answered it, rather than the connection failing (the target exiting, say). */
    boolean answered() {
        return answered;
    }

    /** The exit status: 2 for an argument the target refused, else 1. */
    int status() {
        return refusedArgument ? 2 : 1;
    }
}
