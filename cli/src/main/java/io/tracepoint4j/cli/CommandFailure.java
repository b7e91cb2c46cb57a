package io.tracepoint4j.cli;

import java.io.Serial;

/**
 * A command could not do its work for a reason the user can fix (a folder without a trace, say):
 * printed as one line, {@code tp COMMAND: MESSAGE}, exit status 1. The message names the mistake
 * and the fix.
 */
final class CommandFailure extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message, null, false, false);
    }
}
